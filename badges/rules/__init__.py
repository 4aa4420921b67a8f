"""The rule templates badges are made from: who qualifies, and since when.

A manager makes a badge from a template with thresholds of their own (``params``)
and a scope (one community, or the whole site). Each template's ``query`` is one
set-based SQL statement, built with the ORM, that returns rows
``{"user_id", "achieved_at"}``: the members who qualify and the real moment they
first did (the 10th accepted answer's acceptance, the 7th day of the streak), never
the moment it was computed. A member may appear on several rows (one per post that
qualifies, say): the earliest is the achievement, and ``badges.awarding`` always
takes the minimum per member.

Conventions every template keeps, so that callers can rely on them:

- deleted posts (``deleted_at`` set) never count, nor do posts of deleted accounts;
- reactions, accepted answers and edits count only when they come from someone else
  (reactions, acceptances) or from the author (edits of one's own posts);
- a community-scoped badge reads only that community's activity; a site-wide badge
  reads all of it;
- every window function is partitioned by the member (or by something of one
  member: a post, a community of theirs), so narrowing the rows to some members
  leaves each member's answer unchanged: that is what makes incremental evaluation
  after one event cheap. Narrow with ``user_ids`` (read through the indexes);
  ``.filter(user_id__in=...)`` on the result gives the same rows but may read more
  (see ``badges.rules.sql.Scanned``);
- dates are compared in UTC (calendar days of a streak, the hours of the night).

``verbs`` lists the activity verbs after which a member may newly qualify:
``badges.awarding`` evaluates the template's badges for the members of such an entry.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext_lazy as _

from badges.levels import MAX_LEVELS
from badges.rules import queries

POST_VERBS = ("thread.created", "post.created")


@dataclass(frozen=True)
class Param:
    """One setting of a template. ``kind`` "int" (at least ``minimum``, at most
    ``maximum`` when set) or "slug" (optional text: empty means "any")."""

    key: str
    label: object
    default: int | str
    minimum: int = 1
    maximum: int | None = None
    kind: str = "int"


@dataclass(frozen=True)
class Rule:
    """A template. ``query(params, community, user_ids=None)`` returns a queryset of
    ``{"user_id", "achieved_at"}`` rows (``params`` already validated)."""

    key: str
    label: object
    description: object
    params: tuple[Param, ...]
    query: Callable
    verbs: tuple[str, ...]
    kind: str = "badge"  # "badge" or "trait": the default kind of badges made from it
    scopes: tuple = ("community", "site")
    # What a badge made from it asks, with its parameters: "%(n)s accepted answers".
    summary: object = ""


_rules: dict[str, Rule] = {}


def register(rule):
    """Add a template (an app may add its own from its ``ready()``)."""
    known = _rules.get(rule.key)
    if known is not None and known != rule:
        raise ValueError(f"Badge rule {rule.key!r} is already registered differently.")
    _rules[rule.key] = rule
    return rule


def get(key):
    """The template named ``key``; KeyError if there is none."""
    return _rules[key]


def all():
    return list(_rules.values())


def for_verb(verb):
    """The keys of the templates after whose ``verb`` a member may newly qualify."""
    return [rule.key for rule in _rules.values() if verb in rule.verbs]


def verbs():
    """Every verb some template listens to."""
    return sorted({verb for rule in _rules.values() for verb in rule.verbs})


def validate_params(rule, params):
    """Return ``params`` complete with defaults, or raise ValidationError.

    Refuses keys the template does not have, numbers that are not integers (a
    string of digits, as a form sends it, is read as one), values below the
    minimum (so a threshold of 0 or below) or above the maximum, and slugs that
    are not slugs.
    """
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValidationError({"params": _("Rule settings must be an object.")}, code="invalid")
    known = {param.key: param for param in rule.params}
    errors = []
    unknown = sorted(set(params) - set(known))
    if unknown:
        errors.append(
            ValidationError(
                _("Unknown settings for this rule: %(keys)s.") % {"keys": ", ".join(unknown)},
                code="unknown_param",
            )
        )
    cleaned = {}
    for key, param in known.items():
        value = params.get(key, param.default)
        try:
            cleaned[key] = _clean(param, value)
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError({"params": errors})
    return cleaned


def _clean(param, value):
    if param.kind == "slug":
        value = "" if value is None else value
        if not isinstance(value, str):
            raise ValidationError(
                _("%(label)s: expected a short name.") % {"label": param.label}, code="invalid"
            )
        value = value.strip()
        if value:
            try:
                validate_slug(value)
            except ValidationError:
                raise ValidationError(
                    _("%(label)s: use letters, digits, hyphens and underscores.")
                    % {"label": param.label},
                    code="invalid",
                ) from None
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            _("%(label)s: expected a whole number.") % {"label": param.label}, code="invalid"
        )
    if value < param.minimum:
        raise ValidationError(
            _("%(label)s: at least %(minimum)s.")
            % {"label": param.label, "minimum": param.minimum},
            code="too_small",
        )
    if param.maximum is not None and value > param.maximum:
        raise ValidationError(
            _("%(label)s: at most %(maximum)s.") % {"label": param.label, "maximum": param.maximum},
            code="too_large",
        )
    return value


def describe(rule, params):
    """What a badge made from ``rule`` asks, in words ("10 accepted answers")."""
    text = str(rule.summary or rule.label)
    try:
        return text % validate_params(rule, params)
    except (ValidationError, KeyError, TypeError, ValueError):
        return str(rule.label)


def _n(label, default):
    return (Param("n", label, default),)


for _rule in (
    Rule(
        "first_post",
        _("First post"),
        _("Their first post (a thread or a reply)."),
        (),
        queries.first_post,
        POST_VERBS,
        summary=_("A first post"),
    ),
    Rule(
        "first_accepted_answer",
        _("First accepted answer"),
        _("Their first answer accepted by the person who asked."),
        (),
        queries.first_accepted_answer,
        ("answer.accepted",),
        summary=_("A first accepted answer"),
    ),
    Rule(
        "accepted_answers",
        _("Accepted answers"),
        _("Answers accepted by the person who asked (1: the first accepted answer)."),
        _n(_("Accepted answers"), 1),
        queries.accepted_answers,
        ("answer.accepted",),
        summary=_("%(n)s accepted answer(s)"),
    ),
    Rule(
        "idea_planned",
        _("Idea planned"),
        _("An idea of theirs moved to planned (or further)."),
        (),
        queries.idea_planned,
        ("idea.status_changed",),
        summary=_("An idea planned"),
    ),
    Rule(
        "post_reactions",
        _("Popular post"),
        _("A post that received this many reactions from others."),
        _n(_("Reactions on one post"), 10),
        queries.post_reactions,
        ("reaction.added",),
        summary=_("A post with %(n)s reactions"),
    ),
    Rule(
        "newcomer_first_replies",
        _("Welcomer"),
        _("First to reply to newcomers' questions (their first thread in the community)."),
        _n(_("First replies to newcomers"), 5),
        queries.newcomer_first_replies,
        ("post.created",),
        summary=_("%(n)s first replies to newcomers"),
    ),
    Rule(
        "active_streak",
        _("Streak"),
        _("Posted on this many days in a row (UTC calendar days)."),
        (Param("days", _("Days in a row"), 7, minimum=2),),
        queries.active_streak,
        POST_VERBS,
        summary=_("Active %(days)s days in a row"),
    ),
    Rule(
        "level_reached",
        _("Level reached"),
        _(
            "Holds this level in a community (its rank: 1 is the second step), since the day "
            "their points first reached it."
        ),
        (Param("rank", _("Level rank"), 3, maximum=MAX_LEVELS - 1),),
        queries.level_reached,
        ("level.changed",),
        summary=_("Level %(rank)s reached"),
    ),
    Rule(
        "endorsed",
        _("Endorsed"),
        _("Endorsed this many times by other members (for one quality, if named)."),
        (
            Param("n", _("Endorsements"), 5),
            Param("quality", _("Quality (short name, optional)"), "", kind="slug"),
        ),
        queries.endorsed,
        ("endorsement.added",),
        summary=_("Endorsed %(n)s times"),
    ),
    Rule(
        "night_owl",
        _("Night owl"),
        _("Posts mostly between midnight and 5 a.m. (UTC)."),
        (
            Param("min_posts", _("Posts at least"), 20),
            Param("share", _("Share of posts at night (%)"), 50, maximum=100),
        ),
        queries.night_owl,
        POST_VERBS,
        kind="trait",
        summary=_("%(share)s%% of at least %(min_posts)s posts at night"),
    ),
    Rule(
        "perfectionist",
        _("Perfectionist"),
        _("Edits their own posts again and again."),
        (Param("edits", _("Edits of their own posts"), 20),),
        queries.perfectionist,
        ("post.edited",),
        kind="trait",
        summary=_("%(edits)s edits of their own posts"),
    ),
    Rule(
        "globe_trotter",
        _("Globe-trotter"),
        _("Posted in this many different communities."),
        (Param("communities", _("Communities"), 3),),
        queries.globe_trotter,
        POST_VERBS,
        kind="trait",
        scopes=("site",),
        summary=_("Posted in %(communities)s communities"),
    ),
):
    register(_rule)
