"""The signed-in user of a WebSocket, from the session cookie, without wrapping ``send``.

What Channels' ``AuthMiddlewareStack`` puts on the scope (``cookies``, ``session``,
``user``), loaded in one trip to the database thread when the socket opens. The
user is one Django's ``get_user`` would find, with the same checks (a known
backend, an active user, the session's hash against the password's), but nothing
is changed: a session Django would flush or move to a new key gives an anonymous
socket, and HTTP, which can set the cookie, does the flushing or moving. That
includes a session signed with a key from ``SECRET_KEY_FALLBACKS``: Django moves it
to a new key on the next page load, and the socket, still holding the old key,
would miss the ``session.closed`` of a later logout (Channels' own ``get_user``
refuses those sessions too).

Why not ``AuthMiddlewareStack``: its ``SessionMiddleware`` wraps ``send`` so that an
HTTP response can save a modified session and set its cookie. A WebSocket
consumer here never changes the session (logging in and out happen over HTTP,
and closing the sockets of a session that logs out goes through the hub), yet
the wrapper asked the session whether it was modified and empty for every frame
sent: about 4 % of a process's time during a fan-out (``bench/README.md``).
"""

from importlib import import_module

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http.cookie import parse_cookie
from django.utils.crypto import constant_time_compare


def scope_cookies(scope):
    """The request's cookies, every ``Cookie`` header joined (as Django's HTTP side reads them)."""
    headers = [value for name, value in scope.get("headers", ()) if name == b"cookie"]
    return parse_cookie(b"; ".join(headers).decode("latin-1")) if headers else {}


def session_user(session):
    """The user signed in to ``session``, or ``AnonymousUser`` (never writes the session)."""
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    user = load_backend(backend_path).get_user(user_id)
    if user is None:
        return AnonymousUser()
    session_hash = session.get(HASH_SESSION_KEY)
    if not session_hash:
        return AnonymousUser()
    if not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return AnonymousUser()
    return user


@database_sync_to_async
def session_and_user(session_key):
    """The session (lazy and unsaved, as Django's middleware makes it) and its user."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return session, session_user(session)


class SessionAuthMiddleware:
    """Puts ``cookies``, ``session`` and ``user`` on the scope, then calls ``inner``."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        cookies = scope_cookies(scope)
        session, user = await session_and_user(cookies.get(settings.SESSION_COOKIE_NAME))
        scope = dict(scope, cookies=cookies, session=session, user=user)
        return await self.inner(scope, receive, send)
