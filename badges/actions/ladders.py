"""A community's levels: the names and thresholds its managers set."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from badges import levels, reputation
from badges.models import Level
from community import activity, permissions
from community.models import Community
from community.validators import is_invisible

NAME_MAX_LENGTH = 40
# Far above any reachable total, far below the column's limit.
THRESHOLD_MAX = 1_000_000_000


def set_levels(actor, community, steps):
    """Replace the community's ladder with ``steps``, ``(name, threshold)`` pairs in rank
    order (managers). The first is where everyone starts (threshold 0); each next one
    needs strictly more points; 2 to ``levels.MAX_LEVELS`` steps, each named, names
    unique. Members' ranks are recomputed at once, without notifying them."""
    permissions.check_manage_badges(actor, community)
    steps = validate_steps(steps)
    with transaction.atomic():
        # One ladder change at a time per community: the rows are replaced whole.
        Community.objects.select_for_update().filter(pk=community.pk).first()
        before = [[step.name, step.threshold] for step in _current(community)]
        Level.objects.filter(community=community).delete()
        rows = Level.objects.bulk_create(
            [
                Level(community=community, rank=rank, name=name, threshold=threshold)
                for rank, (name, threshold) in enumerate(steps)
            ]
        )
        activity.record(
            "levels.updated",
            actor=actor,
            community=community,
            obj=community,
            before=before,
            after=[[name, threshold] for name, threshold in steps],
        )
        levels.forget(community.pk)
        # Reads the new rows in this transaction (not the cached ladder, dropped on commit).
        reputation.recompute_ranks(community)
    return rows


def _current(community):
    """The ladder as stored now (not as cached), the default one if none is."""
    rows = list(Level.objects.filter(community=community).order_by("rank"))
    return rows or levels.default_ladder()


def validate_steps(steps):
    """``steps`` as ``[(name, threshold), ...]`` (pairs or ``{name, threshold}`` objects),
    names stripped; raise a ValidationError on ``levels`` listing what is wrong."""
    errors = []
    if not isinstance(steps, (list, tuple)):
        steps = []
    if not 2 <= len(steps) <= levels.MAX_LEVELS:
        errors.append(
            ValidationError(
                _("Give between 2 and %(max)d levels.") % {"max": levels.MAX_LEVELS},
                code="level_count",
            )
        )
    cleaned, seen, previous = [], set(), None
    for number, step in enumerate(steps, start=1):
        name, threshold = _pair(step)
        name = name.strip() if isinstance(name, str) else ""
        errors.extend(_name_errors(number, name, seen))
        seen.add(name.casefold())
        problem = _threshold_error(number, name, threshold, previous)
        if problem is not None:
            errors.append(problem)
        if isinstance(threshold, int) and not isinstance(threshold, bool):
            previous = threshold if previous is None else max(previous, threshold)
        cleaned.append((name, threshold))
    if errors:
        raise ValidationError({"levels": errors})
    return cleaned


def _pair(step):
    if isinstance(step, dict):
        return step.get("name"), step.get("threshold")
    if isinstance(step, (list, tuple)) and len(step) == 2:
        return tuple(step)
    return None, None


def _name_errors(number, name, seen):
    if not name:
        yield ValidationError(
            _("Level %(number)d needs a name.") % {"number": number}, code="level_name"
        )
    elif len(name) > NAME_MAX_LENGTH:
        yield ValidationError(
            _("Level %(number)d: a name of at most %(max)d characters.")
            % {"number": number, "max": NAME_MAX_LENGTH},
            code="level_name",
        )
    elif any(is_invisible(c) for c in name):
        yield ValidationError(
            _("Level %(number)d: remove the control or invisible characters from its name.")
            % {"number": number},
            code="level_name",
        )
    elif name.casefold() in seen:
        yield ValidationError(
            _("Two levels are named “%(name)s”: give each its own name.") % {"name": name},
            code="duplicate_level_name",
        )


def _threshold_error(number, name, threshold, previous):
    """What is wrong with the points needed for level ``number``, or None."""
    params = {"number": number, "name": name, "previous": previous}
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        return ValidationError(
            _("Level %(number)d: the points needed are a whole number.") % params,
            code="invalid_threshold",
        )
    if number == 1:
        if threshold != 0:
            return ValidationError(
                _("The first level is where everyone starts: it needs 0 points."),
                code="first_threshold",
            )
        return None
    if threshold <= 0:
        return ValidationError(
            _("Level %(number)d (“%(name)s”) must need more than 0 points.") % params,
            code="threshold_not_positive",
        )
    if threshold > THRESHOLD_MAX:
        return ValidationError(
            _("Level %(number)d (“%(name)s”): at most %(max)d points.")
            % {**params, "max": THRESHOLD_MAX},
            code="threshold_too_large",
        )
    if previous is not None and threshold <= previous:
        return ValidationError(
            _(
                "Level %(number)d (“%(name)s”) must need more points than the levels "
                "before it (%(previous)d): thresholds go up, level after level."
            )
            % params,
            code="thresholds_out_of_order",
        )
    return None
