"""Every change to communities, memberships, invitations, profiles and tokens.

Each function is one verb. It asks ``community.permissions`` whether the
actor may do it (raising ``PermissionDenied``/``Http404`` with a clear
message), validates and writes inside one transaction, records the activity,
and on commit publishes the real-time event and the domain signal. Views,
the API, consumers, commands and tests call these; nothing else saves these
models.
"""

import logging
import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community import activity, permissions, queries, signals
from community.errors import Conflict, Forbidden
from community.models import (
    ApiToken,
    Community,
    Invitation,
    Membership,
    Profile,
    ProfileField,
    ProfileFieldValue,
)
from community.validators import is_invisible
from realtime import publish

logger = logging.getLogger(__name__)
Role = Membership.Role
State = Membership.State
INVITATION_SALT = "community.invitation"


# --- Events -----------------------------------------------------------------


def membership_data(membership):
    return {
        "community": membership.community.slug,
        "username": membership.user.username,
        "role": membership.role,
        "state": membership.state,
    }


def _after_commit(community, user, membership, **change):
    """Count the change, then drop the streams the user lost and signal other apps, once
    committed.

    ``change`` carries actor, previous_state and previous_role for receivers.
    A failing receiver (a badge rule) is logged and cannot undo the write.
    """
    # Every membership change passes here inside its transaction: so it is counted here,
    # by construction, whatever the verb.
    _count_members(community, change["previous_state"], membership and membership.state)
    publish.access_changed_on_commit(user.pk)

    def send():
        responses = signals.membership_changed.send_robust(
            sender=Membership, membership=membership, community=community, user=user, **change
        )
        for receiver, response in responses:
            if isinstance(response, Exception):
                logger.error("membership_changed receiver %r failed", receiver, exc_info=response)

    transaction.on_commit(send)


def _count_members(community, previous_state, state):
    """Keep ``community.member_count`` (active memberships) as a membership goes from
    ``previous_state`` to ``state`` (None: no membership).

    Inside the change's transaction, under the community's row lock that
    ``_membership_change`` takes (a new community's row is its creator's until commit),
    as an F() expression: the count moves with the rows, or not at all.
    """
    delta = (state == State.ACTIVE) - (previous_state == State.ACTIVE)
    if delta:
        Community.objects.filter(pk=community.pk).update(member_count=F("member_count") + delta)
        if "member_count" in vars(community):  # loaded (not deferred): keep it in step
            community.member_count += delta


def _announce(membership, **change):
    """After commit: tell the member, drop streams they lost, signal other apps.

    A person banned from a hidden community they never belonged to is not told:
    that would reveal the community to them.
    """
    community, user = membership.community, membership.user
    is_new = change["previous_state"] is None
    if not is_new or community.visibility != Community.Visibility.HIDDEN:
        publish.send_event_on_commit(
            f"me:{user.pk}", "membership.changed", membership_data(membership)
        )
    if membership.state == State.PENDING and is_new:
        publish.send_event_on_commit(
            f"moderation:{community.slug}", "membership.requested", membership_data(membership)
        )
    _after_commit(community, user, membership, **change)


def _announce_removed(community, user, **change):
    data = {"community": community.slug, "username": user.username, "state": "none"}
    publish.send_event_on_commit(f"me:{user.pk}", "membership.removed", data)
    _after_commit(community, user, None, **change)


@contextmanager
def _membership_change(community, *users):
    """One transaction per membership change, serialised per community.

    Locks the community row first, so that two changes to its memberships
    (two managers demoting each other, a last manager leaving while another
    is demoted) queue instead of both passing their checks. The memberships
    of ``users`` (actor and target) are then read again under that lock:
    what a page cached before the transaction must not decide. On failure
    the cache is dropped, so no rolled-back membership lingers on the object.
    """
    try:
        with transaction.atomic():
            Community.objects.select_for_update().filter(pk=community.pk).first()
            for user in users:
                if user.is_authenticated:
                    _locked_membership(community, user)
            yield
    except BaseException:
        for user in users:
            if user.is_authenticated:
                permissions.forget_membership(community, user)
        # The count this object was kept at may be rolled back: read it again when asked.
        community.__dict__.pop("member_count", None)
        raise


