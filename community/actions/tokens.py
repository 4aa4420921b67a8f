"""API bearer tokens: creating one (by the operator or a member for themselves), revoking."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import activity, permissions
from community.models import ApiToken
from community.validators import is_invisible


def create_api_token(actor, user, *, name=""):
    """Create a bearer token for ``user``; return (token, key). The key is shown once.

    The operator's path (``manage.py create_api_token``) and trusted setup: a
    member for themselves, or staff for anyone. Pages and the API call
    ``create_own_api_token``, which applies the member-facing rule first.
    """
    permissions.check_issue_api_token(actor, user)
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
