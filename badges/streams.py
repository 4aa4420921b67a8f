"""The badges app's live events, on the member's own ``me`` stream (``realtime.events``)."""

from realtime import events
from realtime.events import EventType

events.declare(
    # A badge or trait awarded to the member (by its rule, by hand, or a backfill's summary).
    EventType("badge.awarded", "me", ("badge", "name", "tier", "community", "awarded_at")),
    # The member's level in a community changed, up or down.
    EventType("level.changed", "me", ("community", "before", "after", "points")),
)
