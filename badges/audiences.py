"""The badges app's audience rules (``community.audiences``): badge holders and levels.

- ``badge``: holds an award of the badge (enabled; hidden from their profile or not),
  and, for a community's own badge, is an active member there (a banned member's
  badge opens nothing);
- ``level``: an active member of the community whose level there reaches ``rank``.

Registered from ``BadgesConfig.ready()``; ``community.permissions`` asks them.
"""

from django.utils.translation import gettext as _

from badges import levels
from badges.models import Award, Reputation
from community import audiences, permissions
from community.models import Membership


def _badge_facts(user):
    return set(
        Award.objects.filter(user=user, badge__enabled=True).values_list("badge_id", flat=True)
    )


def _badge_met(facts, rule):
    badge = rule.badge
    if badge is None or badge.pk not in facts.of("badge"):
        return False
    return badge.community_id is None or badge.community_id in facts.of("community")


def _badge_members(rule):
    holders = Award.objects.filter(badge=rule.badge, badge__enabled=True)
    if rule.badge.community_id is not None:
        holders = holders.filter(
            user_id__in=Membership.objects.filter(
                community_id=rule.badge.community_id, state=Membership.State.ACTIVE
            ).values("user_id")
        )
    return holders.values("user_id")


def _badge_visible(user, rule):
    badge = rule.badge
    if badge is None or not badge.enabled:
        return False
    return badge.community_id is None or permissions.community_visible(user, badge.community)


def _badge_hint(rule):
    badge = rule.badge
    if badge.community_id is None:
        return _("Earn the badge “%(badge)s”") % {"badge": badge.name}
    return _("Earn the badge “%(badge)s” in %(community)s") % {
        "badge": badge.name,
        "community": badge.community.name,
    }


def _level_facts(user):
    return dict(Reputation.objects.filter(user=user).values_list("community_id", "rank"))


def _level_met(facts, rule):
    community = rule.community
    if community is None or community.pk not in facts.of("community"):
        return False
    return facts.of("level").get(community.pk, 0) >= (rule.rank or 0)


def _level_members(rule):
    active = Membership.objects.filter(
        community=rule.community, state=Membership.State.ACTIVE
    ).values("user_id")
    if not rule.rank:
        return active
    return Reputation.objects.filter(
        community=rule.community, rank__gte=rule.rank, user_id__in=active
    ).values("user_id")


def _level_visible(user, rule):
    return rule.community is not None and permissions.community_visible(user, rule.community)


def level_name(community, rank):
    """The name of a rung of the community's ladder (the top one if ``rank`` is past it)."""
    steps = levels.ladder(community)
    return steps[min(rank or 0, len(steps) - 1)].name


def _level_hint(rule):
    return _("Reach %(level)s in %(community)s") % {
        "level": level_name(rule.community, rule.rank),
        "community": rule.community.name,
    }


def register():
    audiences.register(
        audiences.Kind(
            "badge",
            facts=_badge_facts,
            met=_badge_met,
            members=_badge_members,
            visible=_badge_visible,
            hint=_badge_hint,
        )
    )
    audiences.register(
        audiences.Kind(
            "level",
            facts=_level_facts,
            met=_level_met,
            members=_level_members,
            visible=_level_visible,
            hint=_level_hint,
        )
    )
