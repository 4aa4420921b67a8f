"""``GET /api/v1/search``: forum search over what the caller may read.

Registered in ``ForumsConfig.ready()`` (``community.apitools.register_router``).
Anonymous callers search public communities; the ranking, the visibility rules and
the snippets are ``forums.search``'s (see its docstring).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from community import permissions as community_permissions
from community import queries as community_queries
from community.apitools import ANY_AUTH
from forums import search
from forums.models import Thread

router = Router(tags=["search"])
KINDS = ", ".join(Thread.Kind.values)
KIND_PATTERN = "^(?:" + "|".join(Thread.Kind.values) + ")$"


class SearchAuthorOut(Schema):
    username: str
    display_name: str


class SearchHitOut(Schema):
    post: int
    thread: int
    title: str
    title_html: str
    community: str
    number: int
    author: SearchAuthorOut | None
    created_at: datetime
    snippet: str


class SearchPage(Schema):
    items: list[SearchHitOut]
    next: int | None


def hit_data(hit):
    return {
        "post": hit.post_id,
        "thread": hit.thread_id,
        "title": hit.thread_title,
        "title_html": str(hit.title_html),
        "community": hit.community_slug,
        "number": hit.number,
        "author": (
            {"username": hit.author, "display_name": hit.author_display_name}
            if hit.author
            else None
        ),
        "created_at": hit.created_at,
        "snippet": str(hit.snippet_html),
    }


@router.get("/search", response=SearchPage, auth=ANY_AUTH)
def search_posts(
    request,
    q: str = Query(
        ...,
        min_length=1,
        # No `pattern` for "at least one letter or digit": JSON Schema's regexes are
        # ECMA-262's, whose \w is ASCII, so no portable pattern says it for all scripts.
        description=(
            "Words to find (at least one letter or digit, else a 422); every word must "
            f"match. Only the first {search.MAX_QUERY_CHARS} characters are read."
        ),
    ),
    community: str | None = Query(None, max_length=50, description="A community's slug."),
    kind: str | None = Query(
        None, pattern=KIND_PATTERN, description="Only threads of this kind: " + KINDS + "."
    ),
    limit: int = Query(20, ge=1, le=50),
    offset: int = Query(0, ge=0, le=2 * search.WINDOW),
):
    """Posts and threads matching ``q``, best first, in communities the caller may read.

    ``snippet`` and ``title_html`` are safe HTML: the text escaped, matched words in
    ``<mark>``. ``next`` is the offset of the following page, or null.
    """
    if not search.parse_query(q):
        raise ValidationError({"q": _("Type one or more words to search for.")})
    if community:
        # 404 for a community the caller may not see, 403 for one they may not read.
        found = community_queries.community_for(request.user, community)
        community_permissions.check_read(request.user, found)
        community = found
    hits, next_offset = search.search_page(
        request.user, q, community=community or None, kind=kind, limit=limit, offset=offset
    )
    return {"items": [hit_data(hit) for hit in hits], "next": next_offset}
