"""Every change to threads and posts: create, reply, edit, delete, react, accept, vote.

Each verb checks ``forums.permissions``, writes in one transaction (the
thread's row locked, so post numbers follow commit order), records the
activity that KPIs read, and after commit publishes the real-time event.
"""

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community import activity
from community import permissions as community_permissions
from community.errors import Conflict, Forbidden
from community.models import Membership
from community.validators import validate_moment, validate_single_line, validate_text
from forums import markdown, permissions, tasks
from forums.models import (
    IdeaVote,
    Poll,
    PollOption,
    PollVote,
    Post,
    PostImage,
    PostRevision,
    Reaction,
    ReadState,
    Subscription,
    Thread,
)
from realtime import publish

logger = logging.getLogger(__name__)
Kind = Thread.Kind


# --- Shapes shared by events and the API ---------------------------------------


def author_data(user):
    if user is None:
        return None
    return {"username": user.username, "display_name": user.profile.name}


def thread_data(thread):
    return {
        "id": thread.pk,
        "community": thread.community.slug,
        "kind": thread.kind,
        "title": thread.title,
        "author": author_data(thread.author),
        "state": thread.state,
        "pinned": thread.pinned,
        "solved": thread.is_solved,
        "accepted_post": thread.accepted_post_id,
        "idea_status": thread.idea_status or None,
        "vote_count": thread.vote_count,
        "reply_count": thread.reply_count,
        "created_at": thread.created_at.isoformat(),
        "last_activity_at": thread.last_activity_at.isoformat(),
    }


def poll_data(poll, options, my_votes):
    """A poll as ``user`` may see it: counts only once they voted or the poll closed."""
    show = poll.is_closed or bool(my_votes)
    return {
        "multiple": poll.multiple,
        "closes_at": poll.closes_at.isoformat() if poll.closes_at else None,
        "closed": poll.is_closed,
        "voter_count": poll.voter_count if show else None,
        "options": [
            {"id": o.pk, "label": o.label, "votes": o.vote_count if show else None} for o in options
        ],
        "my_votes": sorted(my_votes),
    }


def post_data(post):
    deleted = post.is_deleted
    return {
        "id": post.pk,
        "thread": post.thread_id,
        "number": post.number,
        "author": author_data(post.author),
        "body": "" if deleted else post.body,
        "html": "" if deleted else post.html,
        "reply_to": post.reply_to_id,
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "deleted": deleted,
        "reactions": post.reaction_counts,
    }


def _notify_on_commit(job, *args):
    """Enqueue a notification job once committed; a queue failure loses no write."""

    def enqueue():
        try:
            job.enqueue(*args)
        except Exception:
            logger.exception("Could not enqueue %s%r", job.name, args)

    transaction.on_commit(enqueue)


def _publish_thread(thread, event, *, page=True):
    """Bump the community's thread list; a change also goes to the thread's own page.

    ``page=False`` when the thread page learns of the change otherwise (a reply:
    its ``post.created``), so that every viewer gets one frame for it, not two.
    The thread's stream is numbered before the community's: every action takes
    stream counters in that order (after the thread row), so none deadlock.
    """
    data = thread_data(thread)
    if page and event != "thread.created":
        publish.send_event_on_commit(f"thread:{thread.pk}", "thread.changed", data)
    publish.send_event_on_commit(f"community:{thread.community.slug}", event, data)


def _publish_post(post, event):
    data = _post_as_shown(post)
    if event == "post.created" and data["author"] is not None:
        data["author"].update(_author_standing(post))
    publish.send_event_on_commit(f"thread:{post.thread_id}", event, data, subject=f"post:{post.pk}")


# What a post's events quote of it: replaced in its stored events when it changes.
_POST_CONTENT = ("body", "html", "edited_at", "deleted")
# And once it is deleted: the page shows neither its reactions nor that it was edited.
_TOMBSTONE_CONTENT = (*_POST_CONTENT, "reactions")


def _post_as_shown(post):
    """``post_data`` as the thread page shows the post now: a deleted one is a tombstone."""
    data = post_data(post)
    if post.is_deleted:
        data.update(reactions={}, edited_at=None)
    return data


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


# The roles a post's header names (members need no badge); forums.views shows the same.
STAFFING_ROLES = frozenset({Membership.Role.MODERATOR, Membership.Role.MANAGER})


