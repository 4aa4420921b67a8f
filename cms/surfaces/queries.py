"""What the surfaces read: the home listing, search, and content for everyone.

Every list is narrowed by ``cms.gating.visible`` (the audience of each page is
prefetched: ``gating.with_audience``); nothing here decides who sees what.
"""

import logging
from functools import reduce
from operator import and_

from django.core.paginator import Paginator
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cms import gating
from cms.models import ArticlePage, ContentHome, ContentPage, EventPage, OfferPage
from community import audiences
from forums.search import parse_query

logger = logging.getLogger(__name__)

PER_PAGE = 20
SEARCH_MAX_TERMS = 8
KINDS = {"article": ArticlePage, "offer": OfferPage, "event": EventPage}


def kind_choices():
    return [("article", _("Articles")), ("offer", _("Offers")), ("event", _("Events"))]


def kind_names():
    return {"article": _("Article"), "offer": _("Offer"), "event": _("Event")}


def content_home():
    return ContentHome.objects.first()


def _of_kind(queryset, kind):
    return queryset.type(KINDS[kind]) if kind else queryset


def _paginate(rows, page_number):
    page = Paginator(rows, PER_PAGE).get_page(page_number)
    return {"rows": page.object_list, "page_obj": page}


def home_listing(user, *, kind="", page_number=None):
    """``{"rows": [(page, Access)], "page_obj"}``: the live content ``user`` may read
    or be teased with, newest first, of one kind or all.

    The audience is decided page by page in Python (it depends on the viewer's facts,
    loaded once per request), so the whole live list is read: fine for the hundreds
    of pages a brand publishes, not for millions.
    """
    pages = _of_kind(gating.live_content(), kind).select_related("content_type")
    return _paginate(gating.visible(user, pages), page_number)


def everyone_content():
    """Live content whose audience is everyone: the only content feeds and the
    sitemap list (newest first)."""
    return (
        ContentPage.objects.live()
        .filter(audience=audiences.EVERYONE)
        .order_by("-first_published_at", "-pk")
    )


def search(user, q, *, page_number=None):
    """Content matching ``q`` that ``user`` may know of, newest first, paginated.

    Pages the user may read are searched whole (Wagtail search: title, teaser, body,
    description); pages they may only be teased with are matched on their title and
    teaser alone, so a word of a body they may not read never finds its page.
    """
    # The forums' sanitizing: plain words, no quote or control character that the
    # full-text engine would read as syntax ("unterminated string" on SQLite's FTS5).
    terms = parse_query(q)[:SEARCH_MAX_TERMS]
    if not terms:
        return {"rows": [], "page_obj": None}
    rows = gating.visible(user, gating.live_content())
    readable = [page.pk for page, found in rows if found.met]
    teased = [page.pk for page, found in rows if not found.met]
    found_ids = set()
    if readable:
        try:
            with transaction.atomic():  # a savepoint: the request's transaction survives
                hits = ContentPage.objects.live().filter(id__in=readable).search(" ".join(terms))
                found_ids.update(hit.pk for hit in hits)
        except DatabaseError:
            logger.warning("Content search failed for %r", terms, exc_info=True)
    if teased:
        per_term = [Q(title__icontains=term) | Q(teaser__icontains=term) for term in terms]
        found_ids.update(
            ContentPage.objects.filter(pk__in=teased)
            .filter(reduce(and_, per_term))
            .values_list("pk", flat=True)
        )
    kept = [(page, found) for page, found in rows if page.pk in found_ids]
    return _paginate(kept, page_number)
