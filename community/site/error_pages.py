"""The site's own answer to a request Django could not read (``handler400``).

Django turns ``MultiPartParserError`` (a multipart body with no or an empty
boundary), ``BadRequest`` and ``SuspiciousOperation`` into a 400 by calling
this view; its default renders ``400.html`` without the request, so the page
would lose the header, the theme and the CSP nonce. Under /api/ the answer is
the API's JSON error shape, like ``community.site.middleware.ApiJsonErrorsMiddleware``.
"""

from django.http import JsonResponse
from django.shortcuts import render


def bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)
    # A body that failed to parse is already replaced by an empty one
    # (HttpRequest._mark_post_parse_error): rendering cannot raise it again.
    return render(request, "400.html", status=400)
