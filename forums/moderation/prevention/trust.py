"""Who is a newcomer: read cheaply at screen time, promoted when the criteria are met."""

import datetime

from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from community import permissions
from forums.moderation.prevention.models import MemberTrust, TrustPolicy


def _policy_key(community_id):
    return f"trust-policy:{community_id}"


def policy_of(community):
    """The community's TrustPolicy, or None: kept in the shared cache (an hour, dropped
    when a manager changes it), so that a post costs no query for it."""
    if "_trust_policy" not in community.__dict__:
        fields = cache.get(_policy_key(community.pk))
        if fields is None:
            policy = TrustPolicy.objects.filter(community=community).first()
            fields = {"id": policy.pk, **policy.as_dict()} if policy is not None else {}
            cache.set(_policy_key(community.pk), fields, timeout=3600)
        community.__dict__["_trust_policy"] = (
            TrustPolicy(community=community, **fields) if fields else None
        )
    return community.__dict__["_trust_policy"]


def forget_policy(community):
    cache.delete(_policy_key(community.pk))
    community.__dict__.pop("_trust_policy", None)


def exempt(user, community):
    """Moderators, managers and staff are never limited."""
    return permissions.can_moderate(user, community)


def upheld_flags(user, community):
    """How many flags on ``user``'s content in ``community`` were upheld (part Q's Flag;
    zero while it is not installed)."""
    try:
        from django.apps import apps

        Flag = apps.get_model("moderation", "Flag")
    except LookupError:
        return 0
    from django.db.models import Q

    names = {f.name for f in Flag._meta.get_fields()}
    if "subject" in names:  # whose content was flagged, kept by the queue
        mine = Q(subject=user)
    else:
        mine = Q(post__author=user) | Q(post__isnull=True, thread__author=user)
    where = Q(community=community) if "community" in names else Q(thread__community=community)
    return Flag.objects.filter(mine, where, outcome="upheld").count()


def criteria(user, community, policy, *, now=None):
    """Each promotion criterion: (name, required, reached)."""
    from forums.models import Post, ReadState, Status

    now = now or timezone.now()
    membership = permissions.membership_of(user, community)
    joined = getattr(membership, "joined_at", None) or now
    days = (now - joined) / datetime.timedelta(days=1)
    read = (
        ReadState.objects.filter(user=user, thread__community=community).aggregate(
            n=Sum("last_read_number")
        )["n"]
        or 0
    )
    accepted = Post.objects.filter(
        author=user,
        thread__community=community,
        status=Status.PUBLISHED,
        deleted_at__isnull=True,
    ).count()
    result = [
        ("days", policy.promote_after_days, int(days)),
        ("posts_read", policy.promote_after_posts_read, read),
        ("posts_accepted", policy.promote_after_posts_accepted, accepted),
    ]
    if policy.require_no_upheld_flags:
        result.append(("no_upheld_flags", 0, upheld_flags(user, community)))
    return result


def meets_criteria(user, community, policy, *, now=None):
    return all(
        (reached == 0) if name == "no_upheld_flags" else reached >= required
        for name, required, reached in criteria(user, community, policy, now=now)
    )


def assess(user, community):
    """(level, criteria_met): the member's level as stored, and for a newcomer not set by
    hand whether they now meet the criteria (``actions.level_of`` promotes them then)."""
    if exempt(user, community):
        return MemberTrust.Level.TRUSTED, False
    policy = policy_of(community)
    if policy is None:
        return MemberTrust.Level.TRUSTED, False
    row = MemberTrust.objects.filter(user=user, community=community).first()
    if row is not None and (row.level == MemberTrust.Level.TRUSTED or row.set_by_hand):
        return row.level, False
    return MemberTrust.Level.NEWCOMER, meets_criteria(user, community, policy)