def _author_standing(post):
    """What the thread page shows next to a post of the author's, for a post added live.

    ``avatar``: the picture's URL or None; ``role``: "moderator" or "manager" in the
    thread's community, None for anyone else.
    """
    author = post.author
    avatar = author.profile.avatar
    # Usually no query: the permission check of the action left it on the community.
    membership = community_permissions.membership_of(author, post.thread.community)
    active = membership is not None and membership.state == Membership.State.ACTIVE
    return {
        "avatar": avatar.url if avatar else None,
        "role": membership.role if active and membership.role in STAFFING_ROLES else None,
    }


# --- Validation -----------------------------------------------------------------


def clean_body(body):
    """Return the stripped body, or raise with a message that says what is wrong."""
    if not isinstance(body, str):
        raise ValidationError({"body": _("Write a message.")})
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a message: it cannot be empty.")})
    limit = settings.FORUMS_MAX_POST_LENGTH
    if len(body) > limit:
        raise ValidationError(
            {"body": _("A message can be at most %(limit)d characters.") % {"limit": limit}}
        )
    try:
        validate_text(body)
    except ValidationError as error:
        raise ValidationError({"body": error.messages}) from None
    return body


def clean_title(title):
    title = (title or "").strip() if isinstance(title, str) else ""
    if not title:
        raise ValidationError({"title": _("Give your thread a title.")})
    if len(title) > 200:
        raise ValidationError({"title": _("A title can be at most 200 characters.")})
    try:
        validate_single_line(title)
    except ValidationError as error:
        raise ValidationError({"title": error.messages}) from None
    return title


def clean_client_id(client_id):
    client_id = client_id or ""
    if not isinstance(client_id, str) or len(client_id) > 64:
        raise ValidationError({"client_id": _("A client_id is a string of at most 64 characters.")})
    return client_id


# A closing time further away is a typo or a probe (year 9999), not a poll.
POLL_LONGEST = timedelta(days=3653)


def clean_poll(poll):
    """Check a new poll's options and rules; return them cleaned."""
    if not isinstance(poll, dict):
        raise ValidationError({"options": _("A poll needs its options.")})
    raw = poll.get("options")
    if not isinstance(raw, list | tuple):
        raise ValidationError({"options": _("A poll needs its options.")})
    options = [o.strip() for o in raw if isinstance(o, str) and o.strip()]
    if not Poll.MIN_OPTIONS <= len(options) <= Poll.MAX_OPTIONS or len(options) != len(raw):
        raise ValidationError(
            {
                "options": _("A poll has %(min)d to %(max)d options, none of them empty.")
                % {"min": Poll.MIN_OPTIONS, "max": Poll.MAX_OPTIONS}
            }
        )
    if len({o.casefold() for o in options}) != len(options):
        raise ValidationError({"options": _("Each option must be different.")})
    for option in options:
        if len(option) > 200:
            raise ValidationError({"options": _("An option can be at most 200 characters.")})
        try:
            validate_single_line(option)
        except ValidationError as error:
            raise ValidationError({"options": error.messages}) from None
    closes_at = poll.get("closes_at")
    if closes_at is not None and (
        not isinstance(closes_at, datetime) or timezone.is_naive(closes_at)
    ):
        raise ValidationError({"closes_at": _("Give the closing time with its time zone.")})
    if closes_at is not None:
        # Range first: comparing with now is safe only for a moment every zone can show.
        try:
            validate_moment(closes_at)
        except ValidationError as error:
            raise ValidationError({"closes_at": error.messages}) from None
        if closes_at <= timezone.now():
            raise ValidationError({"closes_at": _("The closing time must be in the future.")})
        if closes_at > timezone.now() + POLL_LONGEST:
            raise ValidationError(
                {"closes_at": _("A poll stays open at most 10 years: choose an earlier time.")}
            )
    return {"options": options, "multiple": bool(poll.get("multiple")), "closes_at": closes_at}


def _existing(author, client_id, *, thread=None, opening=False):
    """The post this author already made with ``client_id``, if any (a retry).

    A client_id names one submission: reusing it for another thread or for a
    reply instead of a new thread is a client bug, answered with a conflict.
    """
    if not client_id:
        return None
    post = (
        Post.objects.select_related("thread__community")
        .filter(author=author, client_id=client_id)
        .first()
    )
    if post is None:
        return None
    if (opening and post.number != 1) or (thread is not None and post.thread_id != thread.pk):
        raise Conflict(
            _("This client_id was already used for another message."), code="client_id_reused"
        )
    return post


