"""Prevention's reads."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from community.models import Membership
from forums.moderation.prevention.models import MemberTrust, WatchedWord


def watched_words(community):
    """The community's list, then the site-wide one (``community`` None: that one only)."""
    query = (
        Q(community__isnull=True) | Q(community=community)
        if community
        else Q(community__isnull=True)
    )
    return (
        WatchedWord.objects.filter(query)
        .select_related("created_by")
        .order_by("community_id", "pattern")
    )


def members_by_trust(community):
    """The active members with their trust row's level (newcomer when none), in one query."""
    from django.db.models import OuterRef, Subquery

    level = MemberTrust.objects.filter(community=community, user=OuterRef("user")).values("level")[
        :1
    ]
    by_hand = MemberTrust.objects.filter(community=community, user=OuterRef("user")).values(
        "set_by_hand"
    )[:1]
    return (
        Membership.objects.filter(community=community, state=Membership.State.ACTIVE)
        .select_related("user", "user__profile")
        .annotate(trust_level=Subquery(level), trust_by_hand=Subquery(by_hand))
        .order_by("user__username")
    )


def member(community, username):
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not Membership.objects.filter(community=community, user=user).exists():
        raise Http404(_("No member found."))
    return user
