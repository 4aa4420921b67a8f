"""Moderation's live events shared by its parts (each part declares its own too)."""

from realtime import events
from realtime.events import EventType

events.declare(
    # A moderator's decision about the member, privately (forums.moderation.notices).
    EventType(
        "moderation.notice",
        "me",
        ("id", "kind", "community", "thread", "post", "text", "created_at"),
    ),
)
