"""The activity verbs of exclusive content (``community.activity``): the KPIs' source.

An entry's community is the page's discussion community when it has one (the
community the content is attributed to), else none (site-wide).
"""

from community.activity import Verb

CONTENT = "cms.contentpage"
OFFER = "cms.offerpage"
EVENT = "cms.eventpage"

VERBS = (
    Verb(
        "content.published",
        CONTENT,
        ("type", "audience"),
        optional=("scheduled",),
        doc="A page was published for the first time (by an editor, or on schedule).",
    ),
    Verb(
        "content.viewed",
        CONTENT,
        ("type",),
        doc="A member of its audience read it (the first time that day).",
    ),
    Verb(
        "offer.codes_imported",
        OFFER,
        ("added", "skipped"),
        doc="An editor added unique codes to the offer's pool.",
    ),
    Verb("offer.revealed", OFFER, ("mode",), doc="A member revealed the offer's code."),
    Verb(
        "event.registered",
        EVENT,
        ("state",),
        doc="A member registered: going, or on the waiting list when it is full.",
    ),
    Verb(
        "event.cancelled",
        EVENT,
        ("was",),
        doc="A member cancelled their registration (going or waitlisted).",
    ),
    Verb(
        "event.promoted",
        EVENT,
        doc="A place freed up: the first on the waiting list is going (no actor).",
    ),
    Verb("event.attended", EVENT, doc="An organiser marked the member as present."),
    Verb(
        "event.attendance_cleared",
        EVENT,
        doc="An organiser took back a member's presence.",
    ),
)
