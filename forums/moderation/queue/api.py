"""API of flags and the review queue (mounted under ``/api/v1/``)."""

from datetime import datetime
from typing import Annotated, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from community import permissions
from community import queries as community_queries
from community.apitools import MAX_ID, Slug
from forums import queries as forum_queries
from forums.moderation.queue import actions, flags
from forums.moderation.queue import queries as queue_queries

router = Router(tags=["moderation"])
Id = Annotated[int, Path(..., ge=1, le=MAX_ID)]
ReasonName = Literal["spam", "abuse", "off_topic", "illegal", "other"]


class FlagIn(Schema):
    reason: ReasonName
    note: str = Field("", max_length=500, description="Required when the reason is “other”.")


class FlagOut(Schema):
    id: int
    reason: str
    note: str
    weight: float
    thread: int
    post: int | None
    created_at: datetime


class FlagNote(Schema):
    reason: str
    note: str
    weight: float


class ItemOut(Schema):
    id: int
    kind: str
    state: str
    reasons: list[str]
    weight: float
    created_at: datetime
    claimed_by: str | None = Field(None, description="Who holds an unexpired claim.")
    claimed_until: datetime | None
    thread: int | None
    post: int | None
    subject: str | None = Field(None, description="Whose content or request it is.")
    title: str
    excerpt: str
    url: str
    auto_hidden: bool = Field(description="Hidden by the flags' weight, pending review.")
    flags: list[FlagNote]


class QueueOut(Schema):
    items: list[ItemOut]


class DecisionIn(Schema):
    reason: str = Field("", max_length=500, description="Told to the author; required to reject.")


def _flag_out(flag):
    return {
        "id": flag.pk,
        "reason": flag.reason,
        "note": flag.note,
        "weight": flag.weight,
        "thread": flag.thread_id,
        "post": flag.post_id,
        "created_at": flag.created_at,
    }


@router.post("/posts/{int:post_id}/flags", response={201: FlagOut})
def flag_post(request, post_id: Id, payload: FlagIn):
    """Flag a post for the moderators (once; never your own): 409 if flagged already."""
    post = forum_queries.post_for(request.user, post_id)
    flag = flags.flag_post(request.user, post, reason=payload.reason, note=payload.note)
    return Status(201, _flag_out(flag))


@router.post("/threads/{int:thread_id}/flags", response={201: FlagOut})
def flag_thread(request, thread_id: Id, payload: FlagIn):
    """Flag a thread (its title or subject) for the moderators: as a post."""
    thread = forum_queries.thread_for(request.user, thread_id)
    flag = flags.flag_thread(request.user, thread, reason=payload.reason, note=payload.note)
    return Status(201, _flag_out(flag))


@router.get("/communities/{slug}/queue", response=QueueOut)
def list_queue(request, slug: Slug):
    """The review queue's open items, oldest first (the community's moderators, staff)."""
    community = community_queries.community_for(request.user, slug)
    permissions.check_handle_queue(request.user, community)
    return {
        "items": [queue_queries.item_data(item) for item in queue_queries.open_items(community)]
    }


def _item(request, item_id):
    """The item, answering 404 as a missing one to whoever may not see its community."""
    item = queue_queries.item_for(item_id)
    if item is None or not permissions.can_see_community(request.user, item.community):
        raise Http404(_("No such item in a review queue."))
    permissions.check_handle_queue(request.user, item.community)
    return item


def _answer(item):
    [shown] = queue_queries.decorate([queue_queries.item_for(item.pk)], item.community)
    return queue_queries.item_data(shown)


@router.post("/queue/{int:item_id}/claim", response=ItemOut)
def claim(request, item_id: Id):
    """Take the item for a while (409 if another moderator holds it)."""
    item = _item(request, item_id)
    return _answer(actions.claim(request.user, item))


@router.post("/queue/{int:item_id}/approve", response=ItemOut)
def approve(request, item_id: Id, payload: DecisionIn):
    """Approve: publish held content, dismiss the flags, or accept a request to join."""
    item = _item(request, item_id)
    return _answer(actions.approve(request.user, item, reason=payload.reason))


@router.post("/queue/{int:item_id}/reject", response=ItemOut)
def reject(request, item_id: Id, payload: DecisionIn):
    """Reject with a reason the author is told: refuse held content, uphold the flags
    (the content is hidden), or refuse a request to join."""
    item = _item(request, item_id)
    return _answer(actions.reject(request.user, item, reason=payload.reason))
