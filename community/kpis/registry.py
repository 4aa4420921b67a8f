"""What the KPIs need to know that the ledger does not say, provided by the apps that know.

- **Response targets.** A support community's first-response target and its business
  hours belong to customer care (``forums.moderation.care``), which registers a
  provider: ``register_response_targets(func)``, ``func(community_ids)`` returning
  ``{community_id: ResponseTarget}``. A community no provider answers for has the
  default target (``DEFAULT_TARGET_MINUTES``, counted on the wall clock).
- **Labels.** The ledger keeps an object's type and id; a report that lists objects
  (the reach of each page) names them through ``register_labels(object_type, func)``,
  ``func(ids)`` returning ``{id: label}``. An object nobody labels keeps its id.

Providers are called once per report with every id at once (one query each).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

DEFAULT_TARGET_MINUTES = 15


def _wall_clock(start, end):
    return max(0.0, (end - start).total_seconds())


@dataclass(frozen=True)
class ResponseTarget:
    """A community's first-response target: ``minutes`` of open time, and
    ``open_seconds(start, end)``, the open (business-hours) seconds between two
    moments (the wall clock when the community keeps no hours)."""

    minutes: int = DEFAULT_TARGET_MINUTES
    open_seconds: Callable = field(default=_wall_clock, compare=False)
    always_open: bool = True

    @property
    def seconds(self):
        return self.minutes * 60


DEFAULT_TARGET = ResponseTarget()

_target_providers: list[Callable] = []
_labellers: dict[str, Callable] = {}


def register_response_targets(func):
    """Add a provider of response targets (call from AppConfig.ready()); later ones win."""
    if func not in _target_providers:
        _target_providers.append(func)
    return func


def response_targets(community_ids):
    """``{community_id: ResponseTarget}`` for every id, the default where nobody answers."""
    ids = list(community_ids)
    found = {}
    for provider in _target_providers:
        found.update(provider(ids) or {})
    return {pk: found.get(pk, DEFAULT_TARGET) for pk in ids}


def register_labels(object_type, func):
    """Name the objects of ``object_type`` (the ledger's ``object_type``, a model name)."""
    _labellers[object_type] = func
    return func


def labels(object_type, ids):
    """``{id: label}`` for ``ids``: the registered labeller's, else the id as text."""
    ids = list(ids)
    labeller = _labellers.get(object_type)
    named = labeller(ids) if labeller is not None and ids else {}
    return {pk: named.get(pk) or f"#{pk}" for pk in ids}
