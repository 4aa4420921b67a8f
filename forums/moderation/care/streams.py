"""Customer care's live events."""

from realtime import events
from realtime.events import EventType

QUESTION_KEYS = ("thread", "title", "state", "seconds_left", "due_at")

events.declare(
    # To an online expert: a new question they could answer.
    EventType("question.offered", "me", ("thread", "title", "community", "url")),
    # To moderators: a question's clock started, was met, or (below) nears or passes its target.
    EventType("question.waiting", "moderation", QUESTION_KEYS),
    EventType("question.answered", "moderation", QUESTION_KEYS),
    EventType("response.breaching", "moderation", QUESTION_KEYS),
    EventType("response.breached", "moderation", QUESTION_KEYS),
    # Anything the on-duty moderators should look at now.
    EventType("alert.raised", "moderation", ("kind", "text")),
)
