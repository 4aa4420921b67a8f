"""API endpoints for threads, posts, reactions, accepted answers and idea votes."""

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Field, File, Path, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from community import permissions as community_permissions
from community import queries as community_queries
from community.apitools import ANY_AUTH, MAX_ID, Extensible, ObjectId, Slug
from community.apitools import error as error_response
from community.errors import Forbidden
from forums import actions, images, notifications, payloads, permissions, queries
from forums.models import Post, Tag

router = Router(tags=["threads"])
# Ids in paths: what a 64-bit column holds (docs/security.md); past it, a 422.
ThreadId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
PostId = Annotated[int, Path(..., ge=1, le=MAX_ID)]

KindName = Literal["discussion", "question", "idea", "poll", "announcement"]
SortName = Literal["latest", "newest", "top", "unanswered"]
ReactionName = Literal["like", "helpful", "love", "insightful", "funny"]


class AuthorOut(Extensible):
    """Other apps add keys to post authors (``community.facets``): levels, badges."""

    username: str
    display_name: str


class ThreadOut(Schema):
    id: int
    community: str
    kind: str
    title: str
    author: AuthorOut | None
    state: str
    pinned: bool
    solved: bool
    accepted_post: int | None
    idea_status: str | None
    vote_count: int
    reply_count: int
    created_at: datetime
    last_activity_at: datetime
    status: str = Field("published", description="published, held (for review) or hidden.")
    tags: list[str] = Field([], description="The slugs of its tags.")


class ThreadDetailOut(ThreadOut):
    poll: dict | None = Field(
        None, description="Options, and counts once you voted or the poll closed."
    )
    last_read: int | None = Field(None, description="The last post number you read.")


class ThreadListItem(ThreadOut):
    last_read: int | None = None


class ThreadPage(Schema):
    items: list[ThreadListItem]
    next: str | None


class ThreadIn(Schema):
    kind: KindName = "discussion"
    title: str = Field(..., max_length=1000)
    body: str = Field(..., max_length=200_000)
    client_id: str = Field("", max_length=64)
    replies_allowed: bool = True
    options: list[str] | None = Field(None, description="A poll's options (2 to 20).")
    multiple: bool = False
    closes_at: datetime | None = None


class PostOut(Schema):
    id: int
    thread: int
    number: int
    author: AuthorOut | None
    body: str
    html: str
    reply_to: int | None
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    status: str = Field("published", description="published, held (for review) or hidden.")
    hidden: bool = Field(False, description="Hidden by a moderator: no text but for them.")
    reactions: dict


class PostPage(Schema):
    items: list[PostOut]
    next: int | None


class ReplyIn(Schema):
    body: str = Field(..., max_length=200_000)
    reply_to: ObjectId | None = None
    client_id: str = Field("", max_length=64)


class EditIn(Schema):
    body: str = Field(..., max_length=200_000)


class ReactionIn(Schema):
    kind: ReactionName


class ReactionOut(Schema):
    post: int
    kind: str
    reacted: bool
    reactions: dict


class AcceptIn(Schema):
    post: ObjectId | None = Field(..., description="The reply to accept; null takes it back.")


class PollVoteIn(Schema):
    options: list[ObjectId] = Field(
        ..., max_length=20, description="Option ids; [] withdraws your answer."
    )


class VoteOut(Schema):
    thread: int
    voted: bool
    vote_count: int


IdeaStatusName = Literal["new", "under_review", "planned", "in_progress", "done", "declined"]


class IdeaStatusIn(Schema):
    status: IdeaStatusName
    note: str = Field("", max_length=2000, description="Public: shown under the idea.")


class IdeaStatusOut(ThreadOut):
    idea_status_note: str


@router.get("/communities/{slug}/threads", response=ThreadPage, auth=ANY_AUTH)
def list_threads(
    request,
    slug: Slug,
    sort: SortName = "latest",
    kind: KindName | None = None,
    solved: bool | None = None,
    tag: str | None = Query(None, max_length=40, description="Only threads with this tag (slug)."),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(20, ge=1, le=100),
):
    """Threads, pinned first; ``next`` is the cursor of the following page (keyset)."""
    community = community_queries.community_for(request.user, slug)
    community_permissions.check_read(request.user, community)
    tag_filter = None
    if tag:
        tag_filter = Tag.objects.filter(community=community, slug=tag).first()
        if tag_filter is None:
            raise ValidationError({"tag": _("This community has no such tag.")})
    rows, next_cursor = queries.threads(
        community,
        sort=sort,
        kind=kind,
        solved=solved,
        tag=tag_filter,
        cursor=cursor,
        limit=limit,
        user=request.user,
    )
    prefetch_related_objects(rows, "tags")
    items = [{**payloads.thread_data(t), "last_read": getattr(t, "last_read", None)} for t in rows]
    return {"items": items, "next": next_cursor}


