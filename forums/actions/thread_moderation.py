"""Moderating threads: hide, close, move, merge and split them; pin and lock with a reason.

The same write path as ``forums.actions.moderation`` (posts), whose helpers it shares.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community import activity
from forums import permissions
from forums.actions._common import (
    _locked_thread,
    _publish_post,
    _publish_thread,
)
from forums.actions.moderation import _check_moderator, _reason, _tell
from forums.actions.threads import set_locked, set_pinned
from forums.models import Post, Status, Subscription, Thread
from forums.moderation.models import Notice
from forums.payloads import thread_data
from forums.validation import clean_title
from realtime import publish


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