def _replayed(obj):
    """Mark what a retried submission returns, so that callers can say "already done"."""
    obj.replayed = True
    return obj


# --- Threads --------------------------------------------------------------------


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
    now = timezone.now()
    try:
        with transaction.atomic():
            thread = Thread.objects.create(
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
            activity.record(
                "thread.created", actor=actor, community=community, obj=thread, kind=kind
            )
            _notify_on_commit(tasks.notify_post, post.pk)
            _publish_post(post, "post.created")
            _publish_thread(thread, "thread.created")
    except IntegrityError:
        existing = _existing(actor, client_id, opening=True)
        if existing is None:
            raise
        return _replayed(existing.thread)
    return thread


def _locked_thread(thread):
    """The thread row, locked until commit (not its community: other threads go on)."""
    return (
        Thread.objects.select_for_update(of=("self",)).select_related("community").get(pk=thread.pk)
    )


def _locked_post(post):
    """The post row, locked until commit, as it is now (not as the caller last saw it)."""
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("thread__community", "author__profile")
        .get(pk=post.pk)
    )


# --- Posts ----------------------------------------------------------------------


def reply(actor, thread, *, body, reply_to=None, client_id=""):
    """Add a post to ``thread``; the same ``client_id`` from the same author makes one post."""
    permissions.check_reply(actor, thread)
    body, client_id = clean_body(body), clean_client_id(client_id)
    existing = _existing(actor, client_id, thread=thread)
    if existing is not None:
        return _replayed(existing)
    if reply_to is not None and reply_to.thread_id != thread.pk:
        raise ValidationError({"reply_to": _("You can only reply to a post of this thread.")})
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
            )
            thread.post_count += 1
            thread.last_activity_at = now
            fields = ["post_count", "last_activity_at"]
            if thread.first_response_at is None and actor.pk != thread.author_id:
                thread.first_response_at = now
                fields.append("first_response_at")
            thread.save(update_fields=fields)
            activity.record(
                "post.created",
                actor=actor,
                community=thread.community,
                obj=post,
                thread=thread.pk,
                first_response=fields[-1] == "first_response_at",
            )
            _publish_post(post, "post.created")
            _publish_thread(thread, "thread.updated", page=False)
            _notify_on_commit(tasks.notify_post, post.pk)
    except IntegrityError:
        existing = _existing(actor, client_id, thread=thread)
        if existing is None:
            raise
        return _replayed(existing)
    return post


def edit_post(actor, post, *, body):
    """Change a post's text; the previous version is kept in its history."""
    permissions.check_edit_post(actor, post)
    body = clean_body(body)
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
        activity.record("post.edited", actor=actor, community=post.thread.community, obj=post)
        _publish_post(post, "post.edited")
        _rewrite_post_history(post)
    return post


def delete_post(actor, post):
    """Remove a post (soft: a placeholder stays, the history is kept for moderators)."""
    permissions.check_delete_post(actor, post)
    with transaction.atomic():
        post = _locked_post(post)
        permissions.check_delete_post(actor, post)
        post.deleted_at = timezone.now()
        post.save(update_fields=["deleted_at"])
        thread = post.thread
        if thread.accepted_post_id == post.pk:
            thread.accepted_post = None
            thread.save(update_fields=["accepted_post"])
            _publish_thread(thread, "thread.updated")
        activity.record("post.deleted", actor=actor, community=thread.community, obj=post)
        _publish_post(post, "post.deleted")
        _rewrite_post_history(post)
    return post


def react(actor, post, *, kind):
    """Toggle one reaction of ``kind`` by ``actor`` on ``post``; return True if now present."""
    if kind not in Reaction.Kind.values:
        raise ValidationError(
            {"kind": _("Choose one of: %(k)s.") % {"k": ", ".join(Reaction.Kind.values)}}
        )
    permissions.check_react(actor, post)
    with transaction.atomic():
        post = _locked_post(post)
        permissions.check_react(actor, post)
        deleted, _count = Reaction.objects.filter(post=post, user=actor, kind=kind).delete()
        added = not deleted
        if added:
            Reaction.objects.create(post=post, user=actor, kind=kind)
        counts = dict(post.reaction_counts)
        counts[kind] = max(counts.get(kind, 0) + (1 if added else -1), 0)
        post.reaction_counts = {k: v for k, v in counts.items() if v}
        post.save(update_fields=["reaction_counts"])
        Thread.objects.filter(pk=post.thread_id).update(
            reaction_count=F("reaction_count") + (1 if added else -1)
        )
        if added:
            activity.record(
                "reaction.added", actor=actor, community=post.thread.community, obj=post, kind=kind
            )
        _publish_post(post, "post.reacted")
    return added


