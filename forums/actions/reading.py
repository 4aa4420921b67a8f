"""A member's own bookkeeping: how far they have read a thread, what they watch."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from forums import permissions
from forums.models import ReadState, Subscription

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
    permissions.check_watch(actor, community or thread.community)
    target = {"thread": thread} if thread is not None else {"community": community}
    if watching:
        Subscription.objects.get_or_create(user=actor, **target)
    else:
        Subscription.objects.filter(user=actor, **target).delete()
    return watching
