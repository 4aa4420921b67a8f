"""Every event type, declared once: its dotted name, the stream it goes to, its keys.

A consumer relays an event ``a.b`` through a handler named ``a_b`` (Channels'
convention); a client reads ``{"stream", "event", "id", "data"}`` where
``data`` carries at least the keys listed here. Publishing an undeclared
event, or one missing a declared key, is a programming error and raises.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    stream: str  # the stream prefix it is published on
    keys: tuple
    # Stored events get an id and are replayed to clients that missed them;
    # ephemeral ones (typing, presence) are sent to whoever listens now, unnumbered.
    stored: bool = True


EVENTS = {
    event.name: event
    for event in (
        # A member's own membership changed (joined, approved, banned, role...).
        EventType("membership.changed", "me", ("community", "username", "role", "state")),
        # A membership ended (left, refused, removed); state is "none".
        EventType("membership.removed", "me", ("community", "username", "state")),
        # Moderators of a community see join requests arrive.
        EventType("membership.requested", "moderation", ("community", "username", "state")),
        # A community's thread list: a thread opened, or changed (reply, vote, solved...).
        EventType("thread.created", "community", ("id", "community", "kind", "title", "state")),
        EventType("thread.updated", "community", ("id", "community", "kind", "title", "state")),
        # A thread's posts.
        EventType("post.created", "thread", ("id", "thread", "number", "author", "html")),
        EventType("post.edited", "thread", ("id", "thread", "number", "html")),
        EventType("post.deleted", "thread", ("id", "thread", "number")),
        EventType("post.reacted", "thread", ("id", "thread", "reactions")),
        # The thread itself changed: solved, locked, pinned, idea status, votes, poll.
        EventType("thread.changed", "thread", ("id", "community", "kind", "title", "state")),
        # Ephemeral (no id, never stored): someone is writing a reply; who is reading.
        EventType("typing", "thread", ("username", "display_name", "expires_in"), stored=False),
        EventType("presence", "thread", ("viewers", "count"), stored=False),
        # A member's own notifications.
        EventType("notification.created", "me", ("id", "kind", "thread", "title", "community")),
    )
}


def check(address, event, data, *, stored=True):
    """Raise ValueError unless ``event`` is declared for the stream of ``address``."""
    declared = EVENTS.get(event)
    if declared is None:
        raise ValueError(f"Undeclared event {event!r}.")
    if declared.stored != stored:
        kind = "a stored" if declared.stored else "an ephemeral"
        raise ValueError(f"Event {event!r} is {kind} event.")
    if address.split(":", 1)[0] != declared.stream:
        raise ValueError(f"Event {event!r} goes to {declared.stream!r} streams, not {address!r}.")
    missing = [key for key in declared.keys if key not in data]
    if missing:
        raise ValueError(f"Event {event!r} is missing {missing}.")
