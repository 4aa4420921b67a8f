"""``realtime.auth``: the socket's user from the session cookie, checked as Django does."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, override_settings

from realtime.auth import SessionAuthMiddleware, scope_cookies, session_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client.session.session_key


def test_a_signed_in_session_gives_its_user():
    user = UserFactory()
    assert session_user(SessionStore(signed_in(user))) == user


def test_no_session_or_an_unknown_one_is_anonymous():
    assert isinstance(session_user(SessionStore(None)), AnonymousUser)
    assert isinstance(session_user(SessionStore("nosuchsession")), AnonymousUser)


def test_a_session_from_before_a_password_change_is_anonymous_and_left_for_http():
    user = UserFactory()
    key = signed_in(user)
    user.set_password("a new password 123")
    user.save()
    assert isinstance(session_user(SessionStore(key)), AnonymousUser)
    # Not flushed here: HTTP does that, with the cookie it can clear.
    assert SessionStore().exists(key)


def test_a_session_signed_with_a_previous_secret_key_is_anonymous_and_keeps_its_key():
    """Django moves such a session to a new key over HTTP; the socket would keep the old one
    and miss the ``session.closed`` of a later logout."""
    user = UserFactory()
    with override_settings(SECRET_KEY="the old secret key, long enough for the checks"):
        key = signed_in(user)
    with override_settings(
        SECRET_KEY="the new secret key, long enough for the checks",
        SECRET_KEY_FALLBACKS=["the old secret key, long enough for the checks"],
    ):
        assert isinstance(session_user(SessionStore(key)), AnonymousUser)
    assert SessionStore().exists(key)


def test_an_inactive_user_or_a_session_without_a_hash_is_anonymous():
    user = UserFactory()
    session = SessionStore(signed_in(user))
    del session["_auth_user_hash"]
    assert isinstance(session_user(session), AnonymousUser)
    key = signed_in(user)
    user.is_active = False
    user.save()
    assert isinstance(session_user(SessionStore(key)), AnonymousUser)


def test_a_backend_no_longer_configured_is_anonymous():
    user = UserFactory()
    session = SessionStore(signed_in(user))
    session["_auth_user_backend"] = "some.removed.Backend"
    assert isinstance(session_user(session), AnonymousUser)


def test_every_cookie_header_is_read():
    scope = {"headers": [(b"cookie", b"a=1"), (b"host", b"x"), (b"cookie", b"sessionid=k; b=2")]}
    assert scope_cookies(scope) == {"a": "1", "sessionid": "k", "b": "2"}
    assert scope_cookies({"headers": []}) == {}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_middleware_puts_session_and_user_on_the_scope_and_leaves_send_alone():
    user = await sync_to_async(UserFactory)()
    key = await sync_to_async(signed_in)(user)
    seen = {}

    async def inner(scope, receive, send):
        seen.update(scope=scope, send=send)

    async def send(message):
        pass

    scope = {"type": "websocket", "headers": [(b"cookie", f"sessionid={key}".encode())]}
    await SessionAuthMiddleware(inner)(scope, None, send)
    assert seen["send"] is send
    assert seen["scope"]["user"] == user
    assert seen["scope"]["session"].session_key == key
    assert seen["scope"]["cookies"] == {"sessionid": key}
    assert "user" not in scope  # the caller's scope is not changed