def _locked_membership(community, user):
    """The membership row, locked until commit, also kept as the cached one."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("community", "user")
        .filter(community=community, user=user)
        .first()
    )
    if membership is not None:
        membership.community = community
    permissions.remember_membership(community, user, membership)
    return membership


def _target(community, user):
    membership = permissions.membership_of(user, community)
    if membership is None:
        raise Forbidden(_("This person is not a member of this community."), code="not_a_member")
    return membership


# --- Communities ------------------------------------------------------------


def _validate_choices(**fields):
    choices = {
        "kind": Community.Kind.values,
        "visibility": Community.Visibility.values,
        "join_policy": Community.JoinPolicy.values,
    }
    errors = {
        name: _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices[name])}
        for name, value in fields.items()
        if value is not None and value not in choices[name]
    }
    if errors:
        raise ValidationError(errors)


def create_community(actor, *, slug, name, kind, visibility, join_policy, description=""):
    """Create a community; its creator becomes its first manager. Site staff only."""
    permissions.check_create_community(actor)
    community = Community(
        slug=slug,
        name=name,
        kind=kind,
        visibility=visibility,
        join_policy=join_policy,
        description=description,
        created_by=actor,
    )
    community.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            community.save()
            membership = Membership.objects.create(
                community=community,
                user=actor,
                role=Role.MANAGER,
                state=State.ACTIVE,
                joined_at=timezone.now(),
            )
            activity.record("community.created", actor=actor, community=community, obj=community)
            _announce(membership, actor=actor, previous_state=None, previous_role=None)
            transaction.on_commit(
                lambda: signals.community_created.send_robust(
                    sender=Community, community=community, actor=actor
                )
            )
    except IntegrityError:
        raise Conflict(
            _("A community with the address “%(slug)s” already exists.") % {"slug": slug},
            code="slug_taken",
        ) from None
    return community


def update_community(actor, community, **changes):
    """Change a community's name, description, kind, visibility or join policy. Managers."""
    permissions.check_manage(actor, community)
    allowed = {"name", "description", "kind", "visibility", "join_policy"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    _validate_choices(
        **{k: v for k, v in changes.items() if k in {"kind", "visibility", "join_policy"}}
    )
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        before = {field: getattr(community, field) for field in changes}
        for field, value in changes.items():
            setattr(community, field, value)
        community.full_clean(validate_unique=False)
        community.save(update_fields=[*changes])
        activity.record(
            "community.updated",
            actor=actor,
            community=community,
            obj=community,
            before=before,
            after=changes,
        )
        if "visibility" in changes:
            # Who may read changed: every socket on the community's streams re-checks.
            publish.recheck_community_on_commit(community.slug)
    return community


# --- Joining and leaving ----------------------------------------------------


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


# --- Moderation -------------------------------------------------------------


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


def ban(actor, community, user, *, reason=""):
    """Ban someone from the community, member or not: they can neither read nor rejoin."""
    with _membership_change(community, actor, user):
        membership = permissions.membership_of(user, community)
        if membership is None:
            membership = Membership(community=community, user=user, role=Role.MEMBER)
            previous_state = previous_role = None
        else:
            previous_state, previous_role = membership.state, membership.role
        permissions.check_ban(actor, community, membership)
        if previous_state == State.BANNED:
            return membership
        membership.state = State.BANNED
        membership.role = Role.MEMBER
        membership.ban_reason = reason[:500]
        membership.save()
        permissions.remember_membership(community, user, membership)
        activity.record(
            "membership.banned",
            actor=actor,
            community=community,
            target_user=user,
            obj=membership,
            reason=reason[:500],
        )
        _announce(
            membership, actor=actor, previous_state=previous_state, previous_role=previous_role
        )
    return membership


def unban(actor, community, user):
    """Lift a ban: the person is reinstated as an active member."""
    with _membership_change(community, actor, user):
        membership = _target(community, user)
        permissions.check_unban(actor, community, membership)
        membership.state = State.ACTIVE
        membership.ban_reason = ""
        membership.joined_at = membership.joined_at or timezone.now()
        membership.save(update_fields=["state", "ban_reason", "joined_at", "updated_at"])
        activity.record(
            "membership.unbanned",
            actor=actor,
            community=community,
            target_user=user,
            obj=membership,
        )
        _announce(
            membership, actor=actor, previous_state=State.BANNED, previous_role=membership.role
        )
    return membership


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


def update_member(actor, community, user, *, state=None, role=None):
    """Apply a state and/or role change as the API's PATCH expresses it, all or nothing.

    ``state``: "active" approves a pending request or lifts a ban; "banned"
    bans. ``role``: as ``set_role``. Both may be given; state goes first, and
    if the role change is refused the state change is undone too.
    """
    if state is None and role is None:
        raise ValidationError(_("Give a state or a role to change."))
    if state is not None and state not in (State.ACTIVE, State.BANNED):
        raise ValidationError(
            {
                "state": _("A member's state can be set to “%(active)s” or “%(banned)s”.")
                % {"active": State.ACTIVE, "banned": State.BANNED}
            }
        )
    with _membership_change(community, actor, user):
        membership = permissions.membership_of(user, community)
        if state == State.BANNED:
            membership = ban(actor, community, user)
        elif state == State.ACTIVE:
            if membership is None:
                permissions.check_moderate(actor, community)
                raise Forbidden(
                    _("This person is not a member of this community."), code="not_a_member"
                )
            if membership.state == State.PENDING:
                membership = approve(actor, community, user)
            elif membership.state == State.BANNED:
                membership = unban(actor, community, user)
            else:
                permissions.check_moderate(actor, community)
        if role is not None:
            membership = set_role(actor, community, user, role=role)
    return membership


# --- Invitations ------------------------------------------------------------


def invitation_token(invitation):
    return signing.dumps([invitation.pk, invitation.nonce], salt=INVITATION_SALT)


def invitation_url(invitation):
    return settings.SITE_URL.rstrip("/") + reverse(
        "invitation", args=[invitation_token(invitation)]
    )


def invitation_from_token(token):
    """Return the invitation a link carries, or None if forged, expired or used."""
    max_age = timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    try:
        pk, nonce = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    invitation = Invitation.objects.select_related("community", "invited_by").filter(pk=pk).first()
    if invitation is None or not nonce or not secrets.compare_digest(invitation.nonce, str(nonce)):
        return None
    return invitation if invitation.is_usable else None


def invite(actor, community, *, email):
    """Invite an email address to join; the mail with the link leaves after commit.

    Inviting the same address again replaces the earlier link.
    """
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    permissions.check_invite(actor, community)
    from community.tasks import send_invitation_email

    with transaction.atomic():
        Invitation.objects.filter(
            community=community,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now(), nonce="")
        invitation = Invitation.objects.create(
            community=community,
            email=email,
            invited_by=actor,
            nonce=secrets.token_hex(16),
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
        )
        activity.record(
            "invitation.sent", actor=actor, community=community, obj=invitation, email=email
        )
        transaction.on_commit(lambda: send_invitation_email.enqueue(invitation.pk))
    return invitation


def revoke_invitation(actor, invitation):
    permissions.check_invite(actor, invitation.community)
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.nonce = ""
        invitation.save(update_fields=["revoked_at", "nonce"])
        activity.record(
            "invitation.revoked", actor=actor, community=invitation.community, obj=invitation
        )
    return invitation


def accept_invitation(actor, invitation):
    """Join the invitation's community with it. The link works once."""
    return join(actor, invitation.community, invitation=invitation)


# --- Profiles ---------------------------------------------------------------


def update_profile(
    actor,
    user,
    *,
    display_name=None,
    bio=None,
    language=None,
    time_zone=None,
    avatar=None,
    remove_avatar=False,
    fields=None,
):
    """Change a member's profile. ``avatar`` is an upload, checked and re-encoded here.

    ``fields`` maps ProfileField keys to values ("" clears one).
    """
    if actor.pk != user.pk and not permissions.is_staff(actor):
        raise Forbidden(_("You can only edit your own profile."))
    from community.images import process_avatar

    profile = Profile.objects.get(user=user)
    changed = []
    for name, value in (
        ("display_name", display_name),
        ("bio", bio),
        ("language", language),
        ("time_zone", time_zone),
    ):
        if value is not None:
            setattr(profile, name, value.strip() if name in {"display_name", "bio"} else value)
            changed.append(name)
    if avatar is not None:
        try:
            processed = process_avatar(avatar)
        except ValidationError as error:
            raise ValidationError({"avatar": error.messages}) from None
    profile.full_clean(exclude=["avatar", "user"])
    definitions = {field.key: field for field in ProfileField.objects.all()} if fields else {}
    errors = {}
    for key, value in (fields or {}).items():
        field = definitions.get(key)
        value = (value or "").strip()
        if field is None:
            errors[key] = _("Unknown profile field.")
        elif any(is_invisible(c) for c in value):
            errors[key] = _("Remove the control or invisible characters from this text.")
        elif len(value) > field.max_length:
            errors[key] = ngettext(
                "At most %(n)d character.", "At most %(n)d characters.", field.max_length
            ) % {"n": field.max_length}
        elif value and field.choice_list and value not in field.choice_list:
            errors[key] = _("Choose one of the proposed answers.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if avatar is not None:
            old = profile.avatar.name if profile.avatar else None
            profile.avatar.save(processed.name, processed, save=False)
            changed.append("avatar")
            if old:
                name = old
                transaction.on_commit(lambda: profile.avatar.storage.delete(name))
        elif remove_avatar and profile.avatar:
            name = profile.avatar.name
            profile.avatar = ""
            changed.append("avatar")
            transaction.on_commit(lambda: profile.avatar.storage.delete(name))
        profile.save(update_fields=[*changed, "updated_at"])
        for key, value in (fields or {}).items():
            value = (value or "").strip()
            if value:
                ProfileFieldValue.objects.update_or_create(
                    profile=profile, field=definitions[key], defaults={"value": value}
                )
            else:
                ProfileFieldValue.objects.filter(profile=profile, field=definitions[key]).delete()
        activity.record("profile.updated", actor=actor, target_user=user, fields=changed)
    return profile


# --- API tokens -------------------------------------------------------------


def create_api_token(actor, user, *, name=""):
    """Create a bearer token for ``user``; return (token, key). The key is shown once.

    The operator's path (``manage.py create_api_token``) and trusted setup: a
    member for themselves, or staff for anyone. Pages and the API call
    ``create_own_api_token``, which applies the member-facing rule first.
    """
    if actor.pk != user.pk and not permissions.is_staff(actor):
        raise Forbidden(_("Only site staff can create tokens for other members."))
    key = "bcm_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:80], prefix=key[4:12], key_hash=ApiToken.hash_key(key)
        )
        activity.record("api_token.created", actor=actor, target_user=user, obj=token)
    return token, key


def create_own_api_token(actor, *, name):
    """A member asks for a token on the page or the API: managers and staff only."""
    permissions.check_create_api_token(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Say what the token is for.")]})
    if len(name) > 80 or any(is_invisible(char) for char in name):
        raise ValidationError({"name": [_("Use up to 80 visible characters.")]})
    return create_api_token(actor, actor, name=name)


def revoke_api_token(actor, token, *, via=""):
    """Revoke ``token`` now: its next request is a 401 (the auth reads the row each time).

    Revoking a revoked token changes nothing and records nothing. Tokens never
    authenticate WebSockets (those use the session only), so no socket to close.
    ``via`` names the surface in the activity entry (e.g. the operator's command).
    """
    permissions.check_manage_api_tokens_of(actor, token.user)
    with transaction.atomic():
        # A conditional UPDATE, so two concurrent revocations record one entry.
        now = timezone.now()
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if changed:
            token.revoked_at = now
            activity.record(
                "api_token.revoked",
                actor=actor,
                target_user=token.user,
                obj=token,
                prefix=token.prefix,
                **({"via": via} if via else {}),
            )
        else:
            token.refresh_from_db(fields=["revoked_at"])
    return token
