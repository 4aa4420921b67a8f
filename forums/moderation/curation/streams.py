"""Curation's live event: the community's highlights changed (its page reloads them)."""

from realtime import events
from realtime.events import EventType

events.declare(
    EventType("highlight.changed", "community", ("community", "action", "highlight", "thread")),
)
