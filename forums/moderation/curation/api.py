"""Curation's API: highlights, tags, similar threads and the deflection signal.

Registered by ``setup.ready()``; mounted under ``/api/v1/`` by the site.
"""

from datetime import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from community import permissions as community_permissions
from community import queries as community_queries
from community.apitools import ANY_AUTH, ObjectId, Slug
from forums import queries as forum_queries
from forums.moderation.curation import actions, queries
from forums.moderation.curation.models import NOTE_MAX_LENGTH

router = Router(tags=["curation"])


class HighlightOut(Schema):
    id: int
    community: str
    thread: int
    title: str
    post: int | None
    note: str
    position: int
    url: str
    created_at: datetime
    created_by: str | None


class HighlightIn(Schema):
    thread: ObjectId
    post: ObjectId | None = None
    note: str = Field(..., min_length=1, max_length=NOTE_MAX_LENGTH)
    position: int = Field(0, ge=-1000, le=1000)


class HighlightList(Schema):
    items: list[HighlightOut]


class TagOut(Schema):
    slug: str
    name: str
    position: int


class TagList(Schema):
    items: list[TagOut]


class ThreadTagsIn(Schema):
    tags: list[str] = Field(..., max_length=actions.MAX_THREAD_TAGS)


class ThreadTagsOut(Schema):
    thread: int
    tags: list[str]


class SimilarOut(Schema):
    id: int
    title: str
    kind: str
    solved: bool
    replies: int
    url: str


class SimilarList(Schema):
    items: list[SimilarOut]


class OpenedIn(Schema):
    query: str = Field("", max_length=actions.QUERY_MAX_LENGTH * 4)


class OpenedOut(Schema):
    recorded: bool


def _readable(request, slug):
    community = community_queries.community_for(request.user, slug)
    community_permissions.check_read(request.user, community)
    return community


@router.get("/communities/{slug}/highlights", response=HighlightList, auth=ANY_AUTH)
def list_highlights(request, slug: Slug):
    """The community's highlights, in the order its page shows them."""
    community = _readable(request, slug)
    rows = queries.community_highlights(community)
    return {"items": [queries.highlight_data(row) for row in rows]}


@router.post("/communities/{slug}/highlights", response={201: HighlightOut})
def add_highlight(request, slug: Slug, payload: HighlightIn):
    """Feature a thread of this community, or one of its posts (moderators)."""
    community = community_queries.community_for(request.user, slug)
    community_permissions.check_curate(request.user, community)
    thread = forum_queries.thread_for(request.user, payload.thread)
    if thread.community_id != community.pk:
        raise Http404(_("No thread found."))
    post = None
    if payload.post is not None:
        post = forum_queries.post_for(request.user, payload.post)
    highlight = actions.feature(
        request.user, thread, post=post, note=payload.note, position=payload.position
    )
    (row,) = [h for h in queries.community_highlights(community) if h.pk == highlight.pk]
    return Status(201, queries.highlight_data(row))


@router.delete("/communities/{slug}/highlights/{int:highlight_id}", response={204: None})
def remove_highlight(
    request, slug: Slug, highlight_id: ObjectId, reason: str = Query("", max_length=500)
):
    """Stop featuring a highlight (moderators)."""
    community = community_queries.community_for(request.user, slug)
    community_permissions.check_curate(request.user, community)
    highlight = queries.highlight_for(community, highlight_id)
    if highlight is None:
        raise Http404(_("No highlight found."))
    actions.unfeature(request.user, highlight, reason=reason)
    return Status(204, None)


@router.get("/communities/{slug}/tags", response=TagList, auth=ANY_AUTH)
def list_tags(request, slug: Slug):
    """The community's tags, in the order its managers keep."""
    community = _readable(request, slug)
    return {
        "items": [
            {"slug": t.slug, "name": t.name, "position": t.position}
            for t in queries.tags(community)
        ]
    }


@router.put("/threads/{int:thread_id}/tags", response=ThreadTagsOut)
def put_thread_tags(request, thread_id: ObjectId, payload: ThreadTagsIn):
    """Set a thread's tags, by slug, from its community's list (moderators)."""
    thread = forum_queries.thread_for(request.user, thread_id)
    tags = actions.set_tags(request.user, thread, payload.tags)
    return {"thread": thread.pk, "tags": tags}


@router.get("/communities/{slug}/similar", response=SimilarList, auth=ANY_AUTH)
def similar(request, slug: Slug, q: str = Query(..., min_length=1, max_length=800)):
    """Threads like the title being typed (``q``), solved ones first, from forum search:
    only what the caller may read."""
    community = _readable(request, slug)
    rows = queries.similar_threads(request.user, community, q)
    return {"items": [queries.similar_data(row) for row in rows]}


@router.post("/threads/{thread_id}/similar-opened", response={201: OpenedOut})
def similar_opened(request, thread_id: ObjectId, payload: OpenedIn):
    """Record that the caller opened a suggested thread (``deflections.count`` reads it)."""
    thread = forum_queries.thread_for(request.user, thread_id)
    actions.record_similar_opened(request.user, thread, query=payload.query)
    return Status(201, {"recorded": True})