# --- Questions and ideas ----------------------------------------------------------


def accept_answer(actor, thread, post):
    """Mark ``post`` as the answer to the question ``thread`` (None takes it back)."""
    permissions.check_accept(actor, thread, post)
    with transaction.atomic():
        thread = _locked_thread(thread)
        if post is not None:
            post = _locked_post(post)
        permissions.check_accept(actor, thread, post)
        thread.accepted_post = post
        thread.save(update_fields=["accepted_post"])
        if post is not None:
            activity.record(
                "answer.accepted",
                actor=actor,
                community=thread.community,
                obj=post,
                target_user=post.author,
                thread=thread.pk,
            )
            _notify_on_commit(tasks.notify_accepted, thread.pk, actor.pk)
        _publish_thread(thread, "thread.updated")
    return thread


def vote(actor, thread):
    """Toggle the actor's vote for an idea; return True if the vote is now cast."""
    permissions.check_vote(actor, thread)
    with transaction.atomic():
        thread = _locked_thread(thread)
        deleted, _count = IdeaVote.objects.filter(thread=thread, user=actor).delete()
        added = not deleted
        if added:
            IdeaVote.objects.create(thread=thread, user=actor)
        thread.vote_count = max(thread.vote_count + (1 if added else -1), 0)
        thread.save(update_fields=["vote_count"])
        if added:
            activity.record("idea.voted", actor=actor, community=thread.community, obj=thread)
        _publish_thread(thread, "thread.updated")
    return added


def set_idea_status(actor, thread, *, status, note=""):
    """Move an idea along (new, under review, planned, in progress, done, declined)."""
    if status not in Thread.IdeaStatus.values:
        raise ValidationError(
            {"status": _("Choose one of: %(k)s.") % {"k": ", ".join(Thread.IdeaStatus.values)}}
        )
    permissions.check_set_idea_status(actor, thread)
    note = (note or "").strip()
    validate_text(note)
    limit = Thread._meta.get_field("idea_status_note").max_length
    if len(note) > limit:
        raise ValidationError(
            {"note": _("Keep the note to %(limit)s characters at most.") % {"limit": limit}}
        )
    with transaction.atomic():
        thread = _locked_thread(thread)
        before = thread.idea_status
        thread.idea_status = status
        thread.idea_status_note = note
        thread.save(update_fields=["idea_status", "idea_status_note"])
        activity.record(
            "idea.status_changed",
            actor=actor,
            community=thread.community,
            obj=thread,
            before=before,
            after=status,
        )
        if before != status:
            _notify_on_commit(tasks.notify_idea_status, thread.pk, actor.pk)
        _publish_thread(thread, "thread.updated")
    return thread


def vote_poll(actor, thread, option_ids):
    """Record the actor's answer to a poll, replacing an earlier one until it closes.

    Single choice: exactly one option; multiple: one or more. An empty list
    withdraws the vote.
    """
    permissions.check_vote_poll(actor, thread)
    if not isinstance(option_ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in option_ids
    ):
        raise ValidationError({"options": _("Choose options by their ids.")})
    chosen = set(option_ids)
    with transaction.atomic():
        thread = _locked_thread(thread)
        poll = Poll.objects.select_for_update(of=("self",)).get(thread=thread)
        permissions.check_vote_poll(actor, thread)  # again, under the lock: not closed since
        valid = set(PollOption.objects.filter(poll=poll).values_list("pk", flat=True))
        if not chosen <= valid:
            raise ValidationError({"options": _("These are not options of this poll.")})
        if len(chosen) > 1 and not poll.multiple:
            raise ValidationError({"options": _("This poll takes one answer.")})
        previous = set(
            PollVote.objects.filter(poll=poll, user=actor).values_list("option_id", flat=True)
        )
        if previous == chosen:
            return sorted(chosen)
        PollVote.objects.filter(poll=poll, user=actor).delete()
        PollVote.objects.bulk_create(
            PollVote(poll=poll, option_id=option_id, user=actor) for option_id in chosen
        )
        for option_id in previous - chosen:
            PollOption.objects.filter(pk=option_id).update(vote_count=F("vote_count") - 1)
        for option_id in chosen - previous:
            PollOption.objects.filter(pk=option_id).update(vote_count=F("vote_count") + 1)
        poll.voter_count += (1 if chosen else 0) - (1 if previous else 0)
        poll.save(update_fields=["voter_count"])
        if chosen and not previous:
            activity.record("poll.voted", actor=actor, community=thread.community, obj=thread)
        _publish_thread(thread, "thread.updated")
    return sorted(chosen)


