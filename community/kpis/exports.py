"""What the KPI exports contain: the report as a long table, the member-level rows for
the brand's CRM, the manifest that goes with each file, and the ledger entry of each
export. The file formats themselves are ``community.kpis.formats`` (``write``).

**The report table** is long: one row per (scope or community, period, KPI), with the
value as a number, its unit, and the goal and whether it was met where a goal of that
period's granularity exists, so that a spreadsheet's pivot table rebuilds any view.
Periods are the whole range and the previous range of the same length (granularity
``range``), each bucket of the series (the report's granularity), each bucket of a goal
of another granularity, and each retention cohort (``cohort``). A figure has one name
wherever it appears (``members_total`` in the headline, the previous range and the
series alike).

**The member rows** (for the CRM) cover the current active members of the scope's
communities who joined before the range's end and who consent now
(``Profile.share_with_crm``): one row per member and community. ``member`` is the
username or, when pseudonymised, ``pseudonym()``: an HMAC-SHA256 of the member's id
keyed by ``SECRET_KEY`` (or the given key) and the community's id, so that it is
stable from one export to the next of one community (a CRM can follow a member over
time) but two communities' exports cannot be joined on it; pseudonymised rows carry
no email column at all. Rotating ``SECRET_KEY`` changes every pseudonym. The figures:
interactions in the range (total and by kind), the level at the range's end (the last
``level.changed`` entry's ``after`` rank, empty when it never changed), the badges
held at the range's end (awarded and granted minus revoked; badges of the whole site
belong to no community and are not counted), and the day the member joined.

The rows are streamed: five queries whatever the number of members (the members, and
one GROUP BY each for interactions, levels and badges), read in chunks and merged in
the order of (community id, member id), so that memory does not grow with the members.
"""

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils.crypto import salted_hmac

from community import activity
from community.kpis import ledger
from community.kpis.definitions import (
    BADGE_AWARDED,
    BADGE_REVOKED,
    EXPORTED,
    GOALS,
    INTERACTION_VERBS,
    INTERACTIONS,
    VERSION,
)
from community.kpis.formats import CONTENT_TYPES, FORMATS, write  # noqa: F401  (re-exported)
from community.models import Membership

KINDS = ("report", "members")
CHUNK = 2000

REPORT_HEADER = (
    "definitions_version",
    "scope",
    "community",
    "period_start",
    "period_end",
    "granularity",
    "kpi",
    "value",
    "unit",
    "goal",
    "goal_met",
)

# The headline's dotted names that the series, the previous range and the communities
# side by side call by a flat name: one figure, one name.
ALIASES = {
    "members.total": "members_total",
    "members.new": "new_members",
    "members.active": "active_members",
    "interactions.total": "interactions",
    "questions.asked": "questions_asked",
    "questions.first_response_median_seconds": "first_response_median_seconds",
    "questions.first_response_p90_seconds": "first_response_p90_seconds",
    "questions.answered_within_target_share": "answered_within_target_share",
    "questions.solved_share": "solved_share",
}
# The report's blocks of figures, flattened into the headline rows.
HEADLINE = (
    "members",
    "interactions",
    "counted",
    "interaction_rate",
    "people_talking_about_this",
    "posts_per_active_member",
    "participation",
    "questions",
    "ideas",
    "content",
    "moderation",
    "social",
)
RATIOS = {"interaction_rate", "posts_per_active_member"}
MEMBER_COUNTS = {
    "members_total",
    "new_members",
    "active_members",
    "people_talking_about_this",
    "members.left",
    "members.dau",
    "members.wau",
    "members.mau",
    "participation.contributors",
    "retention.joined",
    "retention.active_after_30_days",
}


def unit_of(kpi):
    """The unit of a KPI by its name: seconds, share, ratio, members or count."""
    if kpi in GOALS:
        return GOALS[kpi][1]
    last = kpi.rsplit(".", 1)[-1]
    if last.endswith("_seconds"):
        return "seconds"
    if last.endswith("share") or last == "stickiness":
        return "share"
    if kpi in RATIOS:
        return "ratio"
    if (
        kpi in MEMBER_COUNTS
        or kpi.startswith("social.members_per_level.")
        or kpi.startswith("content.reach.")
    ):
        return "members"
    return "count"


# --- The report as a long table ---------------------------------------------------------


