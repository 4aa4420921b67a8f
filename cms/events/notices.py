"""What a member is told about content in the app: ``ContentNotice`` rows and the
"content" unread counter (``GET /me`` and the header).

``tell`` writes one notice and sends its live event on the member's ``me`` stream,
inside the action's transaction (both stand or fall with it). Any part of exclusive
content may call it (events: promoted, reminder; new content: published).

A notice counts only while its page is live: an unpublished page stops counting
(the member could not open it anyway).
"""

import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cms import gating
from cms.models import ContentNotice
from realtime import publish

PAGE_SIZE = 50


def page_data(page, **extra):
    """A page as the ``me`` stream's content events carry it (``cms.streams``)."""
    return {
        "id": page.pk,
        "type": gating.kind_of(page),
        "title": page.title,
        "url": page.get_url() or "",
        "teaser": page.teaser,
        **extra,
    }


def event_data(event):
    return page_data(event, starts_at=event.starts_at.astimezone(datetime.UTC).isoformat())


def tell(user_id, kind, page, stream_event):
    """Write a notice of ``kind`` about ``page`` for the member and send ``stream_event``
    (with the page's data) on their ``me`` stream once the transaction commits."""
    notice = ContentNotice.objects.create(user_id=user_id, kind=kind, page_id=page.pk)
    forget_unread([user_id])
    data = event_data(page) if hasattr(page, "starts_at") else page_data(page)
    publish.send_event_on_commit(f"me:{user_id}", stream_event, data)
    return notice


def _unread(user):
    return ContentNotice.objects.filter(user=user, read_at__isnull=True, page__live=True)


def unread_count(user):
    """The member's unread content notices (0 for a visitor)."""
    if not user.is_authenticated:
        return 0
    return _unread(user).count()


def notices_for(user, *, limit=PAGE_SIZE):
    """The member's notices about live pages, newest first, with their page."""
    if not user.is_authenticated:
        return []
    return list(
        ContentNotice.objects.filter(user=user, page__live=True).select_related("page")[:limit]
    )


def mark_read(user):
    """Mark every content notice of the member read; returns how many changed."""
    changed = ContentNotice.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    forget_unread([user.pk])
    return changed


# The menu shows the count on every page: kept in the cache, dropped (after commit)
# whenever a notice is written or read, so other pages ask nothing.
UNREAD_CACHE_SECONDS = 600


def _unread_key(user_id):
    return f"cms:content-notices:unread:v1:{user_id}"


def cached_unread_count(user):
    """``unread_count``, from the cache when it holds it."""
    if not user.is_authenticated:
        return 0
    count = cache.get(_unread_key(user.pk))
    if count is None:
        count = unread_count(user)
        cache.set(_unread_key(user.pk), count, UNREAD_CACHE_SECONDS)
    return count


def forget_unread(user_ids):
    """Drop the cached counts of these members now and again once the transaction
    commits, so that a reader who cached the count from before it is not believed."""
    keys = [_unread_key(pk) for pk in user_ids]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
