"""The directory's cards: what each community's card shows of its life (``community.cues``).

Registered from ``ForumsConfig.ready()``; community cannot import the forums.
"""

from django.db.models import Count, F, OuterRef, Subquery

from community import permissions as community_permissions
from community.models import Community, Membership
from forums.models import ReadState, Status, Thread
from forums.queries import LAST_POSTER_ANNOTATIONS, with_last_poster


def community_activity(communities, user):
    """Set on each community what the directory card shows of its life, in two queries.

    ``latest_thread`` (the thread with the latest activity, with ``last_poster``; None
    if there is none or ``user`` may not read the community) and ``unread_threads``
    (threads with posts ``user`` has not read since they opened them, the figure
    GET /me adds up; 0 unless they are an active member). Needs each community's
    membership of ``user`` already remembered (``community.queries`` does it).
    """
    readable = [c for c in communities if community_permissions.can_read(user, c)]
    for community in communities:
        community.latest_thread, community.unread_threads = None, 0
    if not readable:
        return communities
    by_id = {community.pk: community for community in readable}
    latest = Thread.objects.filter(community=OuterRef("pk"), status=Status.PUBLISHED).order_by(
        "-last_activity_at", "-pk"
    )
    latest_ids = (
        Community.objects.filter(pk__in=by_id)
        .annotate(latest_thread=Subquery(latest.values("pk")[:1]))
        .values("latest_thread")
    )
    rows = (
        Thread.objects.filter(pk__in=latest_ids)
        .annotate(**LAST_POSTER_ANNOTATIONS)
        .only("pk", "community_id", "title", "last_activity_at", "post_count")
    )
    for thread in rows:
        community = by_id[thread.community_id]
        thread.community = community
        community.latest_thread = with_last_poster(thread)
    member_of = [
        c.pk
        for c in readable
        if (m := community_permissions.membership_of(user, c)) is not None
        and m.state == Membership.State.ACTIVE
    ]
    if member_of:
        unread = (
            ReadState.objects.filter(
                user=user,
                thread__community_id__in=member_of,
                thread__status=Status.PUBLISHED,
                thread__post_count__gt=F("last_read_number"),
            )
            .values("thread__community_id")
            .annotate(threads=Count("pk"))
            .order_by()
        )
        for row in unread:
            by_id[row["thread__community_id"]].unread_threads = row["threads"]
    return communities