def report_table(report):
    """``(header, rows)``: the report (``community.kpis.report.build``) as a long table."""
    version = report["definitions_version"]
    scope = report["scope"]
    scope_label = "site" if scope["site"] else "+".join(scope["communities"])
    own = "" if scope["site"] or len(scope["communities"]) != 1 else scope["communities"][0]
    span = report["range"]
    granularity = span["granularity"]
    start, end = date.fromisoformat(span["start"]), date.fromisoformat(span["end"])
    days = (end - start).days + 1
    previous = (start - timedelta(days=days), end - timedelta(days=days))

    rows = []

    def add(community, first, last, grain, kpi, value, goal=None, met=None):
        rows.append(
            [
                version,
                scope_label,
                community,
                _iso(first),
                _iso(last),
                grain,
                kpi,
                value,
                unit_of(kpi),
                goal,
                met,
            ]
        )

    for kpi, value in _headline(report):
        add(own, start, end, "range", kpi, value)
    for kpi, value in (report.get("previous") or {}).items():
        add(own, *previous, "range", kpi, value)

    goals = report.get("goals") or []
    judged = {
        (goal["kpi"], period["label"]): (goal["target"], period["met"])
        for goal in goals
        if goal["granularity"] == granularity
        for period in goal["periods"]
    }
    for point in report.get("series") or []:
        for kpi, value in point.items():
            if kpi in ("period", "start", "end"):
                continue
            goal, met = judged.get((kpi, point["period"]), (None, None))
            add(own, point["start"], point["end"], granularity, kpi, value, goal, met)
    for goal in goals:
        if goal["granularity"] == granularity:
            continue  # already beside the series' figures
        for period in goal["periods"]:
            add(
                own,
                period["start"],
                period["end"],
                goal["granularity"],
                goal["kpi"],
                period["value"],
                goal["target"],
                period["met"],
            )
    for cohort in report.get("retention") or []:
        first = date.fromisoformat(cohort["cohort"] + "-01")
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        for key in ("joined", "active_after_30_days", "share"):
            add(own, first, last, "cohort", f"retention.{key}", cohort[key])
    for community in report.get("communities") or []:
        for kpi, value in community.items():
            if kpi not in ("slug", "name") and _is_number(value):
                add(community["slug"], start, end, "range", kpi, value)
    return list(REPORT_HEADER), rows


def _headline(report):
    """``(kpi, value)`` for every number of the report's headline blocks."""
    for block in HEADLINE:
        if block in report:
            yield from _flatten(block, report[block])


