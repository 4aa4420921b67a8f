"""Event types, each declared once by the app that publishes it: name, stream, keys.

The mechanism lives here; the declarations live with the apps (``community.streams``,
``forums.streams``), loaded from their ``ready()``.

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


EVENTS: dict[str, EventType] = {}


def declare(*types):
    """Declare the event types an app publishes; call when its ``streams.py`` loads.

    Declaring a name twice is allowed only with the same declaration."""
    for event in types:
        known = EVENTS.get(event.name)
        if known is not None and known != event:
            raise ValueError(f"Event {event.name!r} is already declared differently.")
        EVENTS[event.name] = event


# What realtime itself sends on thread streams (``realtime.presence``), unnumbered and
# never stored: someone is writing a reply; who is reading.
declare(
    EventType("typing", "thread", ("username", "display_name", "expires_in"), stored=False),
    EventType("presence", "thread", ("viewers", "count"), stored=False),
)


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
