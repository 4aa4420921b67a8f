"""The report's ideas, content, moderation and social blocks, read from the ledger.

Each function takes a scope and a period and runs a fixed number of queries, counting in
the database; only the few figures that need a walk through time (attendance taken back,
flags linked to their resolution, each member's last level) fetch tuples of ids and
times. Entries after the period's cutoff never change its figures. ``docs/kpis.md``
defines every figure.
"""

from collections import Counter

from django.db.models import Count, F, Q

from community.kpis import definitions as d
from community.kpis import ledger, registry

REACH_TOP = 20  # pages listed in ``content.reach``
PAGE = "contentpage"  # the ledger's object_type of content.viewed entries
_CHUNK = 5000  # ids per IN list (SQLite accepts 32766 parameters)


def _count(verbs, **data):
    """A conditional count of the entries of ``verbs`` whose data has ``data``."""
    verbs = [verbs] if isinstance(verbs, str) else list(verbs)
    return Count("id", filter=Q(verb__in=verbs, **{f"data__{k}": v for k, v in data.items()}))


def _counts(scope, period, verbs, **counts):
    """One aggregate of ``counts`` over the period's entries of ``verbs``."""
    return ledger.entries(scope, verbs, period.since, period.until).aggregate(**counts)


# --- Ideas --------------------------------------------------------------------------------


def ideas(scope, period):
    """Ideas submitted, votes cast, status changes and ideas shipped in the period (one query).

    A status change is an ``idea.status_changed`` entry whose status differs from the one
    before (a note alone changes nothing); shipped ones are those that moved to
    ``definitions.IDEA_SHIPPED``. Withdrawn votes take nothing back.
    """
    changed = Q(verb=d.IDEA_STATUS_CHANGED) & ~Q(data__after=F("data__before"))
    return _counts(
        scope,
        period,
        (d.QUESTION_ASKED, d.IDEA_VOTED, d.IDEA_STATUS_CHANGED),
        submitted=_count(d.QUESTION_ASKED, kind=d.IDEA_KIND),
        votes=_count(d.IDEA_VOTED),
        status_changes=Count("id", filter=changed),
        shipped=Count("id", filter=changed & Q(data__after=d.IDEA_SHIPPED)),
    )


# --- Content ------------------------------------------------------------------------------


def content(scope, period):
    """Views, the reach of the most read pages, code reveals, registrations (four queries)."""
    figures = _counts(
        scope,
        period,
        (d.CONTENT_VIEWED, d.CODE_REVEALED, d.EVENT_REGISTERED, d.EVENT_CANCELLED),
        views=_count(d.CONTENT_VIEWED),
        code_reveals=_count(d.CODE_REVEALED),
        registered=_count(d.EVENT_REGISTERED),
        cancelled=_count(d.EVENT_CANCELLED),
    )
    return {
        "views": figures["views"],
        "reach": _reach(scope, period),
        "code_reveals": figures["code_reveals"],
        "rsvps": {
            "registered": figures["registered"],
            "cancelled": figures["cancelled"],
            "attended": _attended(scope, period),
        },
    }


def _reach(scope, period):
    """The ``REACH_TOP`` pages with the most distinct viewers, most first (then by id)."""
    rows = list(
        ledger.entries(scope, d.CONTENT_VIEWED, period.since, period.until)
        .filter(object_type=PAGE, object_id__isnull=False)
        .values("object_id")
        .annotate(viewers=Count("actor_id", distinct=True))
        .order_by("-viewers", "object_id")[:REACH_TOP]
    )
    names = registry.labels(PAGE, [row["object_id"] for row in rows])
    return [
        {
            "object_type": PAGE,
            "id": row["object_id"],
            "label": names[row["object_id"]],
            "viewers": row["viewers"],
        }
        for row in rows
    ]


def _attended(scope, period):
    """(Event, member) pairs marked present in the period and not taken back by the cutoff."""
    marks = (
        ledger.entries(
            scope, (d.EVENT_ATTENDED, d.EVENT_ATTENDANCE_CLEARED), period.since, period.cutoff
        )
        .values_list("object_id", "target_user_id", "verb")
        .order_by("created_at", "id")
    )
    last = {}
    for event, member, verb in marks:
        last[event, member] = verb
    return sum(1 for verb in last.values() if verb == d.EVENT_ATTENDED)


# --- Moderation ---------------------------------------------------------------------------


def moderation(scope, period):
    """Flags, flags resolved, the median time to resolve them, hidden posts (three queries).

    The ledger does not say which flags a decision resolved (``flag.created`` names the
    flag and its thread and post, ``queue.approved/rejected`` the review item), so the
    time to resolve is measured per flagged member: from the earliest flag against the
    member in the community not yet followed by a decision on flags against them there,
    to that decision. With one flagged item per member at a time (the usual case) that is
    exactly "from the item's first flag to its resolution".
    """
    counts = _counts(
        scope,
        period,
        (d.FLAG_CREATED, d.POST_HIDDEN),
        flags=_count(d.FLAG_CREATED),
        hidden_posts=_count(d.POST_HIDDEN),
    )
    decisions = list(
        ledger.entries(scope, d.FLAG_RESOLVED, period.since, period.until)
        .filter(data__kind=d.FLAGGED)
        .values_list("id", "community_id", "target_user_id")
    )
    return {
        "flags": counts["flags"],
        "flags_resolved": len(decisions),
        "resolve_median_seconds": ledger.median(_resolve_times(scope, period, decisions)),
        "hidden_posts": counts["hidden_posts"],
    }


def _resolve_times(scope, period, decisions):
    in_period = {pk for pk, _community, _member in decisions}
    members = sorted({member for _pk, _community, member in decisions if member is not None})
    history = []
    for start in range(0, len(members), _CHUNK):
        history += (
            scope.ledger()
            .filter(
                Q(verb=d.FLAG_CREATED) | Q(verb__in=d.FLAG_RESOLVED, data__kind=d.FLAGGED),
                target_user_id__in=members[start : start + _CHUNK],
                created_at__lt=period.until,
            )
            .values_list("id", "verb", "community_id", "target_user_id", "created_at")
            .order_by("created_at", "id")
        )
    open_since, times = {}, []
    for pk, verb, community, member, at in history:
        key = (community, member)
        if verb == d.FLAG_CREATED:
            open_since.setdefault(key, at)
            continue
        opened = open_since.pop(key, None)
        if pk in in_period and opened is not None:
            times.append((at - opened).total_seconds())
    return times


# --- Social value -------------------------------------------------------------------------


def social(scope, period):
    """Badges awarded, endorsements, members per level (two queries).

    Members per level: each member's last ``level.changed`` entry in a community before
    the cutoff gives their rank there (``after``); members who never changed level (still
    at the first, rank 0) have no entry and are not listed, nor are deleted accounts.
    """
    counts = _counts(
        scope,
        period,
        (*d.BADGE_AWARDED, d.ENDORSED),
        badges_awarded=_count(d.BADGE_AWARDED),
        endorsements=_count(d.ENDORSED),
    )
    return {**counts, "members_per_level": _levels(scope, period)}


def _levels(scope, period):
    per_rank = Counter(rank for _c, _u, rank in ledger.last_levels(scope, period.cutoff))
    return {str(rank): per_rank[rank] for rank in sorted(per_rank, key=_rank_order)}


def _rank_order(rank):
    return (not isinstance(rank, int), rank if isinstance(rank, int) else str(rank))