_UNKNOWN = object()


def mark_read(user, thread, number, *, last_read=_UNKNOWN):
    """Remember that ``user`` has read ``thread`` up to post ``number`` (never backwards).

    Bookkeeping rather than a member's act: no activity, no event. Pages call
    it after their response is sent (forums.views), so reading costs no write.
    A caller that has already read the stored position passes it as ``last_read``
    (None: nothing stored yet): reading a page again then costs no query at all,
    and a first visit goes straight to the insert.
    """
    if not user.is_authenticated or number < 1:
        return
    if last_read is not _UNKNOWN and last_read is not None and last_read >= number:
        return
    now = timezone.now()
    behind = ReadState.objects.filter(user=user, thread=thread, last_read_number__lt=number)
    if last_read is not None:  # a position is stored (or may be): move it forward
        if behind.update(last_read_number=number, updated_at=now) or last_read is not _UNKNOWN:
            return  # moved, or another tab has read further meanwhile
        if ReadState.objects.filter(user=user, thread=thread).exists():
            return  # stored and already further
    try:
        with transaction.atomic():
            ReadState.objects.create(
                user=user, thread=thread, last_read_number=number, updated_at=now
            )
    except IntegrityError:  # another tab got there first: keep the furthest
        behind.update(last_read_number=number, updated_at=now)


def watch(actor, *, thread=None, community=None, watching=True):
    """Start or stop watching a thread or a whole community (exactly one of them)."""
    if (thread is None) == (community is None):
        raise ValueError("Watch a thread or a community.")
    community_permissions.check_read(actor, community or thread.community)
    if not actor.is_authenticated:
        raise Forbidden(_("Sign in to watch."), code="not_authenticated")
    target = {"thread": thread} if thread is not None else {"community": community}
    if watching:
        Subscription.objects.get_or_create(user=actor, **target)
    else:
        Subscription.objects.filter(user=actor, **target).delete()
    return watching


# --- Moderation -------------------------------------------------------------------


def set_locked(actor, thread, *, locked):
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
        )
        _publish_thread(thread, "thread.updated")
    return thread


def set_pinned(actor, thread, *, pinned):
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
        )
        _publish_thread(thread, "thread.updated")
    return thread


# --- Images -----------------------------------------------------------------------


def upload_image(actor, community, *, file):
    """Store the picture in ``file``, an upload, for posts in ``community``; return its PostImage.

    The actor must be able to take part in the community (an active member, or
    staff) and, staff apart, have uploaded fewer than ``POST_IMAGES_PER_HOUR``
    images in the last hour (``Forbidden``, code ``rate_limited``). Both are
    checked before the upload is decoded. ``forums.images.process_post_image``
    checks and re-encodes it, raising ``ValidationError`` with a code that says
    why it was refused. The file is written before the row, so that no row
    lacks its file, and removed again if the row is not written.
    """
    from forums import images  # it imports this module (its upload page calls us)

    community_permissions.check_participate(actor, community)
    limit = settings.POST_IMAGES_PER_HOUR
    if not community_permissions.is_staff(actor):
        since = timezone.now() - timedelta(hours=1)
        if PostImage.objects.filter(owner=actor, created_at__gte=since).count() >= limit:
            message = ngettext(
                "You can upload %(count)d image an hour: please wait a little.",
                "You can upload %(count)d images an hour: please wait a little.",
                limit,
            ) % {"count": limit}
            raise Forbidden(message, code="rate_limited")

    processed = images.process_post_image(file)
    image = PostImage(
        key=secrets.token_hex(16),
        community=community,
        owner=actor,
        width=processed.width,
        height=processed.height,
        byte_size=len(processed.data),
    )
    storage = images.storage()
    name = storage.save(image.path, ContentFile(processed.data))
    try:
        with transaction.atomic():
            # Should two keys ever collide, the storage would have renamed the second
            # file and the unique key refuses the row: ``name`` is what to delete.
            image.save()
            activity.record(
                "image.uploaded",
                actor=actor,
                community=community,
                obj=image,
                width=image.width,
                height=image.height,
                bytes=image.byte_size,
            )
    except BaseException:
        storage.delete(name)
        raise
    return image
