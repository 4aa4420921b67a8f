"""Inviting an email address to a community, revoking and accepting the invitation.

The link itself (token, URL, reading it back) is ``community.invitations``.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import activity, permissions
from community.actions.memberships import join
from community.models import Invitation
from community.tasks import send_invitation_email


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
    with transaction.atomic():
        replaced = Invitation.objects.select_for_update().filter(
            community=community,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        for earlier in replaced:  # each withdrawn link is an entry of its own
            activity.record("invitation.revoked", actor=actor, community=community, obj=earlier)
        replaced.update(revoked_at=timezone.now(), nonce="")
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
