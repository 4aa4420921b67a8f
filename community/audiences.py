"""Audiences: who a piece of content is for, as rules over what we know of a member.

An audience is one of three reaches:

- ``everyone``: anyone, signed in or not;
- ``members``: anyone signed in;
- ``chosen``: members who meet its rules, any of them or all of them (``match``).

A rule has a kind and its arguments: ``community`` (an active member of that
community) is built in; the apps above ``community`` register the others from
their ``ready()`` (``badges`` adds ``badge``, holders of a badge, and ``level``,
at least a level in a community). ``cms`` stores audiences; it never decides who
meets one: ``community.permissions`` does, from the facts gathered here.

The ``community`` kind is registered by ``community.permissions.audience``, which
decides who may know of a community. What a kind provides (``Kind``):

- ``facts(user)``: what it needs to know of one member, loaded once per request
  for every page asked about (``member_facts``);
- ``met(facts, rule)``: whether those facts meet one rule (no query);
- ``members(rule)``: the ids of every member who meets it, as a queryset (reach,
  announcing new content);
- ``visible(user, rule)``: whether the viewer may know the rule at all (a hidden
  community's name is nobody else's business);
- ``hint(rule)``: how to qualify, for a person ("Join Fans' club").
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q

EVERYONE = "everyone"
MEMBERS = "members"
CHOSEN = "chosen"
REACHES = (EVERYONE, MEMBERS, CHOSEN)
ANY = "any"
ALL = "all"


@dataclass(frozen=True)
class Rule:
    """One condition. ``community``, ``badge`` and ``rank`` are what its kind reads:
    objects already loaded (the hint names them), or None."""

    kind: str
    community: object = None
    badge: object = None
    rank: int | None = None


@dataclass(frozen=True)
class Audience:
    reach: str = MEMBERS
    match: str = ANY
    rules: tuple[Rule, ...] = ()

    @property
    def is_empty(self):
        return self.reach == CHOSEN and not self.rules


@dataclass(frozen=True)
class Kind:
    name: str
    facts: object  # facts(user) -> value kept under the kind's name
    met: object  # met(facts, rule) -> bool
    members: object  # members(rule) -> queryset of user ids
    visible: object  # visible(user, rule) -> bool
    hint: object  # hint(rule) -> str


@dataclass
class Facts:
    """What the registered kinds know of one member; ``of(kind)`` is that kind's part."""

    user_id: int | None
    staff: bool = False
    loaded: dict = field(default_factory=dict)

    def of(self, kind):
        return self.loaded.get(kind)


_kinds: dict[str, Kind] = {}


def register(kind):
    """Add a rule kind (from an app's ``ready()``; registering it again replaces it)."""
    _kinds[kind.name] = kind


def kind(name):
    try:
        return _kinds[name]
    except KeyError:
        raise ValueError(f"Unknown audience rule kind {name!r}.") from None


def kinds():
    return dict(_kinds)


def member_facts(user):
    """The facts of every kind about ``user``, loaded once and kept on the user object
    (one request's user): a listing of fifty pages asks the database once per kind."""
    if not user.is_authenticated:
        return Facts(user_id=None)
    cached = getattr(user, "_audience_facts", None)
    if cached is None:
        staff = bool(user.is_active and (user.is_staff or user.is_superuser))
        cached = Facts(user_id=user.pk, staff=staff)
        for name, registered in _kinds.items():
            cached.loaded[name] = registered.facts(user)
        user._audience_facts = cached
    return cached


def forget_facts(user):
    """Drop the facts kept on ``user`` (after a change that may alter them)."""
    user.__dict__.pop("_audience_facts", None)


def members(audience):
    """The ids of the active accounts an audience reaches, as a queryset."""
    users = get_user_model().objects.filter(is_active=True)
    if audience.reach != CHOSEN:
        return users.values("pk")
    if not audience.rules:
        return users.none().values("pk")
    conditions = [Q(pk__in=kind(rule.kind).members(rule)) for rule in audience.rules]
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = (combined | condition) if audience.match == ANY else (combined & condition)
    return users.filter(combined).values("pk")
