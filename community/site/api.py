"""The REST API's frame: ``/api/v1/``, its JSON errors and its documented schema.

Every error is ``{"detail": "...", "code": "..."}`` with a 4xx status (or a
logged 500 with the same shape): validation errors, unknown paths, wrong
methods and uncaught exceptions included. The apps' routers are mounted in the
order they registered (``community.apitools.register_router``, from each app's
``AppConfig.ready()``), then the catch-all that answers unknown paths. What the
routers themselves use (authentication, parameter types, ``error``) lives in
``community.apitools``.
"""

import logging

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.throttling import UserRateThrottle

from community.apitools import ANY_AUTH, MEMBER_AUTH, error, registered_routers
from community.errors import Conflict, RateLimited

logger = logging.getLogger(__name__)

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
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for item in schema["paths"].values():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                for status in sorted(error_statuses(method, operation)):
                    documented = responses.setdefault(
                        status, {"description": ERROR_DESCRIPTIONS[status], "content": content}
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


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc):
    response = error(request, 429, str(exc), "rate_limited", retry_after=exc.retry_after)
    response["Retry-After"] = str(exc.retry_after)
    return response


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
    """Mount every app's registered router, then the catch-all that answers JSON 404s."""
    apps.check_apps_ready()  # routers register in AppConfig.ready(): none may be missed
    for router in registered_routers():
        api.add_router("", router)

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
