"""The content API and the member feed's API (mounted under ``/api/v1/`` by the site).

- ``GET /content?type=article|offer|event``: what the caller may read, and the
  teasers of what they could qualify for (``audience_met``, ``hints``); anyone,
  signed in or not; paginated (``cursor`` from the previous page's ``next``);
- ``GET /content/{page_id}``: one item; 404 for a page the caller may not even
  know of, exactly as for one that does not exist;
- ``GET /feed``: the member's home feed, the same items as the ``/feed/`` page.

Item shape: ``cms.conversation.items``.
"""

from typing import Literal

from ninja import Query, Router, Schema

from cms.conversation import queries
from community.apitools import ANY_AUTH, MEMBER_AUTH, Extensible, ObjectId

router = Router(tags=["content"])


class ContentItem(Extensible):
    """A page as its viewer may know it; the keys of its kind follow when
    ``audience_met`` (``body``, and the offer's or event's fields)."""

    id: int
    type: str
    title: str
    teaser: str
    url: str | None
    published_at: str | None
    audience_met: bool
    hints: list[str]


class ContentList(Schema):
    items: list[ContentItem]
    next: str | None = None


@router.get("/content", response=ContentList, auth=ANY_AUTH)
def content_list(
    request,
    type: Literal["article", "offer", "event"] | None = None,
    cursor: int = Query(0, ge=0, le=100_000),
    limit: int = Query(20, ge=1, le=100),
):
    items, following = queries.content_page(
        request.user, type, offset=cursor, limit=limit, request=request
    )
    return {"items": items, "next": str(following) if following is not None else None}


@router.get("/content/{page_id}", response=ContentItem, auth=ANY_AUTH)
def content_detail(request, page_id: ObjectId):
    return queries.content_detail(request.user, page_id, request=request)


class Feed(Schema):
    content: list[ContentItem]
    events: list[ContentItem]
    highlights: list[dict]
    activity: list[dict]


@router.get("/feed", response=Feed, auth=MEMBER_AUTH)
def feed(request):
    return queries.feed(request.user, request=request)
