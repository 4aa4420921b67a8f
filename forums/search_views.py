"""The search page: ``/search/?q=``, the site's face of ``forums.search``.

Visibility is decided by ``forums.search.search_page`` alone (the same call
as ``GET /api/v1/search``): this view never filters results itself. The
community menu lists only the communities the visitor may read; a slug typed
into the URL for any other one is ignored (the search covers every community
the visitor may read, as with no slug), so it tells nothing about that one.
"""

from urllib.parse import urlencode

from django.shortcuts import render

from forums import queries, search
from forums.models import Thread

PAGE_SIZE = 20


def _offset(value):
    try:
        return max(0, min(int(value), 2 * search.WINDOW))
    except (TypeError, ValueError):
        return 0


def search_results(request):
    """Threads and posts matching ``q`` that the visitor may read, best first, paged."""
    q = request.GET.get("q", "").strip()[: search.MAX_QUERY_CHARS]
    communities = queries.readable_community_names(request.user)
    names = {community.slug: community.name for community in communities}
    community = request.GET.get("community", "")
    if community not in names:
        community = ""
    kind = request.GET.get("kind", "")
    if kind not in Thread.Kind.values:
        kind = ""
    offset = _offset(request.GET.get("offset"))
    searched = bool(search.parse_query(q))
    hits, next_offset = [], None
    if searched:
        hits, next_offset = search.search_page(
            request.user,
            q,
            community=community or None,
            kind=kind or None,
            limit=PAGE_SIZE,
            offset=offset,
        )

    def page_url(at):
        params = {"q": q, "community": community, "kind": kind, "offset": at or ""}
        return "?" + urlencode({key: value for key, value in params.items() if value})

    return render(
        request,
        "forums/search.html",
        {
            "q": q,
            "searched": searched,
            "hits": [(hit, names.get(hit.community_slug, hit.community_slug)) for hit in hits],
            "communities": communities,
            "community": community,
            "kinds": Thread.Kind.choices,
            "kind": kind,
            "next_url": page_url(next_offset) if next_offset is not None else None,
            "previous_url": page_url(max(0, offset - PAGE_SIZE)) if searched and offset else None,
        },
    )
