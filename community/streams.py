"""The community app's WebSocket streams and who may subscribe to them."""

from community import permissions
from community.models import Community
from realtime import streams


def _community(slug):
    return Community.objects.filter(slug=slug).first()


def may_read_community(user, slug):
    community = _community(slug)
    return community is not None and permissions.can_read(user, community) and slug


def may_moderate_community(user, slug):
    community = _community(slug)
    return (
        community is not None
        and permissions.can_see_community(user, community)
        and permissions.can_moderate(user, community)
        and slug
    )


streams.register("community", may_read_community)
streams.register("moderation", may_moderate_community)
streams.register("me", None, personal=True)
