"""Every badge's shown details, cached: what author lines and profiles draw of a badge.

Badges change rarely (a manager creates, edits, enables one) and are drawn on every
thread page, so their names, icons and tiers are read from one cached dictionary
rather than joined into each query. Saving or deleting a Badge drops it, at once
(for the writing transaction's own reads) and again after commit (so that a reader
who cached the old rows meanwhile does not keep them).
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from badges.models import Badge

CACHE_KEY = "badges:catalogue:v2"
CACHE_SECONDS = 3600
FIELDS = (
    "id",
    "slug",
    "name",
    "icon",
    "tier",
    "kind",
    "community_id",
    "is_title",
    "enabled",
    "mode",
    "rule",
)


def badges():
    """``{badge_id: {field: value}}`` of every badge, for the ``FIELDS`` above: one query
    when not cached."""
    found = cache.get(CACHE_KEY)
    if found is None:
        found = {row["id"]: row for row in Badge.objects.values(*FIELDS)}
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found


def forget(**kwargs):
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


post_save.connect(forget, sender=Badge, dispatch_uid="badges.catalogue.saved")
post_delete.connect(forget, sender=Badge, dispatch_uid="badges.catalogue.deleted")
