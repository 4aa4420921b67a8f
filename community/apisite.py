"""The REST API's frame: ``/api/v1/``, its authentication and its JSON errors.

Every error is ``{"detail": "...", "code": "..."}`` with a 4xx status (or a
logged 500 with the same shape): validation errors, unknown paths, wrong
methods and uncaught exceptions included. Each app adds its router here.

Authentication, tried in order: ``Authorization: Bearer <token>`` (an
invalid or revoked token is a 401, never a fallback to anonymous), then the
browser session (with Django's CSRF check on unsafe methods), then, on
endpoints that allow it, anonymous.
"""

import logging
from typing import Annotated

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Path, Router, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import UserRateThrottle
from ninja.utils import check_csrf

from community.errors import Conflict
from community.models import ApiToken

logger = logging.getLogger(__name__)

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

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "What went wrong, for a program."},
        "errors": {
            "type": "array",
            "description": "Validation errors (422): one per field.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["detail", "code"],
}
ERROR_DESCRIPTIONS = {
    400: "Malformed request: a NUL character in the URL, or a body that is not JSON "
    "(or not multipart/form-data, for uploads).",
    401: "Authentication required, or an invalid or revoked bearer token.",
    403: "Not allowed (see `code`), or a session write without its CSRF token.",
    404: "Not found: missing, or not visible to the caller (the same answer).",
    409: "Conflicts with the current state (see `code`).",
    413: "Request body too large.",
    422: "Invalid input: `errors` lists the fields.",
    429: "Too many requests: retry after `Retry-After` seconds.",
}


def error_statuses(method, operation):
    """The error statuses an operation can answer, from what every operation shares.

    Any caller can send a bad token (401) or too many requests (429); an operation on
    a named object can say 404 and 403; a write can conflict; parameters and bodies
    can be invalid, and bodies malformed or too large.
    """
    params = operation.get("parameters", [])
    names_object = any(p["in"] == "path" for p in params) or any(
        p["in"] == "query" and p["name"] == "community" for p in params
    )
    body = "requestBody" in operation
    write = method in ("post", "put", "patch", "delete")
    statuses = {401, 429}
    if names_object:
        statuses |= {403, 404}
    if write:
        statuses |= {403, 409}
    if params or body:
        statuses.add(422)
    if params or body:
        statuses.add(400)  # a NUL in the URL (RejectNulMiddleware), a malformed body
    if body:
        statuses.add(413)
    return statuses


class BodyNotAnObject(ValueError):
    pass


class ObjectBodyParser(Parser):
    """Every request body of this API is a JSON object.

    ninja validates a body through attribute access, so a number or a string read
    as a schema whose fields are all optional, with their defaults: ``5`` sent to
    ``POST /notifications/read`` marked every notification read. JSON that is not
    an object is a 422 (``on_http_error``), as any other body of the wrong shape.
    """

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyNotAnObject
        return data


class CommunityApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The schema, with the JSON errors of each operation documented (ninja lists
        only the responses of the ``response=`` argument)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for item in schema["paths"].values():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                for status in sorted(error_statuses(method, operation)):
                    documented = responses.setdefault(
                        status, {"description": ERROR_DESCRIPTIONS[status], "content": error}
                    )
                    if status == 429:
                        documented.setdefault("headers", {})["Retry-After"] = {
                            "schema": {"type": "string"},
                            "description": "Seconds to wait.",
                        }
        return schema


api = CommunityApi(
    title=f"{settings.BRAND_NAME} community API",
    version="1",
    description=(
        "Micro-communities, memberships, threads and posts, profiles and KPIs. "
        "Authenticate with `Authorization: Bearer <token>` (see `manage.py create_api_token`) "
        "or the browser session. Errors are JSON `{detail, code}`."
    ),
    urls_namespace="api-v1",
    parser=ObjectBodyParser(),
    auth=MEMBER_AUTH,
    throttle=[UserRateThrottle(settings.API_RATE_LIMIT)],
    docs_url="/docs",
    # Swagger UI's files are served from our static files ("ninja" is an installed app,
    # so ninja renders its local template, not the CDN one). validatorUrl None: no badge
    # image fetched from validator.swagger.io, which would leak the schema's URL.
    docs=Swagger(settings={"validatorUrl": None}),
    openapi_url="/openapi.json",
)


def error(request, status, detail, code=None, **extra):
    return api.create_response(
        request,
        {"detail": detail, "code": code or STATUS_CODES.get(status, "error"), **extra},
        status=status,
    )


def _location(loc):
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "payload")]
    return ".".join(parts) or "body"


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc):
    errors = [
        {"field": _location(item.get("loc", ())), "message": item.get("msg", "")}
        for item in exc.errors
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return error(
        request,
        422,
        _("Invalid input. %(summary)s") % {"summary": summary},
        "invalid",
        errors=errors,
    )


@api.exception_handler(DjangoValidationError)
def on_domain_validation_error(request, exc):
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": "body", "message": message} for message in exc.messages]
    summary = "; ".join(
        e["message"] if e["field"] in ("body", "__all__") else f"{e['field']}: {e['message']}"
        for e in errors[:5]
    )
    return error(request, 422, summary, "invalid", errors=errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    message = exc.message if exc.message != "Unauthorized" else _("Authentication required.")
    response = error(request, 401, message, "not_authenticated")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    if isinstance(exc.__cause__, BodyNotAnObject):  # raised by ObjectBodyParser, wrapped by ninja
        message = _("The request body must be a JSON object.")
        errors = [{"field": "body", "message": message}]
        return error(request, 422, message, "invalid", errors=errors)
    response = error(request, exc.status_code, str(exc.message))
    if exc.status_code == 429:
        response["Retry-After"] = "60"
    return response


@api.exception_handler(Http404)
def on_not_found(request, exc):
    message = str(exc) if exc.args and str(exc) else _("Not found.")
    return error(request, 404, message, "not_found")


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    message = str(exc) or _("You may not do this.")
    return error(request, 403, message, getattr(exc, "code", "forbidden"))


@api.exception_handler(Conflict)
def on_conflict(request, exc):
    return error(request, 409, exc.message, exc.code)


@api.exception_handler(MultiPartParserError)
def on_malformed_multipart(request, exc):
    # A client's mistake (no boundary, an empty one, a truncated body), not ours.
    return error(request, 400, _("The request body is not valid multipart/form-data."))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return error(request, 413, _("The request body is too large."), "too_large")


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    logger.exception("Unhandled API error on %s %s", request.method, request.path)
    return error(request, 500, _("Something went wrong on our side."), "server_error")


def add_routers():
    """Mount every app's router, then the catch-all that answers JSON 404s."""
    from community.api import router as community_router
    from forums.api import router as forums_router
    from forums.api_search import router as search_router

    api.add_router("", community_router)
    api.add_router("", forums_router)
    api.add_router("", search_router)
    api.add_router("", "community.api_tokens.router")

    fallback = Router()

    @fallback.api_operation(
        ["GET", "POST", "PUT", "PATCH", "DELETE"],
        "/{path:rest}",
        include_in_schema=False,
        auth=ANY_AUTH,
    )
    def unknown_path(request, rest: str):
        raise Http404(_("No such API endpoint."))

    api.add_router("", fallback)


add_routers()
