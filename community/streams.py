"""The community app's WebSocket streams, who may subscribe to them, and their events."""

from community import permissions
from community.models import Community
from realtime import events, streams
from realtime.events import EventType


def _community(slug):
    return Community.objects.filter(slug=slug).first()


def may_read_community(user, slug):
    community = _community(slug)
    return community is not None and permissions.can_read(user, community) and slug


def may_moderate_community(user, slug):
    community = _community(slug)
    return community is not None and permissions.can_view_moderation(user, community) and slug


streams.register("community", may_read_community)
streams.register("moderation", may_moderate_community)
streams.register("me", None, personal=True)

MEMBERSHIP_KEYS = ("community", "username", "state")
events.declare(
    # A member's own membership changed (joined, approved, banned, role...).
    EventType("membership.changed", "me", (*MEMBERSHIP_KEYS, "role")),
    # A membership ended (left, refused, removed); state is "none".
    EventType("membership.removed", "me", MEMBERSHIP_KEYS),
    # Moderators of a community see join requests arrive.
    EventType("membership.requested", "moderation", MEMBERSHIP_KEYS),
)
