"""Sanctions on members: silence in a community, suspend an account site-wide, until a
date; and the worker's side of every end date (``lift_expired_*``).

A ban is a membership state (``memberships.ban``); a silence keeps the membership and
makes it read-only; a suspension makes the account read-only everywhere. Each records
its entry with the ``reason`` and the ``before``/``after`` end dates; the member is
told by moderation's receivers (``forums.moderation.sanctions.receivers``).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community import activity, permissions
from community.actions._common import _future, _iso, _lift_when_due, _membership_change, _target
from community.errors import Forbidden
from community.models import Membership, User

State = Membership.State


def silence(actor, community, user, *, until, reason=""):
    """Make an active member read-only in the community until ``until``.

    Silencing again changes the end date (``before``/``after`` in the entry). The member
    is told (a notice, written by moderation's receiver of ``membership.silenced``).
    """
    if until is None:
        raise ValidationError({"silenced_until": _("Give the silence's end date.")})
    _future(until, "silenced_until")
    with _membership_change(community, actor, user):
        membership = _target(community, user)
        permissions.check_sanction(actor, community, membership)
        if membership.state != State.ACTIVE:
            raise Forbidden(_("Only active members can be silenced."), code="not_active")
        before = permissions.silenced_until(membership)
        if before == until:
            return membership
        membership.silenced_until = until
        membership.silence_reason = reason[:500]
        membership.save(update_fields=["silenced_until", "silence_reason", "updated_at"])
        activity.record(
            "membership.silenced",
            actor=actor,
            community=community,
            target_user=user,
            obj=membership,
            reason=reason[:500],
            before=_iso(before),
            after=_iso(until),
        )
    return membership


def unsilence(actor, community, user, *, reason=""):
    """Lift a member's silence before its end date."""
    with _membership_change(community, actor, user):
        membership = _target(community, user)
        permissions.check_moderate(actor, community)
        if permissions.silenced_until(membership) is None:
            raise Forbidden(_("This member is not silenced."), code="not_silenced")
        _unsilence(membership, actor=actor, reason=reason[:500])
    return membership


def _unsilence(membership, *, actor, reason="", expired=False):
    before = membership.silenced_until
    membership.silenced_until = None
    membership.silence_reason = ""
    membership.save(update_fields=["silenced_until", "silence_reason", "updated_at"])
    extra = {"expired": True} if expired else {}
    activity.record(
        "membership.unsilenced",
        actor=actor,
        community=membership.community,
        target_user=membership.user,
        obj=membership,
        reason=reason,
        before=_iso(before),
        **extra,
    )


def lift_expired_silence(membership_id, now):
    """Clear a silence whose end date has come, if it is still due. True if lifted."""
    return _lift_when_due(
        membership_id,
        lambda m: m.silenced_until is not None and m.silenced_until <= now,
        lambda m: _unsilence(m, actor=None, expired=True),
    )


def suspend(actor, user, *, until, reason=""):
    """Suspend an account site-wide until ``until``: it reads, it takes part nowhere.

    Site staff only; staff cannot be suspended. Suspending again changes the end date.
    """
    if until is None:
        raise ValidationError({"suspended_until": _("Give the suspension's end date.")})
    _future(until, "suspended_until")
    permissions.check_suspend(actor, user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = permissions.suspended_until(locked)
        if before == until:
            return locked
        locked.suspended_until = until
        locked.suspension_reason = reason[:500]
        locked.save(update_fields=["suspended_until", "suspension_reason"])
        activity.record(
            "user.suspended",
            actor=actor,
            target_user=locked,
            obj=locked,
            reason=reason[:500],
            before=_iso(before),
            after=_iso(until),
        )
    user.suspended_until, user.suspension_reason = locked.suspended_until, locked.suspension_reason
    return locked


def unsuspend(actor, user, *, reason=""):
    """Lift a suspension before its end date (site staff)."""
    permissions.check_suspend(actor, user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if permissions.suspended_until(locked) is None:
            raise Forbidden(_("This account is not suspended."), code="not_suspended")
        _unsuspend(locked, actor=actor, reason=reason[:500])
    user.suspended_until, user.suspension_reason = None, ""
    return locked


def _unsuspend(user, *, actor, reason="", expired=False):
    before = user.suspended_until
    user.suspended_until = None
    user.suspension_reason = ""
    user.save(update_fields=["suspended_until", "suspension_reason"])
    extra = {"expired": True} if expired else {}
    activity.record(
        "user.unsuspended",
        actor=actor,
        target_user=user,
        obj=user,
        reason=reason,
        before=_iso(before),
        **extra,
    )


def lift_expired_suspension(user_id, now):
    """The worker's side of a suspension's end date. True if lifted."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None or user.suspended_until is None or user.suspended_until > now:
            return False
        _unsuspend(user, actor=None, expired=True)
    return True
