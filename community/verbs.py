"""The activity verbs of the community domain, declared once (``community.activity``).

Each entry names who did it (``actor``), the community, the member it is about
(``target_user``) and its object; ``keys`` are what its data carries.
"""

from community.activity import Verb

COMMUNITY = "community.community"
MEMBERSHIP = "community.membership"

VERBS = (
    Verb("community.created", COMMUNITY, doc="A community was created."),
    Verb(
        "community.updated",
        COMMUNITY,
        ("before", "after"),
        doc="Its settings changed.",
        audit=True,
    ),
    # Memberships. The target is the member; ending one is an entry of its own (left,
    # refused, removed, banned), so member counts rebuilt from the ledger go down too.
    Verb("membership.joined", MEMBERSHIP, ("invited",), doc="Joined, at once."),
    Verb("membership.requested", MEMBERSHIP, ("invited",), doc="Asked to join."),
    Verb("membership.approved", MEMBERSHIP, doc="A moderator let a request in.", audit=True),
    Verb("membership.refused", None, doc="A moderator turned a request down.", audit=True),
    Verb("membership.left", None, doc="The member left."),
    Verb("membership.removed", None, doc="A moderator removed the member.", audit=True),
    # Sanctions (moderation). ``before``/``after`` are the end dates (ISO 8601, or None
    # for "none" / "no end"); a lifting by the worker has no actor and ``expired``.
    Verb(
        "membership.banned",
        MEMBERSHIP,
        ("reason",),
        optional=("until", "before", "after"),
        doc="Banned from the community (until a date, or for good).",
        audit=True,
    ),
    Verb(
        "membership.unbanned",
        MEMBERSHIP,
        optional=("reason", "expired", "before", "after"),
        doc="The ban was lifted (by a moderator, or at its end date).",
        audit=True,
    ),
    Verb(
        "membership.silenced",
        MEMBERSHIP,
        ("reason", "before", "after"),
        doc="Silenced (read-only) in the community until a date.",
        audit=True,
    ),
    Verb(
        "membership.unsilenced",
        MEMBERSHIP,
        ("before",),
        optional=("reason", "expired"),
        doc="The silence was lifted (by a moderator, or at its end date).",
        audit=True,
    ),
    Verb(
        "membership.role_changed",
        MEMBERSHIP,
        ("before", "after"),
        doc="Role changed.",
        audit=True,
    ),
    Verb(
        "user.suspended",
        "community.user",
        ("reason", "before", "after"),
        doc="Suspended site-wide (read-only everywhere) until a date, by site staff.",
        audit=True,
    ),
    Verb(
        "user.unsuspended",
        "community.user",
        ("before",),
        optional=("reason", "expired"),
        doc="The suspension was lifted (by staff, or at its end date).",
        audit=True,
    ),
    Verb("invitation.sent", "community.invitation", ("email",), doc="A manager invited someone."),
    Verb(
        "invitation.revoked",
        "community.invitation",
        doc="An invitation was taken back.",
        audit=True,
    ),
    Verb("profile.updated", None, ("fields",), doc="A member's profile changed."),
    Verb("api_token.created", "community.apitoken", doc="An API token was created."),
    Verb(
        "api_token.revoked",
        "community.apitoken",
        ("prefix",),
        optional=("via",),
        doc="An API token was revoked.",
    ),
    # KPIs (community.kpis): goals, and every export (the figures leave the site).
    Verb(
        "goal.set",
        "community.goal",
        ("kpi", "granularity", "before", "after"),
        doc="A manager set or changed a KPI goal (before: the old target, or None).",
    ),
    Verb(
        "goal.removed",
        None,
        ("kpi", "granularity", "before"),
        doc="A manager removed a KPI goal.",
    ),
    Verb(
        "kpis.exported",
        None,
        ("kind", "format", "start", "end", "communities", "rows", "via"),
        optional=("pseudonymised",),
        doc="Someone exported figures (via: api, dashboard or command; kind: report or members).",
    ),
)
