"""Content-Security-Policy: which policy a response gets, and where violations are reported.

Member-facing pages get ``settings.CONTENT_SECURITY_POLICY``: a fresh nonce per
response, which every ``<script>`` and the theme's ``<style>`` carry
(``nonce="{{ request.csp_nonce }}"``), and nothing inline without it. The two
admins (``settings.CSP_ADMIN_PREFIXES``) need inline code and get their own
narrower-in-origin, wider-in-inline policy. Browsers POST what a policy
blocked to ``csp_report``, which logs it. Rules: docs/security.md.
"""

import json
import logging
import time
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger(__name__)

# A report is a few hundred bytes; a body larger than this is not one.
MAX_REPORT_BYTES = 16 * 1024
# Every client together may not log more than this per minute (bounds the log).
MAX_REPORTS_PER_MINUTE_ALL = 600


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing the admins' policy by path."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if (
            not report_only
            and parts.config is None  # a view's own @csp decorator wins
            and request.path_info.startswith(settings.CSP_ADMIN_PREFIXES)
        ):
            parts.config = settings.CSP_ADMIN_DIRECTIVES
            # A nonce in script-src would switch 'unsafe-inline' off (CSP level 2).
            parts.nonce = None
        return parts


def _client(request):
    return request.META.get("REMOTE_ADDR", "")


def _allowed(request):
    """Count this report against its client's and everybody's budget for this minute."""
    minute = int(time.time() // 60)
    for key, limit in (
        (f"csp-report:{_client(request)}:{minute}", settings.CSP_REPORTS_PER_MINUTE),
        (f"csp-report:*:{minute}", MAX_REPORTS_PER_MINUTE_ALL),
    ):
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr, or the cache is away
            count = 1
        if count > limit:
            return False
    return True


def _short(value, limit=200):
    """A report field as one bounded line: URLs lose their query (tokens live there)."""
    text = str(value or "")
    if "://" in text:
        parts = urlsplit(text)
        text = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return text.replace("\n", " ").replace("\r", " ")[:limit]


def _violations(payload):
    """The reports in ``payload``: ``report-uri``'s one object or ``report-to``'s list."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        report = payload["csp-report"]
        yield {
            "directive": report.get("effective-directive") or report.get("violated-directive"),
            "blocked": report.get("blocked-uri"),
            "document": report.get("document-uri"),
            "source": report.get("source-file"),
            "line": report.get("line-number"),
        }
    elif isinstance(payload, list):
        for item in payload[:10]:
            body = item.get("body") if isinstance(item, dict) else None
            if isinstance(body, dict) and item.get("type") == "csp-violation":
                yield {
                    "directive": body.get("effectiveDirective"),
                    "blocked": body.get("blockedURL"),
                    "document": body.get("documentURL"),
                    "source": body.get("sourceFile"),
                    "line": body.get("lineNumber"),
                }


@csrf_exempt  # browsers send reports without a token, and they change nothing
@require_POST
def csp_report(request):
    """Log the violations a browser reports; answer 204, or 413/429/400 for junk."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    if not _allowed(request):
        return HttpResponse(status=429)
    body = request.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # 16 KB of "[" nests too deep
        return HttpResponse(status=400)
    for violation in _violations(payload):
        logger.warning(
            "CSP violation: %s blocked %s on %s (%s:%s)",
            _short(violation["directive"], 60),
            _short(violation["blocked"]),
            _short(violation["document"]),
            _short(violation["source"]),
            _short(violation["line"], 10),
        )
    return HttpResponse(status=204)
