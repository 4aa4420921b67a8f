"""Interactions and the members who make them: counts by kind, DAU/WAU/MAU, people
talking about it, participation and top contributors (``docs/kpis.md``).

Every distinct count (active members of a bucket, DAU of a day, people talking about it
over any 7 days, MAU) comes from one "day table": the scope's interactions grouped by
member and local day, each (member, day) pair with the member's next active day
(``LEAD``), then counted by (day, next day). A member is active in the days ``[a, b]``
exactly when one of their pairs is in it and their next active day is after ``b``, so
any window of whole days is a sum over that small table, without another query and
without loading the ~million (member, day) pairs into Python.

Days are local (``Period.tz``). PostgreSQL truncates with ``AT TIME ZONE``; on SQLite
Django's ``TruncDate`` calls Python once per row (seconds for a million rows), so the
local date is computed with SQLite's own ``date(created_at, '+N minutes')``, ``N`` being
the zone's offset on each side of every DST change inside the range.
"""

import math
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.db import connection
from django.db.models import Case, CharField, Count, F, Func, Q, Value, When
from django.db.models.functions import TruncDate

from community.kpis import definitions, ledger
from community.models import User

KINDS = tuple(definitions.INTERACTIONS)
POST_KINDS = tuple(
    kind
    for kind, verbs in definitions.INTERACTIONS.items()
    if set(verbs) & set(definitions.POST_VERBS)
)


def last_day(period):
    """The last local day of the range that has begun (today while the range runs on), or
    None when the whole range is still to come."""
    if period.now >= period.until:
        return period.end
    if period.now < period.since:
        return None
    return period.now.astimezone(period.tz).date()


def midnight(day, tz):
    return datetime.combine(day, time(0), tzinfo=tz)


# --- The local day of an entry, in SQL --------------------------------------------------


