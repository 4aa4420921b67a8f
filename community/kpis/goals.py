"""Goals against the figures: each period of a goal's granularity, met or not, and the trend.

A goal is judged bucket by bucket: "interaction rate 0.8 per month" compares each
month's interaction rate (a series point of monthly buckets, cut to the range) with 0.8.
Only the buckets the goal applies to count (from ``starts_on``, until ``ends_on``).
"""

from django.db.models import Q

from community.kpis.definitions import GOALS
from community.kpis.models import Goal


def for_scope(scope, period):
    """The goals of the scope that apply at some point of the range (one query): a single
    community's, or the site's (no community) for the site. A manager's scope of several
    communities has none: each goal belongs to one community."""
    if scope.site:
        goals = Goal.objects.filter(community__isnull=True)
    elif len(scope.communities) == 1:
        goals = Goal.objects.filter(community_id=scope.communities[0].pk)
    else:
        return []
    return list(
        goals.filter(starts_on__lte=period.end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))
        .order_by("kpi", "granularity")
    )


def met(value, target, direction):
    """True when ``value`` reaches ``target`` ("higher": at or above; "lower": at or
    below); None when there is no value to judge."""
    if value is None:
        return None
    return value >= target if direction == "higher" else value <= target


def trend(previous, latest):
    """ "up", "down" or "flat" from one bucket's value to the next; None without both."""
    if previous is None or latest is None:
        return None
    if latest > previous:
        return "up"
    if latest < previous:
        return "down"
    return "flat"


def evaluate(goals, series_for, last_day):
    """The ``goals`` block: ``series_for(granularity)`` gives the series points of that
    granularity (computed once per granularity by the report). Buckets that have not begun
    by ``last_day`` (the last day of the range that has begun) are not judged."""
    begun = last_day.isoformat() if last_day is not None else ""
    result = []
    for goal in goals:
        label, unit, direction = GOALS[goal.kpi]
        periods = [
            {
                "label": point["period"],
                "start": point["start"],
                "end": point["end"],
                "value": point[goal.kpi],
                "met": met(point[goal.kpi], goal.target, direction),
            }
            for point in series_for(goal.granularity)
            if point["start"] <= begun
            and point["end"] >= goal.starts_on.isoformat()
            and (goal.ends_on is None or point["start"] <= goal.ends_on.isoformat())
        ]
        latest = periods[-1] if periods else None
        result.append(
            {
                "kpi": goal.kpi,
                "label": str(label),
                "granularity": goal.granularity,
                "target": goal.target,
                "direction": direction,
                "unit": unit,
                "periods": periods,
                "latest": (
                    {"label": latest["label"], "value": latest["value"], "met": latest["met"]}
                    if latest
                    else None
                ),
                "trend": trend(periods[-2]["value"], latest["value"]) if len(periods) > 1 else None,
            }
        )
    return result
