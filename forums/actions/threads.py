"""Opening a thread (with its first post, and its poll), accepting an answer, locking, pinning."""

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
    _publish_post,
    _publish_thread,
    _replayed,
)
from forums.models import Poll, PollOption, Post, Status, Subscription, Thread
from forums.validation import clean_body, clean_client_id, clean_poll, clean_title

Kind = Thread.Kind


def create_thread(
    actor, community, *, kind, title, body, client_id="", replies_allowed=True, poll=None
):
    """Open a thread with its first post. The same ``client_id`` again returns the same thread.

    Announcements are pinned; their managers choose whether they take replies.
    A poll takes ``poll={"options": [...], "multiple": bool, "closes_at": datetime}``.
    """
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose one of: %(k)s.") % {"k": ", ".join(Kind.values)}})
    options = clean_poll(poll) if kind == Kind.POLL else None
    permissions.check_create_thread(actor, community, kind)
    title, body, client_id = clean_title(title), clean_body(body), clean_client_id(client_id)
    existing = _existing(actor, client_id, opening=True)
    if existing is not None:
        return _replayed(existing.thread)
    draft = screening.screen(
        screening.Draft(actor, community, screening.THREAD, body, title=title, kind=kind)
    )
    title, body = draft.title, draft.body
    status = Status.HELD if draft.held else Status.PUBLISHED
    reason = ", ".join(draft.hold)
    now = timezone.now()
    try:
        with transaction.atomic():
            thread = Thread.objects.create(
                status=status,
                status_reason=reason,
                community=community,
                kind=kind,
                title=title,
                author=actor,
                pinned=kind == Kind.ANNOUNCEMENT,
                replies_allowed=replies_allowed if kind == Kind.ANNOUNCEMENT else True,
                idea_status=Thread.IdeaStatus.NEW if kind == Kind.IDEA else "",
                post_count=1,
                created_at=now,
                last_activity_at=now,
            )
            post = Post.objects.create(
                thread=thread,
                number=1,
                author=actor,
                body=body,
                html=markdown.render(body),
                client_id=client_id,
                created_at=now,
                status=status,
                status_reason=reason,
            )
            if options is not None:
                created = Poll.objects.create(
                    thread=thread, multiple=options["multiple"], closes_at=options["closes_at"]
                )
                PollOption.objects.bulk_create(
                    PollOption(poll=created, label=label, position=position)
                    for position, label in enumerate(options["options"])
                )
            # Authors watch their threads.
            Subscription.objects.create(user=actor, thread=thread)
            if draft.held:
                activity.record(
                    "thread.held",
                    actor=actor,
                    community=community,
                    obj=thread,
                    kind=kind,
                    post=post.pk,
                    reasons=draft.hold,
                )
            else:
                publish_thread(thread, post)
            screening.written(draft, thread)
    except IntegrityError:
        existing = _existing(actor, client_id, opening=True)
        if existing is None:
            raise
        return _replayed(existing.thread)
    return thread


def publish_thread(thread, post):
    """Show a new thread to everyone: its events and its ``thread.created`` entry.

    For a new thread, and for a held one that a moderator approves (inside the
    caller's transaction).
    """
    activity.record(
        "thread.created",
        actor=thread.author,
        community=thread.community,
        obj=thread,
        kind=thread.kind,
        post=post.pk,
    )
    _publish_post(post, "post.created")
    _publish_thread(thread, "thread.created")


def accept_answer(actor, thread, post):
    """Mark ``post`` as the answer to the question ``thread`` (None takes it back)."""
    permissions.check_accept(actor, thread, post)
    with transaction.atomic():
        thread = _locked_thread(thread)
        if post is not None:
            post = _locked_post(post)
        permissions.check_accept(actor, thread, post)
        previous = thread.accepted_post_id
        thread.accepted_post = post
        thread.save(update_fields=["accepted_post"])
        if previous is not None and previous != getattr(post, "pk", None):
            replaced = Post.objects.only("id", "author_id", "thread_id").get(pk=previous)
            activity.record(
                "answer.cleared",
                actor=actor,
                community=thread.community,
                obj=replaced,
                target_user=replaced.author_id,
                thread=thread.pk,
                reason="replaced" if post is not None else "withdrawn",
            )
        if post is not None and post.pk != previous:
            activity.record(
                "answer.accepted",
                actor=actor,
                community=thread.community,
                obj=post,
                target_user=post.author_id,
                thread=thread.pk,
            )
        _publish_thread(thread, "thread.updated")
    return thread


def set_locked(actor, thread, *, locked, reason=""):
    permissions.check_moderate_thread(actor, thread)
    with transaction.atomic():
        thread = _locked_thread(thread)
        thread.state = Thread.State.LOCKED if locked else Thread.State.OPEN
        thread.save(update_fields=["state"])
        activity.record(
            "thread.locked" if locked else "thread.unlocked",
            actor=actor,
            community=thread.community,
            obj=thread,
            **({"reason": reason} if reason else {}),
        )
        _publish_thread(thread, "thread.updated")
    return thread


def set_pinned(actor, thread, *, pinned, reason=""):
    permissions.check_moderate_thread(actor, thread)
    with transaction.atomic():
        thread = _locked_thread(thread)
        thread.pinned = pinned
        thread.save(update_fields=["pinned"])
        activity.record(
            "thread.pinned" if pinned else "thread.unpinned",
            actor=actor,
            community=thread.community,
            obj=thread,
            **({"reason": reason} if reason else {}),
        )
        _publish_thread(thread, "thread.updated")
    return thread
