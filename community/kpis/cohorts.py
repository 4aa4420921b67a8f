"""Retention cohorts and the engaged members' profile (``docs/kpis.md``).

Split from ``engagement`` by topic: both read who the members are (joins, levels, profile
fields) rather than how much they interact.
"""

from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import (
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Value,
)
from django.utils.translation import gettext as _

from community.kpis import definitions, ledger
from community.kpis.engagement import midnight, top_share
from community.models import Activity, ProfileField, ProfileFieldValue

# Retention: a member is retained if they interact between 30 and 60 days after they
# joined (the 30 days that follow their first 30).
RETAINED_FROM, RETAINED_UNTIL = 30, 60
# Engaged profile: the top 10 % of people by interactions; cells of fewer people are
# suppressed so that no small group can be singled out.
ENGAGED_PERCENT = 10
SUPPRESS_BELOW = 5


def _months(start, end):
    """The first day of every calendar month from ``start``'s to ``end``'s."""
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _next_month(month):
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def retention(scope, period):
    """``[{cohort, joined, active_after_30_days, share, complete}]`` for every calendar
    month the range touches (one query).

    A cohort is the memberships (community, account) whose join or approval entry falls in
    the month; a member is retained if they interacted in that community between 30 and 60
    days after the moment they joined. A cohort is ``complete`` once the last of those
    windows has ended; before that its figures are "so far".

    Each join asks the ledger whether such an interaction exists (an ``EXISTS`` on the
    member's own entries, through the index on ``actor``): no interaction is loaded.
    """
    tz, now = period.tz, period.now
    months = list(_months(period.start, period.end))
    first, after = months[0], _next_month(months[-1])
    window = {
        "actor_id": OuterRef("target_user_id"),
        "community_id": OuterRef("community_id"),
        "verb__in": definitions.INTERACTION_VERBS,
        "created_at__gte": _shifted(RETAINED_FROM),
        "created_at__lt": _shifted(RETAINED_UNTIL),
    }
    joins = (
        scope.ledger()
        .filter(
            verb__in=definitions.COUNTED["joins"],
            target_user_id__isnull=False,
            created_at__gte=midnight(first, tz),
            created_at__lt=min(midnight(after, tz), now),
        )
        .annotate(retained=Exists(Activity.objects.filter(**window)))
        .values_list("created_at", "retained")
    )
    cohorts = {month: [0, 0] for month in months}
    for at, retained in joins.iterator(chunk_size=10000):
        cohort = cohorts[at.astimezone(tz).date().replace(day=1)]
        cohort[0] += 1
        cohort[1] += bool(retained)
    return [
        {
            "cohort": month.strftime("%Y-%m"),
            "joined": joined_count,
            "active_after_30_days": retained,
            "share": ledger.share(retained, joined_count),
            "complete": midnight(_next_month(month), tz) + timedelta(days=RETAINED_UNTIL) <= now,
        }
        for month, (joined_count, retained) in cohorts.items()
    ]


def _shifted(days):
    """The joining moment (of the outer query's entry) plus ``days``."""
    return ExpressionWrapper(
        OuterRef("created_at") + Value(timedelta(days=days), output_field=DurationField()),
        output_field=DateTimeField(),
    )


def _cell(count):
    return count if count >= SUPPRESS_BELOW else None


def _rows(top, everyone):
    """The value rows of one characteristic: counts among the engaged and among all
    members; a value held by fewer than 5 members is left out, a cell under 5 is None."""
    return [
        {"value": value, "top": _cell(top.get(value, 0)), "all": count}
        for value, count in sorted(everyone.items(), key=lambda item: (-item[1], str(item[0])))
        if count >= SUPPRESS_BELOW
    ]


def engaged(ranked):
    """The most engaged people: the top 10 % of the ranking who made an interaction."""
    return {user for user, n in ranked[: top_share(len(ranked), ENGAGED_PERCENT)] if n}


def engaged_profile(scope, period, timeline, top):
    """How the most engaged members (``top``, account ids) differ from all the members at the
    end of the range: their levels, and each profile field the brand asks (three queries).

    Levels count memberships (a member of two communities of the scope has a level in
    each): the ``after`` rank of the last ``level.changed`` entry of that member in that
    community, up to the cutoff. Members who never changed level are not in its rows.
    """
    members = timeline.people
    levels_top, levels_all = Counter(), Counter()
    for community, user, rank in ledger.last_levels(scope, period.cutoff).iterator(chunk_size=2000):
        if (community, user) in timeline.pairs:
            level = str(rank)
            levels_all[level] += 1
            if user in top:
                levels_top[level] += 1
    fields = [{"key": "level", "label": _("Level"), "rows": _rows(levels_top, levels_all)}]
    values = defaultdict(lambda: (Counter(), Counter()))  # field -> (top, all)
    # Only the questions whose answers show on members' profiles: a private answer is its
    # member's and the staff's alone (permissions.can_see_profile_field).
    public = ProfileFieldValue.objects.filter(field__is_public=True).exclude(value="")
    for user, field, value in public.values_list("profile_id", "field_id", "value"):
        if user in members:
            top_counts, all_counts = values[field]
            all_counts[value] += 1
            if user in top:
                top_counts[value] += 1
    for field in ProfileField.objects.filter(is_public=True).order_by("position", "pk"):
        top_counts, all_counts = values.get(field.pk, (Counter(), Counter()))
        fields.append(
            {"key": field.key, "label": field.label, "rows": _rows(top_counts, all_counts)}
        )
    return {
        "top_members": len(top & members),
        "all_members": len(members),
        "fields": fields,
    }
