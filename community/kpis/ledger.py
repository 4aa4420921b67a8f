"""Small shared pieces of the KPI computations: slices of the ledger and statistics."""

import math
import statistics


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
