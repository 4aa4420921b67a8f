"""Who may receive a notification now: the access check of every delivery.

A notification is written only for someone who may read the thread's community
then (``readers``), and access is asked again whenever one is delivered, because
it can be lost in between (a ban, leaving a private community, the thread
moved, the community made private): the mails go through ``deliverable``; the
page, the API, the unread counts and the item's link through ``visible_to``.
Each asks ``community.permissions`` and never decides visibility itself.
docs/security.md, "Access re-checked at delivery".
"""

from community import permissions as community_permissions
from community.models import Membership, User
from forums.models import Notification, Status


def readers(community, user_ids):
    """The users among ``user_ids`` who may read ``community`` now (three queries at most)."""
    users = list(User.objects.filter(pk__in=user_ids, is_active=True).select_related("profile"))
    memberships = {
        m.user_id: m for m in Membership.objects.filter(community=community, user__in=users)
    }
    for user in users:
        community_permissions.remember_membership(community, user, memberships.get(user.pk))
    return [user for user in users if community_permissions.can_read(user, community)]


def deliverable(notifications):
    """Those of ``notifications`` whose recipient may read the thread's community now.

    Asked at delivery, not only when the notification was written: the member may
    have been banned, left a private community, or the thread moved since. One
    query for every membership involved, then ``community.permissions.can_read``.
    Each notification's ``user`` and ``thread__community`` must be loaded with it.
    """
    if not notifications:
        return []
    memberships = {
        (m.user_id, m.community_id): m
        for m in Membership.objects.filter(
            user__in={n.user_id for n in notifications},
            community__in={n.thread.community_id for n in notifications},
        )
    }
    kept = []
    for notification in notifications:
        user, community = notification.user, notification.thread.community
        community_permissions.remember_membership(
            community, user, memberships.get((user.pk, community.pk))
        )
        if user.is_active and community_permissions.can_read(user, community):
            kept.append(notification)
    return kept


def visible_to(user, queryset=None):
    """Narrow notifications to the user's own about threads they may read now.

    Every read of notifications goes through here (the page, the API, the
    counts, the item's link, marking read), so that losing access hides them
    at once and the counts equal the lists. One SQL filter: no query per row.
    """
    queryset = Notification.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    readable = community_permissions.filter_readable_communities(user)
    # Moderation: nothing about a thread or post taken down (held, hidden, merged away).
    return queryset.filter(
        user=user, thread__community__in=readable, thread__status=Status.PUBLISHED
    ).exclude(post__status__in=[Status.HELD, Status.HIDDEN])