def _offset_changes(tz, since, until):
    """``[(utc_moment, minutes)]``: the zone's UTC offset from each moment on, over
    ``[since, until)``; the first moment is ``since``."""

    def minutes(moment):
        return int(moment.astimezone(tz).utcoffset().total_seconds() // 60)

    changes = [(since, minutes(since))]
    step, probe = timedelta(hours=12), since
    while probe < until:
        after = min(probe + step, until)
        if minutes(after) != changes[-1][1]:
            low, high = probe, after  # the change happens in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if minutes(middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changes.append((high, minutes(high)))
        probe = after
    return changes


def local_day(tz, since, until):
    """An expression of ``created_at``'s local date, for entries in ``[since, until)``."""
    if connection.vendor != "sqlite":
        return TruncDate("created_at", tzinfo=tz)

    def shifted(offset):
        # Whole seconds: SQLite rounds the fraction to milliseconds, and 23:59:59.9996
        # would land on the next day.
        seconds = Func(F("created_at"), Value(1), Value(19), function="substr")
        return Func(
            seconds,
            Value(f"{offset:+d} minutes"),
            function="date",
            output_field=CharField(),
        )

    changes = _offset_changes(tz, since, until)
    if len(changes) == 1:
        return shifted(changes[0][1])
    whens = [
        When(created_at__lt=moment, then=shifted(offset))
        for (_start, offset), (moment, _next) in pairwise(changes)
    ]
    return Case(*whens, default=shifted(changes[-1][1]), output_field=CharField())


def _as_date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- The day table ----------------------------------------------------------------------


class DayTable:
    """The scope's interactions from the local day ``first`` to ``cutoff``, by day.

    ``interactions(a, b)`` counts entries (deleted accounts' too: they happened);
    ``distinct(a, b)`` counts the members (accounts that still exist) who made at least
    one interaction in the days ``[a, b]``. One query.
    """

    def __init__(self, scope, first, cutoff, tz):
        self.first = first
        self.kinds = defaultdict(Counter)  # day -> kind -> entries
        self.pairs = defaultdict(list)  # day -> [(next active day or None, members)]
        since = midnight(first, tz)
        if since >= cutoff:
            return
        inner = (
            ledger.entries(scope, definitions.INTERACTION_VERBS, since, cutoff)
            .annotate(day=local_day(tz, since, cutoff))
            .values("actor_id", "day")
            .annotate(
                n=Count("id"),
                **{
                    f"k_{kind}": Count("id", filter=Q(verb__in=verbs))
                    for kind, verbs in definitions.INTERACTIONS.items()
                },
            )
        )
        sql, params = inner.query.sql_with_params()
        q = connection.ops.quote_name
        kind_columns = ", ".join(q(f"k_{kind}") for kind in KINDS)
        kind_sums = ", ".join(f"SUM({q(f'k_{kind}')})" for kind in KINDS)
        day, nxt, actor = q("day"), q("nxt"), q("actor_id")
        # Only quoted names and Django's own compiled SQL (with its params) are interpolated.
        query = (
            f"SELECT {day}, {nxt}, anon, COUNT(*), {kind_sums} FROM ("  # noqa: S608
            f"SELECT CASE WHEN {actor} IS NULL THEN 1 ELSE 0 END AS anon, {day}, "
            f"LEAD({day}) OVER (PARTITION BY {actor} ORDER BY {day}) AS {nxt}, "
            f"{kind_columns} FROM ({sql}) pairs) seq GROUP BY {day}, {nxt}, anon"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            for row in cursor.fetchall():
                on, following, anon, members = _as_date(row[0]), _as_date(row[1]), row[2], row[3]
                for kind, count in zip(KINDS, row[4:], strict=True):
                    self.kinds[on][kind] += int(count or 0)
                if not anon:
                    self.pairs[on].append((following, members))

    def _days(self, a, b):
        day = max(a, self.first)
        while day <= b:
            yield day
            day += timedelta(days=1)

    def interactions(self, a, b):
        """``(total, {kind: entries})`` over the days ``[a, b]``."""
        by_kind = Counter(dict.fromkeys(KINDS, 0))
        for day in self._days(a, b):
            by_kind.update(self.kinds.get(day, {}))
        return sum(by_kind.values()), {kind: by_kind[kind] for kind in KINDS}

    def distinct(self, a, b):
        """Members with at least one interaction in the days ``[a, b]``."""
        return sum(
            members
            for day in self._days(a, b)
            for following, members in self.pairs.get(day, ())
            if following is None or following > b
        )


# --- The figures ----------------------------------------------------------------------------


def activity(table, period):
    """The ``members`` figures that come from interactions: active, DAU, WAU, MAU, stickiness."""
    last = last_day(period)
    if last is None:
        return {"active": 0, "dau": None, "wau": 0, "mau": 0, "stickiness": None}
    days = [period.start + timedelta(days=i) for i in range((last - period.start).days + 1)]
    dau = round(sum(table.distinct(day, day) for day in days) / len(days), 2)
    mau = table.distinct(last - timedelta(days=29), last)
    return {
        "active": table.distinct(period.start, last),
        "dau": dau,
        "wau": table.distinct(last - timedelta(days=6), last),
        "mau": mau,
        "stickiness": ledger.share(dau, mau),
    }


def talking(table, last):
    """People talking about this: members with an interaction in the 7 days to ``last``."""
    return table.distinct(last - timedelta(days=6), last) if last is not None else 0


def posts_per_active_member(by_kind, active):
    return ledger.ratio(sum(by_kind[kind] for kind in POST_KINDS), active)


def actor_counts(scope, since, until):
    """``{account id: interactions}`` in ``[since, until)``: one GROUP BY, deleted accounts
    left out (they cannot be ranked nor named)."""
    rows = (
        ledger.entries(scope, definitions.INTERACTION_VERBS, since, until)
        .filter(actor_id__isnull=False)
        .values("actor_id")
        .annotate(n=Count("id"))
        .values_list("actor_id", "n")
    )
    return dict(rows.iterator(chunk_size=10000))


def ranking(counts, members):
    """The scope's people (members at the end, and anyone else who interacted), most
    interactions first, ties by account id: ``[(account id, interactions)]``."""
    people = [(user, counts.get(user, 0)) for user in set(members) | set(counts)]
    people.sort(key=lambda item: (-item[1], item[0]))
    return people


def top_share(population, percent):
    """How many people "the top ``percent`` %" is: rounded up, at least one if any."""
    return math.ceil(population * percent / 100)


def participation(ranked):
    """Participation inequality: the shares of interactions of the top 1 % of people and of
    the next 9 % (by interactions in the period), and of the rest."""
    total = sum(n for _user, n in ranked)
    first, tenth = top_share(len(ranked), 1), top_share(len(ranked), 10)
    top = sum(n for _user, n in ranked[:first])
    next_nine = sum(n for _user, n in ranked[first:tenth])
    return {
        "contributors": sum(1 for _user, n in ranked if n),
        "top_1_percent_share": ledger.share(top, total),
        "next_9_percent_share": ledger.share(next_nine, total),
        "rest_share": ledger.share(total - top - next_nine, total),
    }


def top_contributors(ranked, limit=10):
    """The ``limit`` members with the most interactions (one query for their names)."""
    leaders = [(user, n) for user, n in ranked[:limit] if n]
    names = {
        pk: (username, display_name)
        for pk, username, display_name in User.objects.filter(
            pk__in=[user for user, _n in leaders]
        ).values_list("pk", "username", "profile__display_name")
    }
    return [
        {
            "username": names[user][0],
            "display_name": names[user][1] or names[user][0],
            "interactions": n,
        }
        for user, n in leaders
        if user in names
    ]


def counted(scope, since, until):
    """Joins, content views and code reveals: counted, not interactions (one query)."""
    verbs = [verb for names in definitions.COUNTED.values() for verb in names]
    found = dict(
        ledger.entries(scope, verbs, since, until)
        .values("verb")
        .annotate(n=Count("id"))
        .values_list("verb", "n")
    )
    return {
        name: sum(found.get(verb, 0) for verb in names)
        for name, names in definitions.COUNTED.items()
    }


def window(scope, period, last):
    """``{interactions, active_members, people_talking_about_this}`` of a period that the
    day table does not cover (the previous one), in one aggregate query: the same
    definitions as ``DayTable`` (deleted accounts' entries count as interactions, not as
    people)."""
    if last is None:
        return {"interactions": 0, "active_members": 0, "people_talking_about_this": 0}
    week = midnight(last - timedelta(days=6), period.tz)
    since, cutoff = period.since, period.cutoff
    in_range = Q(created_at__gte=since)
    return ledger.entries(scope, definitions.INTERACTION_VERBS, min(since, week), cutoff).aggregate(
        interactions=Count("id", filter=in_range),
        active_members=Count("actor", filter=in_range, distinct=True),
        people_talking_about_this=Count("actor", filter=Q(created_at__gte=week), distinct=True),
    )


def by_community(scope, period, last):
    """``{community id: {interactions, active_members, people_talking_about_this}}`` of
    each community of the scope (one GROUP BY community)."""
    if last is None:
        return {}
    week = midnight(last - timedelta(days=6), period.tz)
    since, cutoff = period.since, period.cutoff
    in_range = Q(created_at__gte=since)
    rows = (
        ledger.entries(scope, definitions.INTERACTION_VERBS, min(since, week), cutoff)
        .filter(community_id__isnull=False)
        .values("community_id")
        .annotate(
            interactions=Count("id", filter=in_range),
            active_members=Count("actor", filter=in_range, distinct=True),
            people_talking_about_this=Count("actor", filter=Q(created_at__gte=week), distinct=True),
        )
    )
    return {row.pop("community_id"): row for row in rows}