def _flatten(name, value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(f"{name}.{key}", inner)
    elif isinstance(value, list):
        if name == "content.reach":
            for item in value:
                yield f"content.reach.{item['object_type']}:{item['id']}", item["viewers"]
    elif value is None or _is_number(value):
        yield ALIASES.get(name, name), value


def _is_number(value):
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


# --- The member-level rows (CRM) ----------------------------------------------------------


def pseudonym(community_id, user_id, key=None):
    """A member's stable identifier in one community's exports (see the module's doc)."""
    return salted_hmac(
        f"community.kpis.crm.{community_id}",
        str(user_id),
        secret=key or settings.SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()[:32]


def consenting_members(scope, period):
    """The memberships a member export covers: active, joined before the range's end,
    of members who share with the CRM and whose account is not deactivated."""
    return Membership.objects.filter(
        community_id__in=scope.ids,
        state=Membership.State.ACTIVE,
        user__is_active=True,
        user__profile__share_with_crm=True,
    ).exclude(joined_at__gte=period.until)


def member_count(scope, period):
    """How many rows ``member_rows`` gives (one query), for a manifest sent ahead."""
    return consenting_members(scope, period).count()


def member_header(pseudonymise):
    return [
        "member",
        *([] if pseudonymise else ["email"]),
        "community",
        "interactions",
        *INTERACTIONS,
        "level",
        "badges",
        "joined_on",
    ]


def member_rows(scope, period, *, pseudonymise, key=None):
    """``(header, rows)``: one row per consenting member and community, streamed (the
    queries run when the rows are first read)."""
    return member_header(pseudonymise), _member_rows(scope, period, pseudonymise, key)


def _member_rows(scope, period, pseudonymise, key):
    slugs = {community.pk: community.slug for community in scope.communities}
    kinds = list(INTERACTIONS)
    none = (0,) * len(kinds)
    tz = period.tz
    hashers = {pk: _hasher(pk, key) for pk in slugs} if pseudonymise else {}
    members = (
        consenting_members(scope, period)
        .order_by("community_id", "user_id")
        .values_list("community_id", "user_id", "user__username", "user__email", "joined_at")
        .iterator(chunk_size=CHUNK)
    )
    interactions = _Merge(_interactions(scope, period))
    levels = _Merge(_levels(scope, period))
    badges = _Merge(_badges(scope, period))
    for community_id, user_id, username, email, joined_at in members:
        pair = (community_id, user_id)
        counts = interactions.take(pair)
        counts = counts[-1][2:] if counts else none
        level = levels.take(pair)
        held = badges.take(pair)
        who = [_pseudonym(hashers[community_id], user_id)] if pseudonymise else [username, email]
        yield [
            *who,
            slugs[community_id],
            sum(counts),
            *counts,
            level[-1][2] if level else None,
            max(0, held[-1][2]) if held else 0,
            joined_at.astimezone(tz).date().isoformat() if joined_at else None,
        ]


def _hasher(community_id, key):
    """An HMAC of the community's key, copied per member: the same digest as
    ``pseudonym()`` without deriving the key again for each row."""
    salt = f"community.kpis.crm.{community_id}"
    derived = hashlib.sha256((salt + (key or settings.SECRET_KEY)).encode()).digest()
    return hmac.new(derived, digestmod=hashlib.sha256)


def _pseudonym(hasher, user_id):
    digest = hasher.copy()
    digest.update(str(user_id).encode())
    return digest.hexdigest()[:32]


def _ledger(scope):
    # Only entries of a community and a member: the merge orders by both, and NULLs sort
    # first on SQLite but last on PostgreSQL.
    return scope.ledger().filter(community_id__in=scope.ids)


def _interactions(scope, period):
    """One row per member and community: the count of each kind of interaction."""
    counts = {kind: Count("id", filter=Q(verb__in=verbs)) for kind, verbs in INTERACTIONS.items()}
    return (
        _ledger(scope)
        .filter(
            verb__in=INTERACTION_VERBS,
            created_at__gte=period.since,
            created_at__lt=period.cutoff,
            actor_id__isnull=False,
        )
        .values("community_id", "actor_id")
        .annotate(**counts)
        .order_by("community_id", "actor_id")
        .values_list("community_id", "actor_id", *counts)
        .iterator(chunk_size=CHUNK)
    )


def _levels(scope, period):
    return (
        ledger.last_levels(scope, period.cutoff)
        .filter(community_id__in=scope.ids)
        .order_by("community_id", "target_user_id")
        .iterator(chunk_size=CHUNK)
    )


def _badges(scope, period):
    return (
        _ledger(scope)
        .filter(
            verb__in=[*BADGE_AWARDED, BADGE_REVOKED],
            created_at__lt=period.cutoff,
            target_user_id__isnull=False,
        )
        .values("community_id", "target_user_id")
        .annotate(
            held=Sum(
                Case(
                    When(verb=BADGE_REVOKED, then=Value(-1)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
        )
        .order_by("community_id", "target_user_id")
        .values_list("community_id", "target_user_id", "held")
        .iterator(chunk_size=CHUNK)
    )


class _Merge:
    """Rows sorted by (community id, member id), taken in that order, one pair at a time."""

    def __init__(self, rows):
        self._rows = iter(rows)
        self._head = next(self._rows, None)

    def take(self, pair):
        """The rows of ``pair``, skipping those of earlier pairs (members not exported)."""
        found = []
        while self._head is not None and (self._head[0], self._head[1]) <= pair:
            if (self._head[0], self._head[1]) == pair:
                found.append(self._head)
            self._head = next(self._rows, None)
        return found


# --- Manifest, file name and ledger entry ----------------------------------------------


def manifest(kind, scope, period, *, rows, generated_at, pseudonymised=None):
    """What travels with every export file: how to read it and what it covers.

    ``rows`` may be None when it is not known yet (a streamed export): each format that
    can says the count written (the JSON's and the XLSX's manifests come last).
    """
    if isinstance(generated_at, datetime):
        generated_at = generated_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    data = {
        "definitions_version": VERSION,
        "kind": kind,
        "range": period.as_dict(),
        "site": scope.site,
        "communities": scope.slugs,
        "generated_at": generated_at,
        "rows": rows,
    }
    if kind == "members":
        data["pseudonymised"] = bool(pseudonymised)
    return data


def filename(kind, scope, period, fmt):
    """``kpis-support-2025-01-01-2025-01-31.csv``, ``members-site-….xlsx``."""
    label = "site" if scope.site else "-".join(scope.slugs) or "none"
    prefix = "members" if kind == "members" else "kpis"
    return f"{prefix}-{label[:80]}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"


def record(user, kind, fmt, scope, period, rows, via, pseudonymised=False):
    """The ``kpis.exported`` ledger entry: figures left the site (``user`` None for the
    command). It belongs to the community when the export covers exactly one."""
    community = scope.communities[0] if not scope.site and len(scope.communities) == 1 else None
    data = {
        "kind": kind,
        "format": fmt,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "communities": scope.slugs,
        "rows": rows,
        "via": via,
    }
    if kind == "members":
        data["pseudonymised"] = bool(pseudonymised)
    with transaction.atomic():
        return activity.record(EXPORTED, actor=user, community=community, **data)
