"""Moderators' API on threads and posts: hide, close, move, merge, split, pin, lock; hide
and restore a post. Each endpoint calls its action (``forums.actions.moderation``).

Errors as everywhere (community/site/api.py): 404 when the caller may not see the thread
or post (as a missing one), 403 JSON when they see it but do not moderate it, 400 for a
request that cannot be done (merging a thread into itself, hiding a hidden thread...).
"""

import functools
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema

from community import queries as community_queries
from community.apitools import MAX_ID, ObjectId, Slug
from community.apitools import error as error_response
from forums import actions, payloads, permissions, queries
from forums.api import PostOut, ThreadOut
from forums.models import Post, Thread

router = Router(tags=["moderation"])
ThreadId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
PostId = Annotated[int, Path(..., ge=1, le=MAX_ID)]

ThreadVerb = Literal["hide", "unhide", "close", "reopen", "pin", "unpin", "lock", "unlock"]


class ReasonIn(Schema):
    reason: str = Field("", max_length=500, description="Told to the author; kept in the log.")


class MoveIn(ReasonIn):
    community: Slug


class MergeIn(ReasonIn):
    into: ObjectId


class SplitIn(ReasonIn):
    posts: list[ObjectId] = Field(..., min_length=1, max_length=500)
    title: str = Field(..., max_length=1000)


def refusing(endpoint):
    """A request the action cannot do (into itself, already hidden...): 400, with its fields."""

    @functools.wraps(endpoint)
    def wrapper(request, *args, **kwargs):
        try:
            return endpoint(request, *args, **kwargs)
        except ValidationError as refused:
            errors = [
                {"field": field, "message": message}
                for field, messages in (
                    refused.message_dict.items()
                    if hasattr(refused, "error_dict")
                    else [("body", refused.messages)]
                )
                for message in messages
            ]
            detail = " ".join(e["message"] for e in errors)
            return error_response(request, 400, detail, "invalid", errors=errors)

    return wrapper


def _thread(request, thread_id):
    """The thread as a moderator sees it (held, hidden too): 404 for whoever may not see it,
    403 for those who see it but do not moderate its community."""
    thread = queries.thread_for(request.user, thread_id)
    permissions.check_moderate_thread(request.user, thread)
    return thread


def _thread_out(request, thread_id):
    thread = Thread.objects.select_related("community", "author__profile").get(pk=thread_id)
    prefetch_related_objects([thread], "tags")
    return payloads.thread_data(thread)


def _act(request, thread, verb, reason):
    user = request.user
    if verb == "hide":
        return actions.hide_thread(user, thread, reason=reason)
    if verb == "unhide":
        return actions.unhide_thread(user, thread, reason=reason)
    if verb == "close":
        return actions.close_thread(user, thread, reason=reason)
    if verb == "reopen":
        return actions.reopen_thread(user, thread, reason=reason)
    return actions.set_reasoned(user, thread, verb, reason=reason)


def _thread_verb(verb):
    @refusing
    def endpoint(request, thread_id: ThreadId, payload: ReasonIn = None):
        thread = _thread(request, thread_id)
        _act(request, thread, verb, payload.reason if payload else "")
        return _thread_out(request, thread.pk)

    endpoint.__name__ = f"thread_{verb}"
    endpoint.__doc__ = {
        "hide": "Hide the thread (a reason is required): it leaves lists, its page 404s.",
        "unhide": "Show a hidden thread again.",
        "close": "Close it for good: no more replies.",
        "reopen": "Reopen a closed thread.",
        "pin": "Keep it at the top of its community.",
        "unpin": "Stop pinning it.",
        "lock": "Lock it: no more replies for now.",
        "unlock": "Unlock it.",
    }[verb]
    return endpoint


for _verb in ThreadVerb.__args__:
    router.post(f"/threads/{{int:thread_id}}/{_verb}", response=ThreadOut)(_thread_verb(_verb))


@router.post("/threads/{int:thread_id}/move", response=ThreadOut)
@refusing
def move_thread(request, thread_id: ThreadId, payload: MoveIn):
    """Move the thread to another community you moderate too."""
    thread = _thread(request, thread_id)
    to = community_queries.community_for(request.user, payload.community)
    actions.move_thread(request.user, thread, to=to, reason=payload.reason)
    return _thread_out(request, thread.pk)


@router.post("/threads/{int:thread_id}/merge", response=ThreadOut)
@refusing
def merge_thread(request, thread_id: ThreadId, payload: MergeIn):
    """Append the thread's posts to ``into``; answers with ``into``."""
    thread = _thread(request, thread_id)
    if payload.into == thread.pk:
        message = _("A thread cannot be merged into itself.")
        return error_response(request, 400, message, "invalid")
    into = queries.thread_for(request.user, payload.into)
    into = actions.merge_thread(request.user, thread, into=into, reason=payload.reason)
    return _thread_out(request, into.pk)


@router.post("/threads/{int:thread_id}/split", response={201: ThreadOut})
@refusing
def split_thread(request, thread_id: ThreadId, payload: SplitIn):
    """Move the chosen replies to a new thread of the same community; answers with it."""
    thread = _thread(request, thread_id)
    new = actions.split_thread(
        request.user, thread, posts=payload.posts, title=payload.title, reason=payload.reason
    )
    return 201, _thread_out(request, new.pk)


def _post(request, post_id):
    post = queries.post_for(request.user, post_id)
    permissions.check_moderate_thread(request.user, post.thread)
    return post


def _post_out(request, post_id):
    post = Post.objects.select_related("thread__community", "author__profile").get(pk=post_id)
    [data] = payloads.posts_data([post], post.thread.community, request.user, reveal=True)
    return data


@router.post("/posts/{int:post_id}/hide", response=PostOut)
@refusing
def hide_post(request, post_id: PostId, payload: ReasonIn):
    """Hide a post (a reason is required): others see a placeholder, its author is told."""
    post = _post(request, post_id)
    actions.hide_post(request.user, post, reason=payload.reason)
    return _post_out(request, post.pk)


@router.post("/posts/{int:post_id}/restore", response=PostOut)
@refusing
def restore_post(request, post_id: PostId, payload: ReasonIn = None):
    """Show a hidden post again."""
    post = _post(request, post_id)
    actions.restore_post(request.user, post, reason=payload.reason if payload else "")
    return _post_out(request, post.pk)
