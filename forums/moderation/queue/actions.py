"""The write path of the review queue: one function per verb (flags: ``flags``).

- ``enqueue``: add to (or open) the one open item of a thing; called by the flags, the
  screening hook and the join-request receiver (``receivers``).
- ``claim``, ``approve``, ``reject``: a moderator handles an item. A claim is an
  atomic conditional UPDATE, so two moderators never hold the same item; it lasts
  ``QueueSettings.claim_minutes`` and the holder's new claim extends it.
- ``configure``: a manager sets the queue's threshold and claim duration.

Locks are always taken content first (the thread row, then the post row, as the
forums' moderation actions take them), then the queue item, so that a flag arriving
while a moderator rejects the same post cannot deadlock.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from community import activity, permissions
from community.errors import Conflict
from forums.models import Post, Status, Thread
from forums.moderation import notices
from forums.moderation.models import Notice
from forums.moderation.queue.models import Flag, QueueItem, QueueSettings
from realtime import publish

Kind = QueueItem.Kind
State = QueueItem.State
Outcome = Flag.Outcome

REASON_MAX = 500


def settings_for(community):
    return QueueSettings.of(community)


# --- The queue -----------------------------------------------------------------------


def _one_open(kind, thread, post, membership):
    queryset = QueueItem.objects.filter(kind=kind, state=State.OPEN)
    if membership is not None:
        return queryset.filter(membership=membership)
    if post is not None:
        return queryset.filter(post=post)
    return queryset.filter(thread=thread, post__isnull=True)


def enqueue(
    community,
    kind,
    *,
    thread=None,
    post=None,
    membership=None,
    subject=None,
    reasons=(),
    weight=0,
):
    """Add ``reasons`` and ``weight`` to the one open item of the thing, opening it if
    there is none; return it. Publishes ``queue.changed`` after commit.

    Call inside the writing transaction (the screening hook, a flag), or alone.
    """
    if post is not None and thread is None:
        thread = post.thread
    subject_id = getattr(subject, "pk", subject)
    with transaction.atomic():
        item = _one_open(kind, thread, post, membership).select_for_update().first()
        if item is None:
            try:
                with transaction.atomic():
                    item = QueueItem.objects.create(
                        community=community,
                        kind=kind,
                        thread=thread,
                        post=post,
                        membership=membership,
                        subject_id=subject_id,
                        reasons=list(dict.fromkeys(reasons)),
                        weight=weight,
                    )
            except IntegrityError:  # opened by another writer meanwhile: add to theirs
                item = _one_open(kind, thread, post, membership).select_for_update().get()
            else:
                announce_changed(community, item)
                return item
        item.reasons = list(dict.fromkeys([*item.reasons, *reasons]))
        item.weight = item.weight + weight
        item.updated_at = timezone.now()
        item.save(update_fields=["reasons", "weight", "updated_at"])
        announce_changed(community, item)
    return item


def announce_changed(community, item):
    publish.send_event_on_commit(
        f"moderation:{community.slug}",
        "queue.changed",
        {
            "id": item.pk,
            "kind": item.kind,
            "state": item.state,
            "weight": item.weight,
            "claimed_by": _holder_name(item),
        },
    )


def _holder_name(item):
    if item.claimed_by_id is None or not _held(item):
        return None
    return item.claimed_by.username


def _held(item, now=None):
    return item.claimed_until is not None and item.claimed_until > (now or timezone.now())


def _claimed_conflict(item):
    until = formats.date_format(timezone.localtime(item.claimed_until), "TIME_FORMAT")
    return Conflict(
        _("%(name)s is handling this item until %(time)s: choose another one.")
        % {"name": item.claimed_by.username, "time": until},
        code="claimed",
    )


def _resolved_conflict():
    return Conflict(_("This item was already handled."), code="resolved")


def claim(actor, item):
    """Take ``item`` for the community's claim duration; the holder's claim extends.

    One conditional UPDATE decides: of two moderators claiming at once, one row
    changes and the other gets 409 (``Conflict``, code ``claimed``).
    """
    community = item.community
    permissions.check_handle_queue(actor, community)
    minutes = settings_for(community).claim_minutes
    with transaction.atomic():
        now = timezone.now()
        before = (
            QueueItem.objects.filter(pk=item.pk).values_list(
                "claimed_by__username", "claimed_until"
            )
        ).first()
        until = now + timedelta(minutes=minutes)
        taken = (
            QueueItem.objects.filter(pk=item.pk, state=State.OPEN)
            .filter(Q(claimed_by__isnull=True) | Q(claimed_until__lte=now) | Q(claimed_by=actor))
            .update(claimed_by=actor, claimed_until=until, updated_at=now)
        )
        if not taken:
            current = QueueItem.objects.select_related("claimed_by").get(pk=item.pk)
            if current.state != State.OPEN:
                raise _resolved_conflict()
            raise _claimed_conflict(current)
        item.refresh_from_db()
        previous = before[0] if before and before[1] and before[1] > now else None
        activity.record(
            "queue.claimed",
            actor=actor,
            community=community,
            target_user=item.subject_id,
            obj=item,
            kind=item.kind,
            reason="",
            before=previous,
            after=actor.username,
            until=until.isoformat(),
        )
        announce_changed(community, item)
    return item


def _lock_for_decision(actor, item):
    """Lock the item's content, then the item; check it is open and not someone else's."""
    if item.thread_id is not None:
        Thread.objects.select_for_update().filter(pk=item.thread_id).first()
    if item.post_id is not None:
        Post.objects.select_for_update().filter(pk=item.post_id).first()
    locked = QueueItem.objects.select_for_update().filter(pk=item.pk).first()
    if locked is None or locked.state != State.OPEN:
        raise _resolved_conflict()
    if locked.claimed_by_id not in (None, actor.pk) and _held(locked):
        locked = QueueItem.objects.select_related("claimed_by").get(pk=item.pk)
        raise _claimed_conflict(locked)
    return QueueItem.objects.select_related(
        "community", "thread", "post__thread", "membership__user", "subject"
    ).get(pk=item.pk)


def approve(actor, item, *, reason=""):
    """Approve ``item``: publish held content, dismiss the flags (restoring what they hid),
    or accept a request to join. The actor must hold the claim, or it must be free."""
    return _decide(actor, item, State.APPROVED, reason)


def reject(actor, item, *, reason):
    """Reject ``item`` with a ``reason`` the author is told: refuse held content, uphold
    the flags (hiding the content), or refuse a request to join."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason the author will read.")})
    return _decide(actor, item, State.REJECTED, reason)


