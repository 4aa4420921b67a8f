"""What the content API and the member feed read, gated by ``cms.gating``.

Listings keep only what the viewer may be shown (``gating.visible``): the content
they may read and the teasers of what they could qualify for; nothing else
exists for them. The feed keeps only what the member may read.
"""

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import gating
from cms.conversation import items as content_items
from cms.models import ContentPage, EventPage
from community import permissions as community_permissions
from community.models import Membership
from forums import payloads as forum_payloads
from forums.models import Status, Thread
from forums.moderation.curation import queries as curation

FEED_CONTENT = 10
FEED_EVENTS = 5
FEED_ACTIVITY = 10


def content_page(user, kind=None, *, offset=0, limit=20, request=None):
    """One page of the content ``user`` may be shown, newest first; ``(items, next)``.

    ``next`` is the offset of the following page, or None on the last one.
    """
    queryset = gating.live_content()
    if kind:
        queryset = queryset.type(content_items.KINDS[kind])
    shown = gating.visible(user, queryset)
    chunk = shown[offset : offset + limit]
    following = offset + limit if len(shown) > offset + limit else None
    return content_items.items(user, chunk, request), following


def content_detail(user, page_id, request=None):
    """One content item, or 404 (missing, not live, or not even teased to ``user``)."""
    page = gating.with_audience(ContentPage.objects.filter(pk=page_id)).first()
    if page is None:
        raise Http404(_("No such content."))
    access = gating.check(user, page)
    return content_items.items(user, [(page, access)], request)[0]


# --- The member's home feed ------------------------------------------------------------


def _new_content(user, request):
    queryset = gating.live_content()[: FEED_CONTENT * 5]
    met = [(page, access) for page, access in gating.visible(user, queryset) if access.met]
    return content_items.items(user, met[:FEED_CONTENT], request)


def _upcoming_events(user, request):
    upcoming = EventPage.objects.live().filter(starts_at__gt=timezone.now()).order_by("starts_at")
    pairs = gating.visible(user, gating.with_audience(upcoming[: FEED_EVENTS * 5]))
    met = [(page, access) for page, access in pairs if access.met]
    return content_items.items(user, met[:FEED_EVENTS], request)


def _recent_activity(user):
    communities = Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values(
        "community_id"
    )
    readable = community_permissions.filter_readable_communities(user).filter(pk__in=communities)
    threads = (
        Thread.objects.filter(
            community__in=readable, status=Status.PUBLISHED, merged_into__isnull=True
        )
        .select_related("community", "author__profile")
        .order_by("-last_activity_at", "-pk")[:FEED_ACTIVITY]
    )
    return list(threads)


def feed(user, request=None):
    """The member's home feed: ``{content, events, highlights, activity}``.

    - ``content``: the newest content they may read (teasers are for the content
      home: the feed is what is for them);
    - ``events``: upcoming events they may attend, soonest first;
    - ``highlights``: what moderators featured in the communities they may read;
    - ``activity``: the latest threads of the communities they belong to.
    """
    threads = _recent_activity(user)
    highlights = curation.home_highlights(user)
    return {
        "content": _new_content(user, request),
        "events": _upcoming_events(user, request),
        "highlights": [curation.highlight_data(h) for h in highlights],
        "activity": [_thread_item(thread) for thread in threads],
    }


def _thread_item(thread):
    return {
        **forum_payloads.thread_data(thread),
        "url": reverse("thread", args=[thread.community.slug, thread.pk]),
        "community_name": thread.community.name,
    }
