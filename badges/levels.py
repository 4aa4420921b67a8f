"""Levels per community: a ladder of names and thresholds, and where points stand on it.

A community without its own ladder climbs the default one (Newcomer, Regular,
Contributor, Expert, Guru); its managers can rename the steps and move the
thresholds (``badges.actions.set_levels``). Ladders change rarely and are read on
every thread page, so they are cached per community and dropped when they change.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from badges.models import Level

# The default ladder: points needed for each step, in rank order.
DEFAULTS = (
    (_("Newcomer"), 0),
    (_("Regular"), 10),
    (_("Contributor"), 50),
    (_("Expert"), 200),
    (_("Guru"), 1000),
)
MAX_LEVELS = 10
CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Step:
    rank: int
    name: str
    threshold: int


def _cache_key(community_id):
    return f"badges:ladder:v1:{community_id}"


def default_ladder():
    return [Step(rank, str(name), threshold) for rank, (name, threshold) in enumerate(DEFAULTS)]


def is_default(community):
    return not Level.objects.filter(community=community).exists()


def ladders(community_ids):
    """``{community_id: [Step, ...]}`` in rank order: one query for those not cached.

    Cached as (name, threshold) pairs; a default ladder is cached as None, so that its
    names are translated into the reader's language, not the first reader's.
    """
    ids = list(dict.fromkeys(community_ids))
    cached = cache.get_many([_cache_key(pk) for pk in ids])
    found = {pk: cached[_cache_key(pk)] for pk in ids if _cache_key(pk) in cached}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        rows = {pk: [] for pk in missing}
        for level in Level.objects.filter(community_id__in=missing).order_by("rank"):
            rows[level.community_id].append((level.name, level.threshold))
        fresh = {pk: (steps or None) for pk, steps in rows.items()}
        cache.set_many({_cache_key(pk): steps for pk, steps in fresh.items()}, CACHE_SECONDS)
        found.update(fresh)
    return {
        pk: (
            default_ladder()
            if found[pk] is None
            else [Step(rank, name, threshold) for rank, (name, threshold) in enumerate(found[pk])]
        )
        for pk in ids
    }


def ladder(community):
    return ladders([community.pk])[community.pk]


def forget(community_id):
    """Drop a community's cached ladder once the change commits."""
    transaction.on_commit(lambda: cache.delete(_cache_key(community_id)))


def rank_for(points, steps):
    """The rank reached with ``points``: the highest step whose threshold it meets."""
    rank = 0
    for step in steps:
        if points >= step.threshold:
            rank = step.rank
    return rank


def standing(points, steps):
    """The contract's level object: ``{name, rank, points, next: {name, points_needed} | None}``."""
    rank = rank_for(points, steps)
    following = steps[rank + 1] if rank + 1 < len(steps) else None
    return {
        "name": steps[rank].name,
        "rank": rank,
        "points": points,
        "next": (
            None
            if following is None
            else {"name": following.name, "points_needed": following.threshold - points}
        ),
    }