def _decide(actor, item, state, reason):
    community = item.community
    permissions.check_handle_queue(actor, community)
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX}}
        )
    with transaction.atomic():
        locked = _lock_for_decision(actor, item)
        approved = state == State.APPROVED
        if locked.kind == Kind.HELD:
            _decide_held(actor, locked, approved, reason)
        elif locked.kind == Kind.FLAGGED:
            _decide_flagged(actor, locked, approved, reason)
        else:
            _decide_join(actor, locked, approved, reason)
        now = timezone.now()
        locked.state = state
        locked.resolved_by = actor
        locked.resolved_at = now
        locked.resolution_reason = reason
        locked.claimed_by = actor
        locked.claimed_until = None
        locked.updated_at = now
        locked.save(
            update_fields=[
                "state",
                "resolved_by",
                "resolved_at",
                "resolution_reason",
                "claimed_by",
                "claimed_until",
                "updated_at",
                "membership",
            ]
        )
        activity.record(
            "queue.approved" if approved else "queue.rejected",
            actor=actor,
            community=community,
            target_user=locked.subject_id,
            obj=locked,
            kind=locked.kind,
            reason=reason,
            before=State.OPEN,
            after=state,
        )
        announce_changed(community, locked)
    item.__dict__.update(
        {k: getattr(locked, k) for k in ("state", "resolved_by_id", "resolved_at", "claimed_until")}
    )
    return locked


def _decide_held(actor, item, approved, reason):
    from forums import actions as content

    target = item.post if item.post_id is not None else item.thread
    if target is None:
        raise _resolved_conflict()
    if approved:
        content.approve_held(actor, target, reason=reason)
    else:
        content.reject_held(actor, target, reason=reason)


def _decide_flagged(actor, item, approved, reason):
    from forums import actions as content

    now = timezone.now()
    flags = Flag.objects.filter(thread_id=item.thread_id, outcome=Outcome.OPEN)
    flags = flags.filter(post_id=item.post_id) if item.post_id else flags.filter(post__isnull=True)
    flags.update(outcome=Outcome.DISMISSED if approved else Outcome.UPHELD, resolved_at=now)
    post = item.post
    if item.post_id is None and item.auto_hidden:
        post = Post.objects.filter(thread_id=item.thread_id, number=1).first()
    if approved:
        if item.auto_hidden and post is not None and post.status == Status.HIDDEN:
            content.restore_post(actor, post, reason=reason)
        return
    if item.post_id is None:
        thread = item.thread
        if thread is not None and thread.status == Status.PUBLISHED:
            content.hide_thread(actor, thread, reason=reason)
        return
    if post is None:  # the post is gone: nothing is left to hide, the item just resolves
        return
    if post.status == Status.PUBLISHED:
        content.hide_post(actor, post, reason=reason)
    elif post.author_id is not None:
        # Hidden already (by the flags' weight): the author hears the moderator's reason.
        notices.tell(
            post.author_id,
            Notice.Kind.HIDDEN,
            reason,
            community=item.community,
            thread=post.thread,
            post=post,
            actor=actor,
        )


def _decide_join(actor, item, approved, reason):
    from community import actions as community_actions

    membership = item.membership
    if membership is None:
        raise _resolved_conflict()
    user, community = membership.user, item.community
    # Refusing deletes the membership (and, by cascade, an item still pointing at it).
    item.membership = None
    item.save(update_fields=["membership"])
    if approved:
        community_actions.approve(actor, community, user)
        text = _("Your request to join %(name)s was accepted.") % {"name": community.name}
        kind = Notice.Kind.APPROVED
    else:
        community_actions.refuse(actor, community, user)
        text = _("Your request to join %(name)s was refused.") % {"name": community.name}
        kind = Notice.Kind.REJECTED
    if reason:
        text = f"{text} {reason}"
    notices.tell(user, kind, text, community=community, actor=actor)


# --- Settings --------------------------------------------------------------------------


def configure(actor, community, *, hide_threshold=None, claim_minutes=None):
    """Set the community's queue settings (managers, staff); return them."""
    permissions.check_configure_queue(actor, community)
    with transaction.atomic():
        current, _created = QueueSettings.objects.select_for_update().get_or_create(
            community=community
        )
        before = {"hide_threshold": current.hide_threshold, "claim_minutes": current.claim_minutes}
        if hide_threshold is not None:
            current.hide_threshold = float(hide_threshold)
        if claim_minutes is not None:
            current.claim_minutes = int(claim_minutes)
        current.full_clean(exclude=["community"])
        after = {"hide_threshold": current.hide_threshold, "claim_minutes": current.claim_minutes}
        if after == before:
            return current
        current.save()
        activity.record(
            "queue.configured",
            actor=actor,
            community=community,
            obj=current,
            before=before,
            after=after,
        )
    return current
