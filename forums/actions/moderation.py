"""Moderating posts: hide and restore them, approve or refuse held messages (threads
and replies). Threads are moderated in ``forums.actions.thread_moderation``.

Each action follows the write path: ``forums.permissions`` first (the moderator's
right in the community, in both for a move or a merge), then one transaction that
locks the rows it changes, one activity entry with the moderator's ``reason`` and
the ``before``/``after`` of what changed, a private notice to the author
(``forums.moderation.notices.tell``), and the stream events once it commits.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import activity
from forums import permissions
from forums.actions._common import (
    _locked_post,
    _locked_thread,
    _post_as_shown,
    _publish_post,
)
from forums.actions.posts import publish_reply
from forums.actions.threads import publish_thread
from forums.models import Post, Status, Thread
from forums.moderation import notices
from forums.moderation.models import Notice
from realtime import publish

REASON_MAX = 500
_SHOWN_KEYS = ("body", "html", "edited_at", "deleted", "status", "hidden", "reactions")


def _reason(reason, *, required=False):
    reason = " ".join(str(reason or "").split())[:REASON_MAX]
    if required and not reason:
        raise ValidationError({"reason": _("Say why: the author is told.")})
    return reason


def _tell(author_id, kind, text, *, actor, community, thread=None, post=None):
    """The author's private notice, unless they did it themselves or left."""
    if author_id is None or (actor is not None and actor.pk == author_id):
        return
    notices.tell(author_id, kind, text, community=community, thread=thread, post=post, actor=actor)


def _rewrite_shown(post):
    """Stored events of ``post`` say what its page shows now (as a deletion does)."""
    current = _post_as_shown(post)

    def rewrite(_event, data):
        return {**data, **{key: current[key] for key in _SHOWN_KEYS if key in data}}

    publish.rewrite_stored(f"thread:{post.thread_id}", f"post:{post.pk}", rewrite)


def _check_moderator(actor, thread):
    if actor is None:
        raise ValidationError(_("A moderator must do this."))
    permissions.check_moderate_thread(actor, thread)


# --- Posts ------------------------------------------------------------------------


def hide_post(actor, post, *, reason, by="moderator"):
    """Hide a published post: others see "hidden by a moderator", moderators its text.

    ``by="flags"``: the review queue hides it on flag weight (``actor`` may be None).
    Hiding a hidden post does nothing and records nothing.
    """
    if by not in ("moderator", "flags"):
        raise ValueError(by)
    if by == "moderator" or actor is not None:
        _check_moderator(actor, post.thread)
    reason = _reason(reason, required=by == "moderator")
    with transaction.atomic():
        thread = _locked_thread(post.thread)
        post = _locked_post(post)
        post.thread = thread
        if actor is not None:
            permissions.check_moderate_thread(actor, thread)
        if post.status == Status.HIDDEN:
            return post
        if post.status == Status.HELD:
            raise ValidationError(_("This post is held for review: approve or refuse it."))
        before = post.status
        post.status, post.status_reason, post.moderated_by = Status.HIDDEN, reason, actor
        post.save(update_fields=["status", "status_reason", "moderated_by"])
        activity.record(
            "post.hidden",
            actor=actor,
            community=thread.community,
            obj=post,
            target_user=post.author_id,
            thread=thread.pk,
            reason=reason,
            before=before,
            after=post.status,
            by=by,
        )
        _tell(
            post.author_id,
            Notice.Kind.HIDDEN,
            reason or _("Hidden after members' flags, pending review."),
            actor=actor,
            community=thread.community,
            thread=thread,
            post=post,
        )
        if before == Status.PUBLISHED:
            _publish_post(post, "post.hidden")
            _rewrite_shown(post)
    return post


def restore_post(actor, post, *, reason=""):
    """Show a hidden post again, to everyone."""
    _check_moderator(actor, post.thread)
    reason = _reason(reason)
    with transaction.atomic():
        thread = _locked_thread(post.thread)
        post = _locked_post(post)
        post.thread = thread
        permissions.check_moderate_thread(actor, thread)
        if post.status != Status.HIDDEN:
            raise ValidationError(_("This post is not hidden."))
        if post.is_deleted:
            # Deleted, or refused while held (``reject_held``): nothing to show again.
            raise ValidationError(_("This post was removed: it cannot be restored."))
        post.status, post.status_reason, post.moderated_by = Status.PUBLISHED, "", actor
        post.save(update_fields=["status", "status_reason", "moderated_by"])
        activity.record(
            "post.restored",
            actor=actor,
            community=thread.community,
            obj=post,
            target_user=post.author_id,
            thread=thread.pk,
            reason=reason,
            before=Status.HIDDEN,
            after=Status.PUBLISHED,
        )
        _tell(
            post.author_id,
            Notice.Kind.RESTORED,
            reason,
            actor=actor,
            community=thread.community,
            thread=thread,
            post=post,
        )
        _publish_post(post, "post.restored")
        _rewrite_shown(post)
    return post


