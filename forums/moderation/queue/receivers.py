"""What brings items to the queue besides flags: the screens' holds and flags, join requests."""

from django.db import transaction
from django.utils import timezone

from community.models import Community, Membership
from forums import screening
from forums.models import Post, Thread
from forums.moderation.queue import actions
from forums.moderation.queue.models import QueueItem

Kind = QueueItem.Kind
State = QueueItem.State


def screened(draft, written):
    """The screening ``after`` hook, inside the writing transaction: a held message
    becomes a HELD item, a flagged one (not held) a FLAGGED item, with the screens'
    reasons. A held message that cannot be queued is not written at all (the hook's
    error undoes the write)."""
    if not (draft.held or draft.flag):
        return
    if isinstance(written, Thread):
        thread, post = written, None
    elif isinstance(written, Post):
        thread, post = written.thread, written
        if draft.what == screening.THREAD:  # a new thread's opening post: the thread's item
            post = None
    else:  # pragma: no cover - the forums write threads and posts only
        return
    subject = getattr(draft.actor, "pk", None)
    if draft.held:
        actions.enqueue(
            draft.community,
            Kind.HELD,
            thread=thread,
            post=post,
            subject=subject,
            reasons=draft.hold,
        )
    else:
        actions.enqueue(
            draft.community,
            Kind.FLAGGED,
            thread=thread,
            post=post,
            subject=subject,
            reasons=draft.flag,
        )


def join_requested(entry):
    """``membership.requested``: the request waits in the queue too."""
    membership = Membership.objects.filter(
        pk=entry.object_id, state=Membership.State.PENDING
    ).first()
    if membership is None:
        return
    community = Community.objects.get(pk=membership.community_id)
    actions.enqueue(
        community,
        Kind.JOIN,
        membership=membership,
        subject=membership.user_id,
        reasons=("join_request",),
    )


def join_decided(entry):
    """A request approved or a pending member banned elsewhere (members page, API): its
    open item is resolved as the decision went, by whoever decided."""
    community = Community.objects.filter(pk=entry.community_id).first()
    if community is None:
        return
    approved = entry.verb == "membership.approved"
    with transaction.atomic():
        items = QueueItem.objects.select_for_update().filter(
            kind=Kind.JOIN, state=State.OPEN, membership_id=entry.object_id
        )
        for item in items:
            _close(community, item, State.APPROVED if approved else State.REJECTED, entry.actor_id)


def membership_deleted(sender, instance, **kwargs):
    """A pending membership deleted (refused elsewhere, withdrawn, removed): close its
    open item inside that transaction, before the cascade would delete it, so that the
    queue keeps the record (the ledger says who did what: ``membership.refused``...)."""
    items = QueueItem.objects.select_for_update().filter(
        kind=Kind.JOIN, state=State.OPEN, membership_id=instance.pk
    )
    for item in items:
        _close(instance.community, item, State.REJECTED, None)


def _close(community, item, state, actor_id):
    now = timezone.now()
    item.state = state
    item.resolved_by_id = actor_id
    item.resolved_at = now
    item.claimed_until = None
    item.membership = None
    item.updated_at = now
    item.save(
        update_fields=[
            "state",
            "resolved_by",
            "resolved_at",
            "claimed_until",
            "membership",
            "updated_at",
        ]
    )
    actions.announce_changed(community, item)
