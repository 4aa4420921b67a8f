"""The badges app's answer to ``community.expertise``: levels and community badges.

An expert of a community is an active member whose level there reaches the
"Expert" rung (rank 3 of the default ladder; the top rung of a shorter custom
ladder), or who holds an award of an enabled badge that belongs to that
community (a community's own badges are how its managers mark expertise).
"""

from django.db.models import Q

from badges import levels
from badges.models import Award, Reputation
from community.models import Membership

EXPERT_RANK = 3  # "Expert" on the default ladder (badges.levels.DEFAULTS)


def expert_rank(community):
    return min(EXPERT_RANK, len(levels.ladder(community)) - 1)


class BadgesExpertise:
    def experts(self, community, user_ids=None):
        active = Membership.objects.filter(community=community, state=Membership.State.ACTIVE)
        if user_ids is not None:
            active = active.filter(user_id__in=user_ids)
        active = active.values("user_id")
        by_level = Reputation.objects.filter(
            community=community, rank__gte=expert_rank(community), user_id__in=active
        ).values_list("user_id", flat=True)
        by_badge = Award.objects.filter(
            Q(badge__community=community, badge__enabled=True),
            user_id__in=active,
        ).values_list("user_id", flat=True)
        return set(by_level) | set(by_badge)

    def is_expert(self, community, user_id):
        return user_id in self.experts(community, [user_id])

    def rank(self, community, user_ids):
        return dict(
            Reputation.objects.filter(community=community, user_id__in=user_ids).values_list(
                "user_id", "rank"
            )
        )


def register():
    from community import expertise

    expertise.register(BadgesExpertise())
