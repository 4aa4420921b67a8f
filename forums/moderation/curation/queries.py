"""What curation's pages and endpoints read."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, FilteredRelation, IntegerField, Q, Value
from django.urls import reverse

from community import permissions as community_permissions
from community.models import Community
from forums import search
from forums.models import Status, Tag, Thread
from forums.moderation.curation.models import Highlight

HOME_HIGHLIGHTS = 6
SIMILAR_LIMIT = 5
# Each attempt is one search; at most this many per keystroke pause.
SIMILAR_ATTEMPTS = 4
SIMILAR_MIN_TERM = 3


def _showable(queryset):
    """Highlights whose thread (and post) still stand where they were featured.

    A thread moved elsewhere, held, hidden or merged, or a post hidden or deleted,
    drops out of the list without anyone having to remove its highlight.
    """
    return queryset.filter(
        thread__community_id=F("community_id"),
        thread__status=Status.PUBLISHED,
        thread__merged_into__isnull=True,
    ).filter(Q(post__isnull=True) | Q(post__status=Status.PUBLISHED, post__deleted_at__isnull=True))


def _shaped(queryset):
    return queryset.select_related("community", "thread", "post", "created_by__profile").only(
        "id",
        "note",
        "position",
        "created_at",
        "community__slug",
        "community__name",
        "thread__id",
        "thread__title",
        "thread__kind",
        "thread__accepted_post_id",
        "thread__community_id",
        "post__id",
        "post__number",
        "created_by__username",
        "created_by__profile__display_name",
    )


def community_highlights(community):
    """The community's highlights in their order (one query)."""
    rows = list(_shaped(_showable(Highlight.objects.filter(community=community))))
    for row in rows:
        row.community = community
    return rows


def home_highlights(user, limit=HOME_HIGHLIGHTS):
    """Highlights of every community ``user`` may read, best placed then newest (one query)."""
    readable = community_permissions.filter_readable_communities(user, Community.objects.all())
    queryset = _showable(Highlight.objects.filter(community__in=readable))
    return list(_shaped(queryset).order_by("position", "-created_at", "-pk")[:limit])


def highlight_url(highlight):
    url = reverse("thread", args=[highlight.community.slug, highlight.thread_id])
    if highlight.post_id:
        url += f"#post-{highlight.post.number}"
    return url


def highlight_data(highlight):
    return {
        "id": highlight.pk,
        "community": highlight.community.slug,
        "thread": highlight.thread_id,
        "title": highlight.thread.title,
        "post": highlight.post_id,
        "note": highlight.note,
        "position": highlight.position,
        "url": highlight_url(highlight),
        "created_at": highlight.created_at,
        "created_by": highlight.created_by.username if highlight.created_by else None,
    }


def highlight_for(community, highlight_id):
    return (
        Highlight.objects.select_related("community")
        .filter(community=community, pk=highlight_id)
        .first()
    )


# --- Tags -----------------------------------------------------------------------------------


def tags(community):
    """The community's tags, in their order."""
    return list(Tag.objects.filter(community=community))


def tag_for(community, slug):
    """The community's tag at ``slug``, or None."""
    if not slug or len(slug) > 40:
        return None
    return Tag.objects.filter(community=community, slug=slug).first()


HAS_TAGS_SECONDS = 3600


def _has_tags_key(community_id):
    return f"curation:has-tags:v1:{community_id}"


def has_tags(community):
    """Whether the community keeps any tag: cached, so that the pages of the many
    communities without tags ask nothing (dropped by the tag actions: ``tags_changed``)."""
    key = _has_tags_key(community.pk)
    known = cache.get(key)
    if known is None:
        known = Tag.objects.filter(community=community).exists()
        cache.set(key, known, HAS_TAGS_SECONDS)
    return known


def tags_changed(community):
    """Forget ``has_tags`` for the community, now and once the transaction commits."""
    key = _has_tags_key(community.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def tags_with_threads(community, threads):
    """The community's tags, and each of ``threads`` given ``tag_list``: one query (none
    for a community without tags, once ``has_tags`` is cached).

    One LEFT JOIN of the tags to their links with the shown threads only (the list's
    menu needs every tag; the rows need theirs), whatever the number of rows.
    """
    threads = list(threads)
    if not has_tags(community):
        for thread in threads:
            thread.tag_list = []
        return []
    ids = [thread.pk for thread in threads]
    rows = Tag.objects.filter(community=community).order_by("position", "name", "id")
    if ids:
        rows = rows.annotate(
            shown=FilteredRelation("threads", condition=Q(threads__in=ids))
        ).values_list("id", "slug", "name", "position", "shown__id")
    else:  # no rows to join (an empty IN would be no query at all)
        rows = rows.values_list(
            "id", "slug", "name", "position", Value(None, output_field=IntegerField())
        )
    menu, by_thread = {}, {}
    for tag_id, slug, name, position, thread_id in rows:
        tag = menu.get(tag_id)
        if tag is None:
            tag = menu[tag_id] = Tag(
                id=tag_id, community=community, slug=slug, name=name, position=position
            )
        if thread_id is not None:
            by_thread.setdefault(thread_id, []).append(tag)
    for thread in threads:
        thread.tag_list = by_thread.get(thread.pk, [])
    return list(menu.values())


# --- Similar threads -------------------------------------------------------------------------


def _attempts(q):
    """The term sets to search, strictest first.

    Search requires every word; a title being typed is a sentence ("how do I reset my
    password"), so short words go first (they are the least telling), then, while
    nothing is found, the shortest remaining word, down to the longest one alone.
    """
    terms = search.parse_query(q)
    telling = [term for term in terms if len(term) >= SIMILAR_MIN_TERM] or terms
    attempts = []
    current = list(telling)
    while current and len(attempts) < SIMILAR_ATTEMPTS:
        attempts.append(list(current))
        if len(current) == 1:
            break
        # Drop the shortest word (the last of equals: likely still being typed).
        shortest = min(range(len(current)), key=lambda i: (len(current[i]), -i))
        del current[shortest]
    return attempts


def similar_threads(user, community, q, *, limit=SIMILAR_LIMIT):
    """Threads of ``community`` like the title ``q``, solved ones first.

    Through ``forums.search`` with ``user``: only what they may read, exactly as the
    search page decides; then only published threads. The caller checks that ``user``
    may read ``community`` (a community they may not read gives nothing here anyway).
    """
    order = []
    for terms in _attempts(q):
        for hit in search.search(user, " ".join(terms), community=community, limit=30):
            if hit.thread_id not in order:
                order.append(hit.thread_id)
        if len(order) >= limit:
            break
    if not order:
        return []
    threads = {
        thread.pk: thread
        for thread in Thread.objects.filter(
            pk__in=order[: limit * 4],
            community=community,
            status=Status.PUBLISHED,
            merged_into__isnull=True,
        ).only("id", "title", "kind", "accepted_post_id", "post_count", "community_id")
    }
    found = [threads[pk] for pk in order if pk in threads]
    found.sort(key=lambda thread: thread.accepted_post_id is None)  # stable: rank kept
    for thread in found:
        thread.community = community
    return found[:limit]


def similar_data(thread):
    return {
        "id": thread.pk,
        "title": thread.title,
        "kind": thread.kind,
        "solved": thread.accepted_post_id is not None,
        "replies": max(thread.post_count - 1, 0),
        "url": reverse("thread", args=[thread.community.slug, thread.pk]),
    }
