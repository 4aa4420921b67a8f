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
        # A member's own notifications.
        EventType("notification.created", "me", ("id", "kind", "thread", "title", "community")),
    )
}


def check(address, event, data):
    """Raise ValueError unless ``event`` is declared for the stream of ``address``."""
    declared = EVENTS.get(event)
    if declared is None:
        raise ValueError(f"Undeclared event {event!r}.")
    if address.split(":", 1)[0] != declared.stream:
        raise ValueError(f"Event {event!r} goes to {declared.stream!r} streams, not {address!r}.")
    missing = [key for key in declared.keys if key not in data]
    if missing:
        raise ValueError(f"Event {event!r} is missing {missing}.")
