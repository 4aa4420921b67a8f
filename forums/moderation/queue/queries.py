"""What the queue's page and API read: open items, prefetched, in a constant number of queries."""

from django.urls import reverse
from django.utils import timezone

from forums.models import Post
from forums.moderation.queue.models import Flag, QueueItem

EXCERPT_LENGTH = 280


def open_items(community, *, limit=200):
    """The community's open items, oldest first, each with ``excerpt``, ``title``,
    ``flags`` (the open flags on it) and ``holder`` (who holds an unexpired claim).

    Three queries whatever the number of items: the items with their relations, the
    opening posts of thread items, the open flags of flagged items.
    """
    items = list(
        QueueItem.objects.filter(community=community, state=QueueItem.State.OPEN)
        .select_related("thread", "post", "subject", "claimed_by", "membership")
        .order_by("created_at", "pk")[:limit]
    )
    decorate(items, community)
    return items


def decorate(items, community):
    now = timezone.now()
    thread_only = {item.thread_id for item in items if item.post_id is None and item.thread_id}
    openings = {}
    if thread_only:
        openings = {
            post.thread_id: post
            for post in Post.objects.filter(thread_id__in=thread_only, number=1)
        }
    flagged = [item for item in items if item.kind == QueueItem.Kind.FLAGGED]
    flags_by_key = {}
    if flagged:
        rows = Flag.objects.filter(
            thread_id__in={item.thread_id for item in flagged}, outcome=Flag.Outcome.OPEN
        ).select_related("user")
        for flag in rows:
            flags_by_key.setdefault((flag.thread_id, flag.post_id), []).append(flag)
    for item in items:
        post = item.post if item.post_id is not None else openings.get(item.thread_id)
        item.excerpt = post.excerpt(EXCERPT_LENGTH) if post is not None else ""
        item.title = item.thread.title if item.thread_id else ""
        item.flags = flags_by_key.get((item.thread_id, item.post_id), [])
        held = item.claimed_until is not None and item.claimed_until > now
        item.holder = item.claimed_by if held else None
        item.url = _url(item, community.slug)
    return items


def _url(item, slug):
    if item.thread_id is None:
        return ""
    url = reverse("thread", args=[slug, item.thread_id])
    return f"{url}#post-{item.post.number}" if item.post_id is not None else url


def item_for(item_id):
    """One item (any state) with what the actions need; None if there is no such item."""
    return (
        QueueItem.objects.select_related("community", "thread", "post", "claimed_by", "subject")
        .filter(pk=item_id)
        .first()
    )


def item_data(item):
    """The API's shape of a decorated item."""
    return {
        "id": item.pk,
        "kind": item.kind,
        "state": item.state,
        "reasons": list(item.reasons),
        "weight": item.weight,
        "created_at": item.created_at,
        "claimed_by": item.holder.username if getattr(item, "holder", None) else None,
        "claimed_until": item.claimed_until if getattr(item, "holder", None) else None,
        "thread": item.thread_id,
        "post": item.post_id,
        "subject": item.subject.username if item.subject_id else None,
        "title": getattr(item, "title", ""),
        "excerpt": getattr(item, "excerpt", ""),
        "url": getattr(item, "url", ""),
        "auto_hidden": item.auto_hidden,
        "flags": [
            {"reason": flag.reason, "note": flag.note, "weight": flag.weight}
            for flag in getattr(item, "flags", [])
        ],
    }
