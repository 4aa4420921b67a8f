"""Small shared pieces of the KPI computations: slices of the ledger and statistics."""

import math
import statistics

from django.db.models import Max

from community.kpis.definitions import LEVEL_CHANGED
from community.models import Activity


def entries(scope, verbs, since, until):
    """The scope's entries of ``verbs`` (a name or names) in ``[since, until)``."""
    verbs = [verbs] if isinstance(verbs, str) else list(verbs)
    return scope.ledger().filter(verb__in=verbs, created_at__gte=since, created_at__lt=until)


def share(part, whole, digits=4):
    """``part / whole`` rounded, or None when there is no whole (never a division by zero)."""
    return round(part / whole, digits) if whole else None


def ratio(part, whole, digits=4):
    return share(part, whole, digits)


def median(values):
    """The middle value (the mean of the two middle ones for an even count), or None."""
    return float(statistics.median(values)) if values else None


def percentile(values, q):
    """Nearest rank: the smallest value with at least ``q`` % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def last_levels(scope, cutoff):
    """Each member's level in each community of the scope at ``cutoff``: the ``after`` rank
    of their last ``level.changed`` entry before it (the greatest id: entries are numbered
    as they are written), as ``(community_id, user_id, rank)``. Members whose account was
    deleted are left out; so are members who never changed level."""
    last = (
        scope.ledger()
        .filter(verb=LEVEL_CHANGED, created_at__lt=cutoff, target_user_id__isnull=False)
        .values("community_id", "target_user_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    return Activity.objects.filter(id__in=last).values_list(
        "community_id", "target_user_id", "data__after"
    )
