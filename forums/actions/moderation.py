"""Moderating content: hide and restore posts, approve or refuse held messages, and
hide, close, move, merge and split threads.

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
    _publish_thread,
)
from forums.actions.posts import publish_reply
from forums.actions.threads import publish_thread, set_locked, set_pinned
from forums.models import Post, Status, Subscription, Thread
from forums.moderation import notices
from forums.moderation.models import Notice
from forums.payloads import thread_data
from forums.validation import clean_title
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
        extra = {} if post is None else {"thread": thread.pk}
        activity.record(
            entry,
            actor=actor,
            community=thread.community,
            obj=target,
            target_user=target.author_id,
            reason=reason,
            before=Status.HELD,
            after=Status.PUBLISHED,
            **extra,
        )
        _tell(
            target.author_id,
            Notice.Kind.APPROVED,
            reason,
            actor=actor,
            community=thread.community,
            thread=thread,
            post=post,
        )
    return target


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
            target, entry, extra = thread, "thread.rejected", {}
        else:
            post = _locked_post(post)
            post.thread = thread
            if post.status != Status.HELD:
                raise ValidationError(_("This post is not held for review."))
            post.status, post.status_reason, post.moderated_by = Status.HIDDEN, reason, actor
            post.deleted_at = timezone.now()
            post.save(update_fields=["status", "status_reason", "moderated_by", "deleted_at"])
            target, entry, extra = post, "post.rejected", {"thread": thread.pk}
        activity.record(
            entry,
            actor=actor,
            community=thread.community,
            obj=target,
            target_user=target.author_id,
            reason=reason,
            before=Status.HELD,
            after=Status.HIDDEN,
            **extra,
        )
        _tell(
            target.author_id,
            Notice.Kind.REJECTED,
            reason,
            actor=actor,
            community=thread.community,
            thread=thread,
            post=post,
        )
    return target


# --- Threads ----------------------------------------------------------------------


def _thread_change(actor, thread, verb, field, after, *, reason, refuse, kind=None, text=""):
    """Set ``thread.<field>`` to ``after`` and record ``verb``; ``refuse(before)`` names
    a state the change does not apply to (a ValidationError's message)."""
    _check_moderator(actor, thread)
    with transaction.atomic():
        thread = _locked_thread(thread)
        permissions.check_moderate_thread(actor, thread)
        before = getattr(thread, field)
        message = refuse(before)
        if message:
            raise ValidationError(message)
        setattr(thread, field, after)
        fields = [field]
        if field == "status":
            thread.status_reason = reason if after != Status.PUBLISHED else ""
            fields.append("status_reason")
        thread.save(update_fields=fields)
        activity.record(
            verb,
            actor=actor,
            community=thread.community,
            obj=thread,
            target_user=thread.author_id,
            reason=reason,
            before=before,
            after=after,
        )
        if kind is not None:
            _tell(
                thread.author_id,
                kind,
                text or reason,
                actor=actor,
                community=thread.community,
                thread=thread,
            )
    return thread


def hide_thread(actor, thread, *, reason):
    """Take a thread down: it leaves every list, and its page 404s for all but moderators."""
    reason = _reason(reason, required=True)
    with transaction.atomic():
        thread = _thread_change(
            actor,
            thread,
            "thread.hidden",
            "status",
            Status.HIDDEN,
            reason=reason,
            refuse=lambda s: _("Only a published thread can be hidden.") * (s != Status.PUBLISHED),
            kind=Notice.Kind.HIDDEN,
        )
        _announce_gone(thread, thread.community, listed=True)
    return thread


def unhide_thread(actor, thread, *, reason=""):
    reason = _reason(reason)
    with transaction.atomic():
        thread = _thread_change(
            actor,
            thread,
            "thread.unhidden",
            "status",
            Status.PUBLISHED,
            reason=reason,
            refuse=lambda s: _("This thread is not hidden.") if s != Status.HIDDEN else "",
            kind=Notice.Kind.RESTORED,
        )
        _publish_thread(thread, "thread.updated")
    return thread


def _announce_gone(thread, community, *, listed):
    """A thread left ``community``'s lists (hidden, merged, moved away): its list drops it,
    and every socket on its streams is re-checked (those who may no longer read it lose it).

    ``listed``: whether it was in the public list (published) before the change; a held
    or hidden thread never was, and its ``thread.removed`` (with its title, kept for
    replay) must not reach the community's stream."""
    with transaction.atomic():
        if listed:
            data = {**thread_data(thread), "community": community.slug}
            publish.send_event_on_commit(f"community:{community.slug}", "thread.removed", data)
        publish.recheck_community_on_commit(community.slug)


def close_thread(actor, thread, *, reason=""):
    """Closed for good (unlike a lock): no more replies, kept in lists."""
    reason = _reason(reason)
    with transaction.atomic():
        thread = _thread_change(
            actor,
            thread,
            "thread.closed",
            "state",
            Thread.State.CLOSED,
            reason=reason,
            refuse=lambda s: _("This thread is already closed.") * (s == Thread.State.CLOSED),
        )
        _publish_thread(thread, "thread.updated")
    return thread


def reopen_thread(actor, thread, *, reason=""):
    reason = _reason(reason)
    with transaction.atomic():
        thread = _thread_change(
            actor,
            thread,
            "thread.reopened",
            "state",
            Thread.State.OPEN,
            reason=reason,
            refuse=lambda s: _("This thread is not closed.") if s != Thread.State.CLOSED else "",
        )
        _publish_thread(thread, "thread.updated")
    return thread


def move_thread(actor, thread, *, to, reason=""):
    """Move a thread to another community the moderator also moderates.

    Its tags (the old community's) are dropped; both lists update if it is published (a
    held or hidden thread is in neither list: its title stays off both streams); sockets on
    its page are re-checked against the new community's audience (those who may not read
    it lose it).
    """
    _check_moderator(actor, thread)
    permissions.check_move_thread(actor, thread, to)
    reason = _reason(reason)
    with transaction.atomic():
        thread = _locked_thread(thread)
        permissions.check_move_thread(actor, thread, to)
        source = thread.community
        thread.community = to
        thread.save(update_fields=["community"])
        thread.tags.clear()
        activity.record(
            "thread.moved",
            actor=actor,
            community=to,
            obj=thread,
            target_user=thread.author_id,
            reason=reason,
            before=source.slug,
            after=to.slug,
        )
        _tell(
            thread.author_id,
            Notice.Kind.EDITED,
            _("Your thread was moved to %(community)s.") % {"community": to.name}
            + (f" {reason}" if reason else ""),
            actor=actor,
            community=to,
            thread=thread,
        )
        listed = thread.status == Status.PUBLISHED
        _announce_gone(thread, source, listed=listed)
        data = {**thread_data(thread), "url": thread.get_absolute_url()}
        publish.send_event_on_commit(f"thread:{thread.pk}", "thread.changed", data)
        if listed:
            publish.send_event_on_commit(
                f"community:{to.slug}", "thread.created", thread_data(thread)
            )
    return thread


def merge_thread(actor, thread, *, into, reason=""):
    """Append ``thread``'s posts to ``into`` (in order, numbered after its own); the source
    is closed, hidden from lists and redirects to ``into``. Its watchers watch ``into``.

    A held source is refused (approve or refuse it first). Posts keep their status: a held
    reply stays held (in ``into``'s review), a hidden one hidden; only published ones are
    announced on ``into``'s stream.
    """
    _check_moderator(actor, thread)
    permissions.check_merge_thread(actor, thread, into)
    reason = _reason(reason)
    with transaction.atomic():
        # Both rows, in id order: two merges of the same pair the other way never deadlock.
        first, second = sorted((thread, into), key=lambda t: t.pk)
        first, second = _locked_thread(first), _locked_thread(second)
        thread, into = (first, second) if first.pk == thread.pk else (second, first)
        permissions.check_merge_thread(actor, thread, into)
        if thread.status == Status.HELD:
            message = _("This thread is held for review: approve or refuse it before merging.")
            raise ValidationError(message)
        moved = list(
            Post.objects.filter(thread=thread).select_related("author__profile").order_by("number")
        )
        start = into.post_count
        for offset, post in enumerate(moved, start=1):
            post.thread, post.number = into, start + offset
        Post.objects.bulk_update(moved, ["thread", "number"])
        into.post_count = start + len(moved)
        into.last_activity_at = max(into.last_activity_at, thread.last_activity_at)
        into.save(update_fields=["post_count", "last_activity_at"])
        before = {"status": thread.status, "state": thread.state}
        thread.merged_into = into
        thread.state, thread.status = Thread.State.CLOSED, Status.HIDDEN
        thread.status_reason, thread.accepted_post = reason, None
        thread.save(
            update_fields=["merged_into", "state", "status", "status_reason", "accepted_post"]
        )
        watchers = set(
            Subscription.objects.filter(thread=thread).values_list("user_id", flat=True)
        ) - set(Subscription.objects.filter(thread=into).values_list("user_id", flat=True))
        Subscription.objects.bulk_create(
            [Subscription(user_id=user_id, thread=into) for user_id in watchers]
        )
        activity.record(
            "thread.merged",
            actor=actor,
            community=thread.community,
            obj=thread,
            target_user=thread.author_id,
            into=into.pk,
            posts=len(moved),
            reason=reason,
            before=before,
            after={"status": thread.status, "state": thread.state},
        )
        _tell(
            thread.author_id,
            Notice.Kind.EDITED,
            _("Your thread was merged into “%(title)s”.") % {"title": into.title}
            + (f" {reason}" if reason else ""),
            actor=actor,
            community=into.community,
            thread=into,
        )
        # Those on the source's page follow it to ``into`` when it is of the same community
        # (they may read it: it is published). Across communities its address (and id) is
        # not theirs to learn: they reload the source's page, which redirects those who may
        # see ``into`` (forums.views.thread_detail) and answers the others as missing.
        if into.community_id == thread.community_id:
            merged = {"id": thread.pk, "into": into.pk, "url": into.get_absolute_url()}
        else:
            merged = {"id": thread.pk, "into": None, "url": thread.get_absolute_url()}
        publish.send_event_on_commit(f"thread:{thread.pk}", "thread.merged", merged)
        for post in moved:
            if post.status == Status.PUBLISHED:
                _publish_post(post, "post.created")
        _publish_thread(into, "thread.updated")
        _announce_gone(thread, thread.community, listed=before["status"] == Status.PUBLISHED)
    return into


def split_thread(actor, thread, *, posts, title, reason=""):
    """Move the chosen replies of ``thread`` to a new thread of the same community.

    The first chosen (by number) opens it and makes its author the thread's; the others
    follow in order, numbered from 2. The source keeps its numbers (links to its other
    posts stay right), so its ``post_count`` (the last number given, which numbers its next
    reply) stays too; an accepted answer that moves is cleared.

    The new thread takes the source's status (a held or hidden thread's replies are not
    published by a split), and its opening post must be published: a held or hidden reply
    cannot open a thread. Held and hidden replies that follow keep their status.
    """
    _check_moderator(actor, thread)
    title, reason = clean_title(title), _reason(reason)
    ids = sorted({getattr(p, "pk", p) for p in posts})
    if not ids:
        raise ValidationError({"posts": _("Choose the replies to split off.")})
    with transaction.atomic():
        thread = _locked_thread(thread)
        permissions.check_moderate_thread(actor, thread)
        chosen = list(
            Post.objects.select_for_update(of=("self",))
            .filter(thread=thread, pk__in=ids)
            .order_by("number")
        )
        if len(chosen) != len(ids) or any(p.number == 1 for p in chosen):
            message = _("Choose replies of this thread (not its first post).")
            raise ValidationError({"posts": message})
        opening = chosen[0]
        if opening.status != Status.PUBLISHED:
            message = _(
                "The first reply you choose opens the new thread: it cannot be held or hidden."
            )
            raise ValidationError({"posts": message})
        new = Thread.objects.create(
            community=thread.community,
            kind=Thread.Kind.DISCUSSION,
            status=thread.status,
            status_reason=thread.status_reason,
            title=title,
            author_id=opening.author_id,
            post_count=len(chosen),
            created_at=opening.created_at,
            last_activity_at=max(p.created_at for p in chosen),
        )
        for number, post in enumerate(chosen, start=1):
            post.thread, post.number, post.reply_to = new, number, None
        Post.objects.bulk_update(chosen, ["thread", "number", "reply_to"])
        if opening.author_id is not None:
            Subscription.objects.get_or_create(user_id=opening.author_id, thread=new)
        if thread.accepted_post_id in ids:
            activity.record(
                "answer.cleared",
                actor=actor,
                community=thread.community,
                obj=Post.objects.get(pk=thread.accepted_post_id),
                target_user=opening.author_id,
                thread=thread.pk,
                reason="split",
            )
            thread.accepted_post = None
        thread.save(update_fields=["accepted_post"])
        activity.record(
            "thread.split",
            actor=actor,
            community=thread.community,
            obj=thread,
            target_user=opening.author_id,
            into=new.pk,
            posts=ids,
            reason=reason,
        )
        for author_id in {p.author_id for p in chosen}:
            _tell(
                author_id,
                Notice.Kind.EDITED,
                _("Your reply was moved to a new thread, “%(title)s”.") % {"title": title}
                + (f" {reason}" if reason else ""),
                actor=actor,
                community=thread.community,
                thread=new,
            )
        url = new.get_absolute_url()
        for post in chosen:
            publish.send_event_on_commit(
                f"thread:{thread.pk}",
                "post.moved",
                {"id": post.pk, "thread": thread.pk, "to": new.pk, "url": url},
                subject=f"post:{post.pk}",
            )
        new = Thread.objects.select_related("community", "author__profile").get(pk=new.pk)
        # The community's list only hears of published threads (a held or hidden one's
        # title stays off its stream); the source's page hears of its change either way.
        if new.status == Status.PUBLISHED:
            _publish_thread(new, "thread.created")
        if thread.status == Status.PUBLISHED:
            _publish_thread(thread, "thread.updated")
        else:
            publish.send_event_on_commit(
                f"thread:{thread.pk}", "thread.changed", thread_data(thread)
            )
    return new


def set_reasoned(actor, thread, verb, *, reason=""):
    """pin/unpin/lock/unlock with a reason (the API's verbs); see ``threads.set_locked``."""
    reason = _reason(reason)
    if verb in ("lock", "unlock"):
        return set_locked(actor, thread, locked=verb == "lock", reason=reason)
    if verb in ("pin", "unpin"):
        return set_pinned(actor, thread, pinned=verb == "pin", reason=reason)
    raise ValueError(verb)


__all__ = [
    "approve_held",
    "close_thread",
    "hide_post",
    "hide_thread",
    "merge_thread",
    "move_thread",
    "reject_held",
    "reopen_thread",
    "restore_post",
    "set_reasoned",
    "split_thread",
    "unhide_thread",
]