@router.post("/communities/{slug}/threads", response={201: ThreadDetailOut, 200: ThreadDetailOut})
def create_thread(request, slug: Slug, payload: ThreadIn):
    """Open a thread. The same ``client_id`` again returns the thread already made (200)."""
    community = community_queries.community_for(request.user, slug)
    thread = actions.create_thread(
        request.user,
        community,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        client_id=payload.client_id,
        replies_allowed=payload.replies_allowed,
        poll=(
            {
                "options": payload.options,
                "multiple": payload.multiple,
                "closes_at": payload.closes_at,
            }
            if payload.kind == "poll"
            else None
        ),
    )
    replayed = getattr(thread, "replayed", False)
    return Status(200 if replayed else 201, thread_detail(request, thread.pk))


def thread_detail(request, thread_id):
    thread = queries.thread_for(request.user, thread_id)
    prefetch_related_objects([thread], "tags")
    return {
        **payloads.thread_data(thread),
        "poll": queries.poll_for(request.user, thread),
        "last_read": queries.read_state(request.user, thread) or None,
    }


@router.get("/threads/{int:thread_id}", response=ThreadDetailOut, auth=ANY_AUTH)
def get_thread(request, thread_id: ThreadId):
    """A thread; with its poll, and how far you have read it when signed in."""
    return thread_detail(request, thread_id)


@router.post("/threads/{int:thread_id}/poll", response=dict)
def answer_poll(request, thread_id: ThreadId, payload: PollVoteIn):
    """Answer a poll (or change your answer until it closes; [] withdraws it)."""
    thread = queries.thread_for(request.user, thread_id)
    actions.vote_poll(request.user, thread, payload.options)
    return queries.poll_for(request.user, queries.thread_for(request.user, thread_id))


@router.post("/threads/{int:thread_id}/read", response=dict)
def mark_read(request, thread_id: ThreadId, number: int = Query(..., ge=1, le=MAX_ID)):
    """Remember that you have read the thread up to post ``number``."""
    thread = queries.thread_for(request.user, thread_id)
    actions.mark_read(request.user, thread, min(number, thread.post_count))
    return {"thread": thread.pk, "last_read": queries.read_state(request.user, thread)}


@router.get("/threads/{int:thread_id}/posts", response=PostPage, auth=ANY_AUTH)
def list_posts(
    request,
    thread_id: ThreadId,
    after: int | None = Query(None, ge=0, le=MAX_ID),
    limit: int = Query(50, ge=1, le=200),
):
    """Posts in order; pass the last id you have as ``after`` to get what came since."""
    thread = queries.thread_for(request.user, thread_id)
    moderator = permissions.can_moderate_thread(request.user, thread)
    rows, next_after = queries.posts(
        thread, after=after, limit=limit, reader=request.user, moderator=moderator
    )
    items = payloads.posts_data(rows, thread.community, request.user, reveal=moderator)
    return {"items": items, "next": next_after}


@router.post("/threads/{int:thread_id}/posts", response={201: PostOut, 200: PostOut})
def reply(request, thread_id: ThreadId, payload: ReplyIn):
    """Reply. Sending the same ``client_id`` twice makes one post (the second answer is 200)."""
    thread = queries.thread_for(request.user, thread_id)
    reply_to = None
    if payload.reply_to is not None:
        reply_to = Post.objects.filter(pk=payload.reply_to, thread=thread).first()
        if reply_to is None:
            raise ValidationError({"reply_to": _("You can only reply to a post of this thread.")})
    post = actions.reply(
        request.user, thread, body=payload.body, reply_to=reply_to, client_id=payload.client_id
    )
    return Status(200 if getattr(post, "replayed", False) else 201, _post_out(request, post))


@router.patch("/posts/{int:post_id}", response=PostOut)
def edit_post(request, post_id: PostId, payload: EditIn):
    """Edit a post; the earlier version is kept in its history."""
    post = queries.post_for(request.user, post_id)
    return _post_out(request, actions.edit_post(request.user, post, body=payload.body))


@router.delete("/posts/{int:post_id}", response=PostOut)
def delete_post(request, post_id: PostId):
    """Remove a post: a placeholder stays in the thread."""
    post = queries.post_for(request.user, post_id)
    return _post_out(request, actions.delete_post(request.user, post))


def _post_out(request, post):
    moderator = permissions.can_moderate_thread(request.user, post.thread)
    [data] = payloads.posts_data([post], post.thread.community, request.user, reveal=moderator)
    return data


@router.post("/posts/{int:post_id}/reactions", response=ReactionOut)
def react(request, post_id: PostId, payload: ReactionIn):
    """Toggle a reaction: sending it again takes it back."""
    post = queries.post_for(request.user, post_id)
    reacted = actions.react(request.user, post, kind=payload.kind)
    post.refresh_from_db(fields=["reaction_counts"])
    return {
        "post": post.pk,
        "kind": payload.kind,
        "reacted": reacted,
        "reactions": post.reaction_counts,
    }


