"""A member's notices of social value: the achievements page and its unread count.

``badges.notify`` writes them (a badge, a level, an endorsement, a backfill's
summary); this module reads them back for their member, and only those the member
may still read: about a site-wide badge, or a community they may read now. A
member who left a hidden club is not reminded of it (nor is anyone else, since a
notice is its member's alone).

The count is shown in the site's menu on every page, so it is cached per member
and dropped when one of their notices is written or read, or a membership of
theirs changes (what they may read changes with it).
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from badges import catalogue, visibility
from badges.models import Notice
from community.models import Membership

CACHE_SECONDS = 600
PAGE_SIZE = 50


def _cache_key(user_id):
    return f"badges:unread:v1:{user_id}"


def _visible(user):
    return Notice.objects.filter(user=user).filter(
        Q(community__isnull=True) | Q(community__in=visibility.readable(user))
    )


def unread_count(user) -> int:
    """How many of the member's notices they have not seen (0 for a visitor)."""
    if not user.is_authenticated:
        return 0
    key = _cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = _visible(user).filter(read_at__isnull=True).count()
        cache.set(key, count, CACHE_SECONDS)
    return count


def notices_for(user, *, limit=PAGE_SIZE):
    """The member's notices, newest first, with their badge and community; a backfill
    summary's ``badges`` narrowed to those the member may still see (``shown_badges``:
    catalogue entries)."""
    notices = list(_visible(user).select_related("badge", "community")[:limit])
    summaries = [notice for notice in notices if notice.kind == Notice.Kind.SUMMARY]
    if summaries:
        by_slug = {badge["slug"]: badge for badge in catalogue.badges().values()}
        wanted = {
            by_slug[slug]["community_id"]
            for notice in summaries
            for slug in notice.data.get("badges", ())
            if slug in by_slug and by_slug[slug]["community_id"] is not None
        }
        readable = (
            set(visibility.readable(user).filter(pk__in=wanted).values_list("pk", flat=True))
            if wanted
            else set()
        )
        for notice in summaries:
            notice.shown_badges = [
                by_slug[slug]
                for slug in notice.data.get("badges", ())
                if slug in by_slug
                and (
                    by_slug[slug]["community_id"] is None
                    or by_slug[slug]["community_id"] in readable
                )
            ]
    return notices


def mark_read(user):
    """Mark every notice of the member read (seen on their achievements page)."""
    changed = Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    forget(user.pk)
    return changed


def forget(user_id):
    """Drop the member's cached count, now and once the writing transaction commits."""
    key = _cache_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _notice_changed(sender, instance, **kwargs):
    forget(instance.user_id)


post_save.connect(_notice_changed, sender=Notice, dispatch_uid="badges.notices.saved")
post_delete.connect(_notice_changed, sender=Notice, dispatch_uid="badges.notices.deleted")
post_save.connect(_notice_changed, sender=Membership, dispatch_uid="badges.notices.membership")
post_delete.connect(
    _notice_changed, sender=Membership, dispatch_uid="badges.notices.membership_gone"
)
