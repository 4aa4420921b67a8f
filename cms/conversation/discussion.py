"""The discussion a content page opened: its latest replies, for the page's template.

The thread is a forum thread in ``discussion_community``, with that community's
audience: a reader of the page who may not read the community (a club-only
discussion) sees an invitation to join, not the replies. The partial
``cms/conversation/_discussion.html`` shows them and follows the thread live
(``static/js/cms-discussion.js`` subscribes to ``thread:<id>`` through
``static/js/realtime.js``'s connection, as the thread page does).
"""

from django.urls import reverse

from community import permissions as community_permissions
from forums import permissions as forum_permissions
from forums import queries as forum_queries
from forums.models import Post, Thread
from realtime import publish

LATEST = 5


def discussion(page, user):
    """``{thread, url, replies, stream, last_id, can_reply}`` for a reader of the
    community, ``{thread, url, community, readable: False}`` for others, or None when
    the page has no discussion (or its thread is not visible to ``user``)."""
    if not page.discussion_thread_id:
        return None
    thread = Thread.objects.select_related("community").filter(pk=page.discussion_thread_id).first()
    if thread is None or not community_permissions.can_see_community(user, thread.community):
        return None
    url = reverse("thread", args=[thread.community.slug, thread.pk])
    if not community_permissions.can_read(user, thread.community):
        return {"thread": thread, "url": url, "community": thread.community, "readable": False}
    if not forum_permissions.can_see_thread(user, thread):
        return None
    moderator = forum_permissions.can_moderate_thread(user, thread)
    rows, _next = forum_queries.post_rows(
        thread, after=_after_latest(thread), limit=LATEST, reader=user, moderator=moderator
    )
    stream = f"thread:{thread.pk}"
    return {
        "thread": thread,
        "url": url,
        "community": thread.community,
        "readable": True,
        # The opening post is the page's own teaser: only replies are shown.
        "replies": [row for row in rows if row["number"] > 1 and row["status"] == "published"],
        "stream": stream,
        "last_id": publish.last_id(stream),
        "can_reply": forum_permissions.can_reply(user, thread),
    }


def _after_latest(thread):
    """The post id after which the latest ``LATEST`` posts come (None: from the start)."""
    ids = list(
        Post.objects.filter(thread=thread)
        .order_by("-number")
        .values_list("pk", flat=True)[: LATEST + 1]
    )
    return ids[-1] if len(ids) > LATEST else None


def page_context(page, request):
    """What the page's template needs for ``_discussion.html`` (``discussion``)."""
    return {"discussion": discussion(page, request.user)}
