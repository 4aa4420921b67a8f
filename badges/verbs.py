"""The activity verbs of social value, declared once (``community.activity``).

``target_user`` is the member concerned: who got the badge, whose level changed,
who was endorsed. KPIs count badges awarded and endorsements from these entries.
"""

from community.activity import Verb

BADGE = "badges.badge"
AWARD = "badges.award"
COMMUNITY = "community.community"

VERBS = (
    Verb("badge.created", BADGE, ("rule", "mode"), doc="A manager created a badge."),
    Verb("badge.updated", BADGE, ("before", "after"), doc="A badge's settings changed."),
    Verb(
        "badge.awarded",
        AWARD,
        ("badge", "awarded_at"),
        optional=("backfill",),
        doc="A member earned a badge by its rule (awarded_at: when they achieved it).",
    ),
    Verb("badge.granted", AWARD, ("badge", "reason"), doc="A manager granted a badge by hand."),
    Verb("badge.revoked", None, ("badge", "reason"), doc="A manager took a badge back."),
    Verb(
        "level.changed",
        None,
        ("before", "after", "points"),
        doc="A member's level in a community changed (ranks, up or down).",
    ),
    Verb("levels.updated", COMMUNITY, ("before", "after"), doc="The level names or thresholds."),
    Verb("qualities.updated", COMMUNITY, ("before", "after"), doc="The qualities to endorse."),
    Verb(
        "endorsement.added",
        "badges.endorsement",
        ("quality",),
        optional=("post",),
        doc="A member endorsed another's quality.",
    ),
    Verb("endorsement.withdrawn", None, ("quality",), doc="They took it back."),
    Verb("showcase.updated", None, ("fields",), doc="A member changed their motto, title..."),
)
