"""What every app's API router builds on: authentication, parameter types, the error shape,
and the one place where apps register their routers.

Authentication, tried in order: ``Authorization: Bearer <token>`` (an
invalid or revoked token is a 401, never a fallback to anonymous), then the
browser session (with Django's CSRF check on unsafe methods), then, on
endpoints that allow it, anonymous.

Each app registers its routers from its ``AppConfig.ready()`` with
``register_router``; the site's API frame (``community.site.api``) mounts
``registered_routers()`` under ``/api/v1/`` in that order, then its catch-all
JSON 404. Routers import from here, never from the site.
"""

from typing import Annotated

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import BaseModel, ConfigDict

from community.models import ApiToken

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
}

# Every id that reaches the database fits its 64-bit column: a larger number is a 422,
# never a query that the database refuses (SQLite cannot even bind it).
MAX_ID = 2**63 - 1
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
# Path parameters that name a community or a member, as their model fields allow.
Slug = Annotated[str, Path(..., max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")]
Username = Annotated[str, Path(..., max_length=150, pattern=r"^[\w.@+-]+$")]


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        token_row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), revoked_at__isnull=True)
            .first()
        )
        if token_row is None or not token_row.user.is_active:
            raise AuthenticationError(401, _("Invalid or revoked API token."))
        now = timezone.now()
        if token_row.last_used_at is None or (now - token_row.last_used_at).total_seconds() > 60:
            # Bookkeeping, at most once a minute per token; not a domain change.
            ApiToken.objects.filter(pk=token_row.pk).update(last_used_at=now)
        request.user = token_row.user
        return token_row.user


class SessionAuth(APIKeyCookie):
    """The browser's session. Anonymous falls through; CSRF is checked on writes."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        return request.user


class Anonymous:
    """Lets a request through unauthenticated, on endpoints anyone may read."""

    def __call__(self, request):
        return "anonymous"


bearer_auth = BearerTokenAuth()
session_auth = SessionAuth()
MEMBER_AUTH = [bearer_auth, session_auth]
ANY_AUTH = [bearer_auth, session_auth, Anonymous()]

# The API's renderer (ninja's default, which the site's frame keeps).
_renderer = JSONRenderer()


def error(request, status, detail, code=None, **extra):
    """The API's error answer: ``{"detail", "code", **extra}`` with ``status``.

    ``code`` defaults to the status's own (``STATUS_CODES``). Rendered as the
    API renders every answer, so an operation may return it as it is.
    """
    data = {"detail": detail, "code": code or STATUS_CODES.get(status, "error"), **extra}
    return HttpResponse(
        _renderer.render(request, data, response_status=status),
        status=status,
        content_type=f"{_renderer.media_type}; charset={_renderer.charset}",
    )


# --- Payloads other apps add keys to ----------------------------------------------------


class Extensible(BaseModel):
    """A response object that other apps add keys to (``community.facets``): the keys
    it declares are documented and checked, the others pass through. (ninja's ``Schema``
    would drop them: it reads only the fields it declares.)"""

    model_config = ConfigDict(extra="allow")


# --- Routers: registered by each app, mounted by the site --------------------------

_routers = []
_mounted = [False]


def register_router(router):
    """Have the site's API mount ``router`` (a ninja ``Router`` or its dotted path).

    Call from ``AppConfig.ready()``: routers are mounted in registration order,
    which is ``INSTALLED_APPS`` order. Registering the same router again is a
    no-op (``ready()`` runs again when a test swaps ``INSTALLED_APPS``); a new
    one after the API was mounted is refused, since it would never be served.
    """
    if not isinstance(router, (Router, str)):
        raise TypeError(f"register_router() takes a ninja Router or a dotted path, not {router!r}.")
    if router in _routers:
        return
    if _mounted[0]:
        raise ImproperlyConfigured(
            f"API router {router!r} registered after the API was mounted: "
            "register it from its app's AppConfig.ready()."
        )
    _routers.append(router)


def registered_routers():
    """The routers to mount, in registration order. Called once, by the site's API frame."""
    _mounted[0] = True
    return list(_routers)
