"""Replying to a thread, editing a post (kept in its history), deleting a post.

An edit or a removal also rewrites the post's stored events
(``_rewrite_post_history``), so that replays show what the page shows.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import activity
from forums import markdown, permissions, screening
from forums.actions._common import (
    _existing,
    _locked_post,
    _locked_thread,
    _post_as_shown,
    _publish_post,
    _publish_thread,
    _replayed,
)
from forums.models import Post, PostRevision, Status, Thread
from forums.moderation import notices
from forums.moderation.models import Notice
from forums.validation import clean_body, clean_client_id
from realtime import publish

# What a post's events quote of it: replaced in its stored events when it changes.
_POST_CONTENT = ("body", "html", "edited_at", "deleted")
# And once it is deleted: the page shows neither its reactions nor that it was edited.
_TOMBSTONE_CONTENT = (*_POST_CONTENT, "reactions")


def _rewrite_post_history(post):
    """Make the stored events of ``post`` say only what its thread page shows now.

    Replays (``subscribe`` with ``since``) read the stored events: without this,
    any reader of the thread would get back the body as first posted after an
    edit (earlier versions are for the author and moderators) or a removal (by
    its author or a moderator). Each payload keeps its keys (author, number,
    dates) and takes the post's current values for those that quote it; a
    deleted post's become a tombstone with no body and no reactions, as the
    page shows it. Call inside the edit's transaction, after publishing it.
    """
    current = _post_as_shown(post)
    keys = _TOMBSTONE_CONTENT if post.is_deleted else _POST_CONTENT

    def rewrite(_event, data):
        return {**data, **{key: current[key] for key in keys if key in data}}

    publish.rewrite_stored(f"thread:{post.thread_id}", f"post:{post.pk}", rewrite)


def reply(actor, thread, *, body, reply_to=None, client_id=""):
    """Add a post to ``thread``; the same ``client_id`` from the same author makes one post."""
    permissions.check_reply(actor, thread)
    body, client_id = clean_body(body), clean_client_id(client_id)
    existing = _existing(actor, client_id, thread=thread)
    if existing is not None:
        return _replayed(existing)
    if reply_to is not None and reply_to.thread_id != thread.pk:
        raise ValidationError({"reply_to": _("You can only reply to a post of this thread.")})
    draft = screening.screen(
        screening.Draft(actor, thread.community, screening.REPLY, body, thread=thread)
    )
    body = draft.body
    try:
        with transaction.atomic():
            thread = _locked_thread(thread)
            permissions.check_reply(actor, thread)  # again, under the lock: not locked since
            now = timezone.now()
            post = Post.objects.create(
                thread=thread,
                number=thread.post_count + 1,
                author=actor,
                body=body,
                html=markdown.render(body),
                reply_to=reply_to,
                client_id=client_id,
                created_at=now,
                status=Status.HELD if draft.held else Status.PUBLISHED,
                status_reason=", ".join(draft.hold),
            )
            thread.post_count += 1  # a held post takes its number now
            if draft.held:
                thread.save(update_fields=["post_count"])
                activity.record(
                    "post.held",
                    actor=actor,
                    community=thread.community,
                    obj=post,
                    thread=thread.pk,
                    reasons=draft.hold,
                )
            else:
                publish_reply(post, thread, now=now)
            screening.written(draft, post)
    except IntegrityError:
        existing = _existing(actor, client_id, thread=thread)
        if existing is None:
            raise
        return _replayed(existing)
    return post


def publish_reply(post, thread, *, now):
    """Show a reply to everyone: counters, events, and its ``post.created`` entry.

    For a new reply, and for a held one that a moderator approves (``thread`` locked
    by the caller, inside its transaction).
    """
    thread.last_activity_at = now
    fields = ["post_count", "last_activity_at"]
    if thread.first_response_at is None and post.author_id != thread.author_id:
        thread.first_response_at = now
        fields.append("first_response_at")
    thread.save(update_fields=fields)
    _publish_post(post, "post.created")
    _publish_thread(thread, "thread.updated", page=False)
    # Recorded last: its receivers (notifications) run after the events are sent.
    activity.record(
        "post.created",
        actor=post.author,
        community=thread.community,
        obj=post,
        thread=thread.pk,
        first_response=fields[-1] == "first_response_at",
    )


def edit_post(actor, post, *, body):
    """Change a post's text; the previous version is kept in its history."""
    permissions.check_edit_post(actor, post)
    body = clean_body(body)
    if body == post.body:
        return post
    draft = screening.screen(
        screening.Draft(
            actor, post.thread.community, screening.EDIT, body, thread=post.thread, post=post
        )
    )
    body = draft.body
    with transaction.atomic():
        post = _locked_post(post)
        permissions.check_edit_post(actor, post)  # again: it may have been deleted since
        if body == post.body:
            return post
        PostRevision.objects.create(post=post, body=post.body, html=post.html, editor=actor)
        post.body = body
        post.html = markdown.render(body)
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "html", "edited_at"])
        if post.number == 1:
            Thread.objects.filter(pk=post.thread_id).update(last_activity_at=post.edited_at)
        activity.record(
            "post.edited",
            actor=actor,
            community=post.thread.community,
            obj=post,
            thread=post.thread_id,
        )
        if post.author_id is not None and post.author_id != actor.pk:
            # A moderator's edit: the history names them, and the author is told.
            notices.tell(
                post.author_id,
                Notice.Kind.EDITED,
                _("A moderator edited your post."),
                community=post.thread.community,
                thread=post.thread,
                post=post,
                actor=actor,
            )
        if post.is_published:
            _publish_post(post, "post.edited")
            _rewrite_post_history(post)
        screening.written(draft, post)
    return post


def delete_post(actor, post):
    """Remove a post (soft: a placeholder stays, the history is kept for moderators)."""
    permissions.check_delete_post(actor, post)
    with transaction.atomic():
        # The thread first, as every verb takes them: deleting its accepted answer changes
        # it, and an answer accepted meanwhile must not be cleared (nor deadlock with it).
        thread = _locked_thread(post.thread)
        post = _locked_post(post)
        post.thread = thread
        permissions.check_delete_post(actor, post)
        post.deleted_at = timezone.now()
        post.save(update_fields=["deleted_at"])
        about = {"community": thread.community, "obj": post, "target_user": post.author_id}
        if thread.accepted_post_id == post.pk:
            thread.accepted_post = None
            thread.save(update_fields=["accepted_post"])
            _publish_thread(thread, "thread.updated")
            activity.record(
                "answer.cleared", actor=actor, **about, thread=thread.pk, reason="deleted"
            )
        by = "author" if actor.pk == post.author_id else "moderator"
        activity.record("post.deleted", actor=actor, **about, thread=thread.pk, by=by)
        _publish_post(post, "post.deleted")
        _rewrite_post_history(post)
    return post
