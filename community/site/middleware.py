"""The site's own middlewares (their order is ``settings.MIDDLEWARE``'s).

Security headers, NUL-free URLs, JSON errors under /api/, and the member's own
language and time zone, read from the session (``community.preferences``).
Each class says where it must stand.
"""

from django.utils import timezone, translation

from community.preferences import (
    SESSION_LANGUAGE_KEY,
    SESSION_TIME_ZONE_KEY,
    remember_time_zone,
)


class MemberLanguageMiddleware:
    """Speak the member's chosen language, else what LocaleMiddleware picked.

    The choice is copied into the session at login and on profile save
    (``community.receivers``, and the profile and language views), so no
    query is spent on it per request. Must come after AuthenticationMiddleware
    and LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = (
            request.session.get(SESSION_LANGUAGE_KEY) if hasattr(request, "session") else None
        )
        if language and translation.check_for_language(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class MemberTimeZoneMiddleware:
    """Show dates in the signed-in member's time zone (Profile.time_zone), else the site's.

    Like the language, the choice is copied into the session at login and on
    profile save, so no query is spent on it per request; a session opened
    before the setting existed reads it once. Must come after
    AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.auth import SESSION_KEY

        from community.dates import zone

        session = getattr(request, "session", None)
        name = session.get(SESSION_TIME_ZONE_KEY) if session is not None else None
        if name is None and session is not None and SESSION_KEY in session:
            name = self._load(request)
        member_zone = zone(name)
        if member_zone is not None:
            timezone.activate(member_zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    @staticmethod
    def _load(request):
        from community.models import Profile

        if not request.user.is_authenticated:
            return None
        name = Profile.objects.filter(user=request.user).values_list("time_zone", flat=True).first()
        remember_time_zone(request, name)
        return name


class ApiJsonErrorsMiddleware:
    """Under /api/, answer errors that Django itself produced as JSON too.

    django-ninja turns the errors it sees into JSON (community.site.api), but
    a wrong method (405), a request Django refuses before routing (400) or a
    crash outside an operation come back as HTML; an integration must only
    ever have to parse ``{"detail", "code"}``.
    """

    CODES = {
        400: "bad_request",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        500: "server_error",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in self.CODES
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            from django.http import JsonResponse

            code = self.CODES[response.status_code]
            detail = {
                405: "Method not allowed on this endpoint.",
                404: "No such API endpoint.",
                500: "Something went wrong on our side.",
            }.get(response.status_code, "Bad request.")
            json_response = JsonResponse(
                {"detail": detail, "code": code}, status=response.status_code
            )
            if response.status_code == 405 and response.has_header("Allow"):
                json_response["Allow"] = response["Allow"]
            return json_response
        return response


class RejectNulMiddleware:
    """Refuse URLs carrying NUL bytes (``%00``) with a 400, before any view sees them.

    PostgreSQL cannot store or even compare text with NUL in it: such a path
    or query string would reach a query and fail as a 500. Forms refuse NUL
    themselves (Django's ProhibitNullCharactersValidator) and the API's body
    validation does too (community.validators).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path
            or "\x00" in request.META.get("QUERY_STRING", "")
            or any("\x00" in value for values in request.GET.lists() for value in values[1])
        ):
            from django.http import HttpResponseBadRequest, JsonResponse

            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "NUL characters are not allowed in URLs.", "code": "bad_request"},
                    status=400,
                )
            return HttpResponseBadRequest("NUL characters are not allowed in URLs.")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers every response carries, and what a signed-in answer says to caches.

    First in MIDDLEWARE, so that static files (answered by WhiteNoise below it)
    get ``X-Permitted-Cross-Domain-Policies`` too. An answer to a request that
    carries credentials (a signed-in session or an ``Authorization`` header)
    and says nothing itself about caching is ``private, no-store``: a shared
    cache or the browser's back button must not keep a member's page or
    ``/api/v1/me``. Answers that set their own ``Cache-Control`` (static files,
    post images, allauth's and Wagtail's never_cache) keep it, and anonymous
    ones are left cacheable. Rules: docs/security.md.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("X-Permitted-Cross-Domain-Policies", "none")
        if "Cache-Control" not in response.headers and self._credentialed(request):
            response.headers["Cache-Control"] = "private, no-store"
        return response

    @staticmethod
    def _credentialed(request):
        from django.contrib.auth import SESSION_KEY

        if request.headers.get("Authorization"):
            return True
        session = getattr(request, "session", None)  # absent on WhiteNoise's answers
        return session is not None and SESSION_KEY in session
