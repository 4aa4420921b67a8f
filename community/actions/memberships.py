"""Joining, leaving and moderating memberships: request, approve, refuse, remove, ban, roles;
sanctions: silence, ban or suspend until a date, and their lifting at that date.

Each change runs in ``_membership_change`` (the community's row locked) and
ends with ``_announce`` or ``_announce_removed`` (count, events, streams re-checked).
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from community import activity, permissions, queries
from community.actions._common import (
    _announce,
    _announce_removed,
    _future,
    _iso,
    _lift_when_due,
    _membership_change,
    _target,
)
from community.actions.sanctions import silence, unsilence
from community.errors import Forbidden
from community.models import Community, Invitation, Membership

Role = Membership.Role
State = Membership.State


def join(actor, community, *, invitation=None):
    """Join ``community`` per its policy and return the membership.

    Open: active at once. On request: pending until a moderator approves.
    By invitation: only with a usable invitation, passed in or found for one
    of the actor's verified email addresses. An invitation also skips
    approval, and opens a hidden community to the person it was sent to.
    """
    if invitation is None and community.join_policy != Community.JoinPolicy.OPEN:
        invitation = queries.usable_invitation_for(actor, community)
    if invitation is not None and (
        invitation.community_id != community.pk or not invitation.is_usable
    ):
        raise Forbidden(_("This invitation is no longer valid."), code="invalid_invitation")
    with _membership_change(community, actor):
        permissions.check_join(actor, community, invitation=invitation)
        now = timezone.now()
        if invitation is not None:
            # Conditional, so that of two people racing with one link only one gets in.
            used = Invitation.objects.filter(
                pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
            ).update(accepted_at=now, accepted_by=actor, nonce="")
            if not used:
                raise Forbidden(_("This invitation is no longer valid."), code="invalid_invitation")
        direct = (
            invitation is not None
            or community.join_policy == Community.JoinPolicy.OPEN
            or permissions.is_staff(actor)
        )
        membership = Membership.objects.create(
            community=community,
            user=actor,
            role=Role.MEMBER,
            state=State.ACTIVE if direct else State.PENDING,
            joined_at=now if direct else None,
        )
        permissions.remember_membership(community, actor, membership)
        activity.record(
            "membership.joined" if direct else "membership.requested",
            actor=actor,
            community=community,
            target_user=actor,
            obj=membership,
            invited=invitation is not None,
        )
        _announce(membership, actor=actor, previous_state=None, previous_role=None)
    return membership


def leave(actor, community):
    """Leave a community, or withdraw a pending request. A ban is not left."""
    with _membership_change(community, actor):
        permissions.check_leave(actor, community)
        membership = permissions.membership_of(actor, community)
        if membership.role == Role.MANAGER and membership.state == State.ACTIVE:
            active = Membership.objects.filter(community=community, state=State.ACTIVE).exclude(
                pk=membership.pk
            )
            if active.exists() and not active.filter(role=Role.MANAGER).exists():
                raise Forbidden(
                    _("You are this community's last manager: appoint another manager first."),
                    code="last_manager",
                )
        previous_state, previous_role = membership.state, membership.role
        membership.delete()
        permissions.remember_membership(community, actor, None)
        activity.record("membership.left", actor=actor, community=community, target_user=actor)
        _announce_removed(
            community,
            actor,
            actor=actor,
            previous_state=previous_state,
            previous_role=previous_role,
        )


def approve(actor, community, user):
    """Accept a pending request to join."""
    with _membership_change(community, actor, user):
        membership = _target(community, user)
        permissions.check_review_request(actor, community, membership)
        membership.state = State.ACTIVE
        membership.joined_at = timezone.now()
        membership.save(update_fields=["state", "joined_at", "updated_at"])
        activity.record(
            "membership.approved",
            actor=actor,
            community=community,
            target_user=user,
            obj=membership,
        )
        _announce(
            membership, actor=actor, previous_state=State.PENDING, previous_role=membership.role
        )
    return membership


def refuse(actor, community, user):
    """Turn down a pending request to join."""
    with _membership_change(community, actor, user):
        membership = _target(community, user)
        permissions.check_review_request(actor, community, membership)
        membership.delete()
        permissions.remember_membership(community, user, None)
        activity.record("membership.refused", actor=actor, community=community, target_user=user)
        _announce_removed(
            community,
            user,
            actor=actor,
            previous_state=State.PENDING,
            previous_role=membership.role,
        )


def remove(actor, community, user):
    """Remove a member without banning them (they may join again per the policy)."""
    with _membership_change(community, actor, user):
        membership = _target(community, user)
        if membership.state == State.PENDING:
            permissions.check_review_request(actor, community, membership)
        else:
            permissions.check_ban(actor, community, membership)
        previous_state, previous_role = membership.state, membership.role
        membership.delete()
        permissions.remember_membership(community, user, None)
        activity.record("membership.removed", actor=actor, community=community, target_user=user)
        _announce_removed(
            community,
            user,
            actor=actor,
            previous_state=previous_state,
            previous_role=previous_role,
        )


def ban(actor, community, user, *, reason="", until=None):
    """Ban someone from the community, member or not: they can neither read nor rejoin.

    ``until``: the ban's end date (the worker lifts it then, ``lift_expired_ban``), or
    None for a ban without end. Banning someone already banned changes the end date
    (an entry with ``before``/``after``) or does nothing if it is the same.
    """
    _future(until, "banned_until")
    reason = reason[:500]
    with _membership_change(community, actor, user):
        membership = permissions.membership_of(user, community)
        if membership is None:
            membership = Membership(community=community, user=user, role=Role.MEMBER)
            previous_state = previous_role = None
        else:
            previous_state, previous_role = membership.state, membership.role
        permissions.check_ban(actor, community, membership)
        if previous_state == State.BANNED:
            if membership.banned_until == until:
                return membership
            before = membership.banned_until
            membership.banned_until = until
            if reason:
                membership.ban_reason = reason
            membership.save(update_fields=["banned_until", "ban_reason", "updated_at"])
            activity.record(
                "membership.banned",
                actor=actor,
                community=community,
                target_user=user,
                obj=membership,
                reason=reason,
                until=_iso(until),
                before=_iso(before),
                after=_iso(until),
            )
            return membership
        membership.state = State.BANNED
        membership.role = Role.MEMBER
        membership.ban_reason = reason
        membership.banned_until = until
        membership.silenced_until = None
        membership.silence_reason = ""
        membership.save()
        permissions.remember_membership(community, user, membership)
        activity.record(
            "membership.banned",
            actor=actor,
            community=community,
            target_user=user,
            obj=membership,
            reason=reason,
            until=_iso(until),
            before=previous_state,
            after=State.BANNED,
        )
        _announce(
            membership, actor=actor, previous_state=previous_state, previous_role=previous_role
        )
    return membership


def unban(actor, community, user, *, reason=""):
    """Lift a ban: the person is reinstated as an active member."""
    with _membership_change(community, actor, user):
        membership = _target(community, user)
        permissions.check_unban(actor, community, membership)
        _reinstate(membership, actor=actor, reason=reason[:500])
    return membership


def _reinstate(membership, *, actor, reason="", expired=False):
    community, user = membership.community, membership.user
    before = membership.banned_until
    membership.state = State.ACTIVE
    membership.ban_reason = ""
    membership.banned_until = None
    membership.joined_at = membership.joined_at or timezone.now()
    membership.save(
        update_fields=["state", "ban_reason", "banned_until", "joined_at", "updated_at"]
    )
    extra = {"expired": True} if expired else {}
    activity.record(
        "membership.unbanned",
        actor=actor,
        community=community,
        target_user=user,
        obj=membership,
        reason=reason,
        before=_iso(before),
        **extra,
    )
    _announce(membership, actor=actor, previous_state=State.BANNED, previous_role=membership.role)


def lift_expired_ban(membership_id, now):
    """Lift a ban whose end date has come, if it is still due. True if lifted."""
    return _lift_when_due(
        membership_id,
        lambda m: m.state == State.BANNED and m.banned_until is not None and m.banned_until <= now,
        lambda m: _reinstate(m, actor=None, expired=True),
    )


def set_role(actor, community, user, *, role):
    """Make an active member a member, moderator or manager. Managers only."""
    if role not in Role.values:
        raise ValidationError(
            {"role": _("Choose one of: %(choices)s.") % {"choices": ", ".join(Role.values)}}
        )
    with _membership_change(community, actor, user):
        membership = _target(community, user)
        permissions.check_set_role(actor, community, membership, role)
        previous_role = membership.role
        if previous_role == role:
            return membership
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        activity.record(
            "membership.role_changed",
            actor=actor,
            community=community,
            target_user=user,
            obj=membership,
            before=previous_role,
            after=role,
        )
        _announce(
            membership, actor=actor, previous_state=membership.state, previous_role=previous_role
        )
    return membership


UNSET = object()


def update_member(
    actor,
    community,
    user,
    *,
    state=None,
    role=None,
    reason="",
    silenced_until=UNSET,
    banned_until=UNSET,
):
    """Apply a state, role and/or sanction change as the API's PATCH expresses it, all or
    nothing.

    ``state``: "active" approves a pending request or lifts a ban; "banned"
    bans. ``role``: as ``set_role``. ``banned_until``: a date bans until then (or moves
    the end of a ban), None lifts a ban. ``silenced_until``: a date silences until then,
    None lifts a silence. ``reason`` goes with the ban or silence. State goes first, then
    the sanctions, then the role; if one is refused the others are undone too.
    """
    if state is None and role is None and silenced_until is UNSET and banned_until is UNSET:
        raise ValidationError(_("Give a state, a role or a sanction to change."))
    if state is not None and state not in (State.ACTIVE, State.BANNED):
        raise ValidationError(
            {
                "state": _("A member's state can be set to “%(active)s” or “%(banned)s”.")
                % {"active": State.ACTIVE, "banned": State.BANNED}
            }
        )
    if state == State.ACTIVE and banned_until not in (UNSET, None):
        raise ValidationError({"banned_until": _("A member cannot be reinstated and banned.")})
    with _membership_change(community, actor, user):
        membership = permissions.membership_of(user, community)
        if state == State.BANNED or banned_until not in (UNSET, None):
            until = None if banned_until is UNSET else banned_until
            membership = ban(actor, community, user, reason=reason, until=until)
        elif state == State.ACTIVE or banned_until is None:
            if membership is None:
                permissions.check_moderate(actor, community)
                raise Forbidden(
                    _("This person is not a member of this community."), code="not_a_member"
                )
            if membership.state == State.PENDING and state == State.ACTIVE:
                membership = approve(actor, community, user)
            elif membership.state == State.BANNED:
                membership = unban(actor, community, user, reason=reason)
            else:
                permissions.check_moderate(actor, community)
        if silenced_until is not UNSET:
            if silenced_until is None:
                membership = unsilence(actor, community, user, reason=reason)
            else:
                membership = silence(actor, community, user, until=silenced_until, reason=reason)
        if role is not None:
            membership = set_role(actor, community, user, role=role)
    return membership
