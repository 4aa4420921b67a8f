"""Domain errors that every surface maps to its own answer (HTTP status, form error, frame)."""

from django.core.exceptions import PermissionDenied


class Forbidden(PermissionDenied):
    """Not allowed, with a machine-readable ``code`` for API clients (HTTP 403)."""

    def __init__(self, message, code="forbidden"):
        super().__init__(message)
        self.code = code


class Conflict(Exception):
    """The change collides with the current state: a taken slug, a second join (HTTP 409)."""

    def __init__(self, message, code="conflict"):
        super().__init__(message)
        self.message = message
        self.code = code


class RateLimited(Forbidden):
    """Too many of one action too fast: code ``rate_limited``, and ``retry_after`` seconds.

    Every surface answers it the same way: HTTP 429 with a ``Retry-After`` header, a
    form error on pages, a WebSocket error frame with ``retry_after``.
    """

    def __init__(self, message, retry_after):
        super().__init__(message, code="rate_limited")
        self.retry_after = max(1, int(retry_after))
