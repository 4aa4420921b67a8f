"""Invitation links: the signed token an invitation's link carries, its URL, and back.

The mail task builds the link, the invitation page reads it; the verbs that
send, revoke and accept invitations are in ``community.actions.invitations``.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from community.models import Invitation

INVITATION_SALT = "community.invitation"


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
