"""Two-factor authentication (allauth's MFA: TOTP and recovery codes) for the people who
moderate: the staff requirement, and the invitation shown to moderators and managers.

- ``MFA_REQUIRED_FOR_STAFF`` (env var of the same name, default off): a signed-in staff
  member without an authenticator app is sent to enrol before anything else
  (``RequireStaffMFAMiddleware``); the API answers 403 ``mfa_required``.
- Moderators and managers without it see a banner inviting them to enrol
  (``forums.moderation.sanctions.context``, with the unread notices, in one query).
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


def has_totp(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _required(user):
    return bool(
        getattr(settings, "MFA_REQUIRED_FOR_STAFF", False)
        and user.is_authenticated
        and user.is_active
        and (user.is_staff or user.is_superuser)
    )


# Where a staff member who must enrol may still go: enrolment itself, signing out and
# back in, confirming an email, the static files.
_OPEN_PREFIXES = ("/accounts/2fa/", "/static/", "/media/", "/i18n/", "/favicon")
_OPEN_ACCOUNT_PAGES = (
    "/accounts/logout/",
    "/accounts/login/",
    "/accounts/reauthenticate/",
    "/accounts/confirm-email/",
)


class RequireStaffMFAMiddleware:
    """Staff without an authenticator app are sent to enrol first (when required)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and _required(user)
            and not self._open(request.path)
            and not has_totp(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": _("Site staff must set up two-factor authentication first."),
                        "code": "mfa_required",
                    },
                    status=403,
                )
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def _open(path):
        return path.startswith(_OPEN_PREFIXES) or path.startswith(_OPEN_ACCOUNT_PAGES)
