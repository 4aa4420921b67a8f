"""Who is an expert in a community: a registry that apps above ``community`` fill.

Community-level code (customer care's routing, responder rules) asks two
questions and knows nothing of how they are answered:

- ``experts(community)``: the ids of members who count as experts there;
- ``is_expert(community, user_id)``: the same question for one member;
- ``rank(community, user_ids)``: ``{user id: level rank}`` for those members (0 for
  none), used to order experts and to tell whether a member reaches a level.

``badges`` answers them from its levels and badges (``badges/expertise.py``,
registered from its ``AppConfig.ready()``). With no provider registered nobody
is an expert and every rank is 0, so the code asking still works.
"""

from dataclasses import dataclass
from typing import Protocol


class Provider(Protocol):
    def experts(self, community) -> set[int]: ...

    def rank(self, community, user_ids) -> dict[int, int]: ...

    def is_expert(self, community, user_id) -> bool: ...


@dataclass(frozen=True)
class _Nobody:
    def experts(self, community):
        return set()

    def rank(self, community, user_ids):
        return dict.fromkeys(user_ids, 0)

    def is_expert(self, community, user_id):
        return False


_provider: Provider = _Nobody()


def register(provider):
    """Install the provider (one per site; the last registered wins)."""
    global _provider
    _provider = provider


def experts(community):
    """The ids of the community's experts."""
    return set(_provider.experts(community))


def rank(community, user_ids):
    """``{user id: level rank}`` in the community, one entry per id asked."""
    ids = list(dict.fromkeys(user_ids))
    ranks = _provider.rank(community, ids) if ids else {}
    return {pk: ranks.get(pk, 0) for pk in ids}


def is_expert(community, user_id):
    """Whether one member is an expert there (cheaper than ``experts`` for one person)."""
    return bool(_provider.is_expert(community, user_id))


# The community pages show experts a toggle: who is one is kept a minute for them, so
# that everyone else's pages ask nothing (a new expert sees the toggle within a minute;
# the permission to opt in, and routing, ask afresh).
CACHE_SECONDS = 60


def cached_experts(community):
    """``experts(community)``, as it was at most a minute ago."""
    from django.core.cache import cache

    key = f"expertise:experts:v1:{community.pk}"
    known = cache.get(key)
    if known is None:
        known = experts(community)
        cache.set(key, known, CACHE_SECONDS)
    return known