# --- Held messages ----------------------------------------------------------------


def _held(obj):
    if isinstance(obj, Thread):
        return obj, None
    if isinstance(obj, Post):
        return obj.thread, obj
    raise TypeError(obj)


def approve_held(actor, obj, *, reason=""):
    """Publish a held thread (with its opening post) or a held reply."""
    thread, post = _held(obj)
    _check_moderator(actor, thread)
    reason = _reason(reason)
    with transaction.atomic():
        thread = _locked_thread(thread)
        permissions.check_moderate_thread(actor, thread)
        if post is None:
            if thread.status != Status.HELD:
                raise ValidationError(_("This thread is not held for review."))
            opening = Post.objects.select_related("author__profile").get(thread=thread, number=1)
            Thread.objects.filter(pk=thread.pk).update(status=Status.PUBLISHED, status_reason="")
            Post.objects.filter(pk=opening.pk).update(
                status=Status.PUBLISHED, status_reason="", moderated_by=actor
            )
            thread.status = opening.status = Status.PUBLISHED
            thread.status_reason = ""
            opening.thread = thread
            entry, target = "thread.approved", thread
            publish_thread(thread, opening)
        else:
            post = _locked_post(post)
            post.thread = thread
            if post.status != Status.HELD:
                raise ValidationError(_("This post is not held for review."))
            post.status, post.status_reason, post.moderated_by = Status.PUBLISHED, "", actor
            post.save(update_fields=["status", "status_reason", "moderated_by"])
            entry, target = "post.approved", post
            publish_reply(post, thread, now=timezone.now())
        _decided(actor, entry, thread, target, post, reason, Status.PUBLISHED, Notice.Kind.APPROVED)
    return target


def _decided(actor, entry, thread, target, post, reason, after, notice):
    """A held message's decision: its entry (held -> ``after``) and its author told why."""
    extra = {} if post is None else {"thread": thread.pk}
    activity.record(
        entry,
        actor=actor,
        community=thread.community,
        obj=target,
        target_user=target.author_id,
        reason=reason,
        before=Status.HELD,
        after=after,
        **extra,
    )
    _tell(
        target.author_id,
        notice,
        reason,
        actor=actor,
        community=thread.community,
        thread=thread,
        post=post,
    )


def reject_held(actor, obj, *, reason):
    """Refuse a held thread or reply: it stays unpublished (hidden), its author told why.

    A refused reply is HIDDEN *and* removed (``deleted_at``): a hidden post that was
    published shows others a "hidden by a moderator" placeholder, one never published
    must not show at all. ``forums.queries.visible_posts`` keeps hidden and removed
    posts for their author (a removed post) and moderators only; ``restore_post``
    refuses them. (A refused thread is hidden, which already hides it from all others.)
    """
    thread, post = _held(obj)
    _check_moderator(actor, thread)
    reason = _reason(reason, required=True)
    with transaction.atomic():
        thread = _locked_thread(thread)
        permissions.check_moderate_thread(actor, thread)
        if post is None:
            if thread.status != Status.HELD:
                raise ValidationError(_("This thread is not held for review."))
            thread.status, thread.status_reason = Status.HIDDEN, reason
            thread.save(update_fields=["status", "status_reason"])
            Post.objects.filter(thread=thread, number=1).update(
                status=Status.HIDDEN, status_reason=reason, moderated_by=actor
            )
            target, entry = thread, "thread.rejected"
        else:
            post = _locked_post(post)
            post.thread = thread
            if post.status != Status.HELD:
                raise ValidationError(_("This post is not held for review."))
            post.status, post.status_reason, post.moderated_by = Status.HIDDEN, reason, actor
            post.deleted_at = timezone.now()
            post.save(update_fields=["status", "status_reason", "moderated_by", "deleted_at"])
            target, entry = post, "post.rejected"
        _decided(actor, entry, thread, target, post, reason, Status.HIDDEN, Notice.Kind.REJECTED)
    return target


# --- Threads ----------------------------------------------------------------------