@router.post("/threads/{int:thread_id}/accept", response=ThreadOut)
def accept(request, thread_id: ThreadId, payload: AcceptIn):
    """Accept a reply as the answer to a question (the asker or a moderator)."""
    thread = queries.thread_for(request.user, thread_id)
    post = None
    if payload.post is not None:
        post = Post.objects.filter(pk=payload.post, thread=thread).first()
        if post is None:
            raise Forbidden(_("Choose a reply in this thread."), code="invalid_post")
    actions.accept_answer(request.user, thread, post)
    return payloads.thread_data(queries.thread_for(request.user, thread_id))


@router.post("/threads/{int:thread_id}/vote", response=VoteOut)
def vote(request, thread_id: ThreadId):
    """Toggle your vote for an idea."""
    thread = queries.thread_for(request.user, thread_id)
    voted = actions.vote(request.user, thread)
    thread.refresh_from_db(fields=["vote_count"])
    return {"thread": thread.pk, "voted": voted, "vote_count": thread.vote_count}


@router.post("/threads/{int:thread_id}/status", response=IdeaStatusOut)
def set_idea_status(request, thread_id: ThreadId, payload: IdeaStatusIn):
    """Set an idea's status, with a public note (the community's managers)."""
    thread = queries.thread_for(request.user, thread_id)
    thread = actions.set_idea_status(request.user, thread, status=payload.status, note=payload.note)
    return {**payloads.thread_data(thread), "idea_status_note": thread.idea_status_note}


@router.get("/notifications", response=dict, tags=["members"])
def list_notifications(request, unread: bool = False, limit: int = Query(50, ge=1, le=200)):
    """Your latest notifications (``unread=true`` for the unread ones only)."""
    # Only those about threads the caller may read now: access is asked at every read.
    queryset = notifications.listed(request.user, unread=unread)
    return {
        "items": [notifications.notification_data(n) for n in queryset[:limit]],
        "unread": notifications.unread_count(request.user),
    }


class ReadIn(Schema):
    ids: list[ObjectId] | None = Field(
        None, max_length=1000, description="Notification ids; omit for all."
    )


@router.post("/notifications/read", response=dict, tags=["members"])
def read_notifications(request, payload: ReadIn):
    """Mark notifications read: those listed, or all."""
    marked = notifications.mark_read(request.user, ids=payload.ids)
    return {"marked": marked, "unread": notifications.unread_count(request.user)}


class WatchIn(Schema):
    watching: bool = True


@router.post("/threads/{int:thread_id}/watch", response=dict)
def watch_thread(request, thread_id: ThreadId, payload: WatchIn):
    """Watch a thread (be notified of its replies), or stop with ``watching: false``."""
    thread = queries.thread_for(request.user, thread_id)
    return {
        "thread": thread.pk,
        "watching": actions.watch(request.user, thread=thread, watching=payload.watching),
    }


@router.post("/communities/{slug}/watch", response=dict)
def watch_community(request, slug: Slug, payload: WatchIn):
    """Watch a whole community (every new post), or stop with ``watching: false``."""
    community = community_queries.community_for(request.user, slug)
    return {
        "community": community.slug,
        "watching": actions.watch(request.user, community=community, watching=payload.watching),
    }


class ImageOut(Schema):
    id: str = Field(..., description="The image's key, also in its URL.")
    url: str
    width: int
    height: int
    markdown: str = Field(..., description="What to put in a post's body to show the image.")


@router.post("/communities/{slug}/images", response={201: ImageOut}, tags=["images"])
def upload_image(request, slug: Slug, file: File[UploadedFile]):
    """Upload an image for posts in a community (multipart, field ``file``).

    JPEG, PNG, GIF or WebP; it is re-encoded to WebP without metadata and scaled
    down to fit 2048 pixels (by default). Its URL shows it to whoever may read
    the community. Refusals: 413 ``too_large``; 400 ``invalid_image``,
    ``unsupported_format``, ``too_many_pixels`` or ``empty``; 429 ``rate_limited``.
    """
    community = community_queries.community_for(request.user, slug)
    try:
        image = actions.upload_image(request.user, community, file=file)
    except ValidationError as refusal:
        code = getattr(refusal, "code", None) or "invalid_image"
        status = 413 if code == "too_large" else 400
        return error_response(request, status, " ".join(refusal.messages), code)
    except Forbidden as refusal:
        if refusal.code == "rate_limited":
            raise HttpError(429, str(refusal)) from None
        raise
    return Status(201, images.image_data(request, image, images.alt_text(file.name)))
