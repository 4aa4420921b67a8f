"""Who meets an audience (``community.audiences``), and what an outsider may be told.

Exclusive content asks these and nothing else, on every surface (its pages,
listings, search, feeds, the sitemap, the API, its images and documents):

- ``audience_met(user, audience)``: may the user read the content itself?
- ``teaser(user, audience)``: for a user who may not, whether they may know the
  content exists (a teaser) and how they could qualify. Nobody learns of a rule
  about something they may not see: a page meant for a hidden community's members
  is not even teased to others.

Site staff meet every audience. An audience with no rule (``chosen`` and nothing
chosen) is met by nobody else: content never goes out to everyone by mistake.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from community import audiences
from community.models import Community, Membership
from community.permissions.base import is_staff


def _rule_met(facts, rule):
    return audiences.kind(rule.kind).met(facts, rule)


def audience_met(user, audience):
    """May ``user`` read content meant for ``audience``?"""
    if audience.reach == audiences.EVERYONE:
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    if is_staff(user):
        return True
    if audience.reach == audiences.MEMBERS:
        return True
    if not audience.rules:
        return False
    facts = audiences.member_facts(user)
    results = (_rule_met(facts, rule) for rule in audience.rules)
    return any(results) if audience.match == audiences.ANY else all(results)


@dataclass(frozen=True)
class Teaser:
    """What an outsider may know: ``shown`` (that the content exists, its title and
    teaser) and ``hints`` (how to qualify, one line each)."""

    shown: bool
    hints: tuple[str, ...] = ()


HIDDEN = Teaser(shown=False)


def teaser(user, audience):
    """For a user who does not meet ``audience``: may they see its teaser, and how
    would they qualify? (For one who does, ``Teaser(shown=True)`` with no hints.)"""
    if audience_met(user, audience):
        return Teaser(shown=True)
    signed_in = user.is_authenticated and user.is_active
    sign_in = () if signed_in else (_("Sign in or create an account"),)
    if audience.reach == audiences.MEMBERS:
        return Teaser(shown=True, hints=sign_in)
    if not audience.rules:
        return HIDDEN
    facts = audiences.member_facts(user) if signed_in else None
    unmet = [r for r in audience.rules if facts is None or not _rule_met(facts, r)]
    visible = [r for r in unmet if audiences.kind(r.kind).visible(user, r)]
    if audience.match == audiences.ALL and len(visible) < len(unmet):
        return HIDDEN  # one condition is about something they may not know of
    if not visible:
        return HIDDEN
    hints = tuple(dict.fromkeys(audiences.kind(r.kind).hint(r) for r in visible))
    return Teaser(shown=True, hints=sign_in + hints)


def community_visible(user, community):
    """``can_see_community``, answered from the member's audience facts: a listing of
    pages naming many communities asks no query per community."""
    if community.visibility != Community.Visibility.HIDDEN or is_staff(user):
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    return community.pk in audiences.member_facts(user).of("community")


# --- The built-in kind: members of a community ---------------------------------


def _community_facts(user):
    return set(
        Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values_list(
            "community_id", flat=True
        )
    )


def _community_met(facts, rule):
    return rule.community is not None and rule.community.pk in facts.of("community")


def _community_members(rule):
    return Membership.objects.filter(
        community=rule.community, state=Membership.State.ACTIVE
    ).values("user_id")


def _community_visible(user, rule):
    return rule.community is not None and community_visible(user, rule.community)


def _community_hint(rule):
    return _("Join %(community)s") % {"community": rule.community.name}


audiences.register(
    audiences.Kind(
        "community",
        facts=_community_facts,
        met=_community_met,
        members=_community_members,
        visible=_community_visible,
        hint=_community_hint,
    )
)
