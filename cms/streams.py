"""Exclusive content's live events, on the member's own ``me`` stream."""

from realtime import events
from realtime.events import EventType

PAGE_KEYS = ("id", "type", "title", "url", "teaser")

events.declare(
    # New content the member's audience meets (published by an editor, or on schedule).
    EventType("content.published", "me", (*PAGE_KEYS, "published_at")),
    # A place freed up at an event: the member, first on its waiting list, is going.
    EventType("event.promoted", "me", (*PAGE_KEYS, "starts_at")),
    # The day before an event the member is going to.
    EventType("event.reminder", "me", (*PAGE_KEYS, "starts_at")),
)
