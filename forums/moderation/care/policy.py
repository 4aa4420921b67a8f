"""Which questions run a clock, and who answers them: a community's response policy."""

from community import expertise
from community.models import Community, Membership
from forums.moderation.care.models import ResponsePolicy

BREACHING_SHARE = 0.8  # "about to breach" at 80 % of the target
ESCALATE_SHARE = 0.5  # nobody answered by half the target: on-duty moderators


def policy_for(community):
    """The community's policy: its row, the defaults for a support community, or None."""
    try:
        policy = community.response_policy
    except ResponsePolicy.DoesNotExist:
        if community.kind != Community.Kind.SUPPORT:
            return None
        policy = ResponsePolicy(community=community)
    return policy if policy.enabled else None


def responders(community, policy, user_ids):
    """The subset of ``user_ids`` that count as responders in ``community`` (two queries)."""
    ids = set(user_ids)
    if not ids:
        return set()
    from community.models import User

    found = set(
        User.objects.filter(pk__in=ids, is_staff=True, is_active=True).values_list("pk", flat=True)
    )
    found |= set(
        Membership.objects.filter(
            community=community,
            user_id__in=ids,
            state=Membership.State.ACTIVE,
            role__in=[Membership.Role.MODERATOR, Membership.Role.MANAGER],
        ).values_list("user_id", flat=True)
    )
    rest = ids - found
    if rest and policy.responders == ResponsePolicy.Responders.LEVEL:
        active = set(
            Membership.objects.filter(
                community=community, user_id__in=rest, state=Membership.State.ACTIVE
            ).values_list("user_id", flat=True)
        )
        ranks = expertise.rank(community, active)
        found |= {pk for pk, rank in ranks.items() if rank >= policy.responder_min_level}
    return found
