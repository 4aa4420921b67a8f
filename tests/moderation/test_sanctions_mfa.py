"""Two-factor authentication (allauth.mfa): enrolment with a real TOTP code, the login
that asks for it, recovery codes, the staff requirement and the moderators' banner."""

import re
import time

import pytest
from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(secret):
    # A code computed in the last seconds of its 30-second window may reach the server in
    # the next one (a loaded machine): then wait for the next window and compute it there.
    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < 5:
        time.sleep(left + 0.1)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def sign_in(client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


def reauthenticate(client):
    asked = client.get("/accounts/2fa/totp/activate/")
    if asked.status_code == 302 and asked["Location"].startswith("/accounts/reauthenticate/"):
        done = client.post(asked["Location"], {"password": PASSWORD})
        assert done.status_code == 302, done.content[:500]


def enrol(client):
    """Open the enrolment page (allauth first asks for the password again), read the
    secret it shows, confirm with a computed code."""
    reauthenticate(client)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in page.content.decode()  # shown for manual entry, beside the QR code
    response = client.post("/accounts/2fa/totp/activate/", {"code": code_for(secret)})
    assert response.status_code == 302, response.content[:800]
    return secret


def test_enrolment_then_login_asks_for_the_code(make_user):
    user = make_user(username="careful")
    client = Client()
    sign_in(client, user)
    reauthenticate(client)
    wrong = client.get("/accounts/2fa/totp/activate/")
    assert wrong.status_code == 200
    refused = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert refused.status_code == 200 and not Authenticator.objects.filter(user=user).exists()
    secret = enrol(client)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # Recovery codes were generated with it, shown on their page.
    codes_page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    codes = re.findall(r"\b\d{8}\b", codes_page)
    assert len(set(codes)) >= 10
    client.post("/accounts/logout/")

    fresh = Client()
    response = sign_in(fresh, user)
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in fresh.session  # not signed in before the code
    refused = fresh.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert refused.status_code == 200 and "_auth_user_id" not in fresh.session
    done = fresh.post("/accounts/2fa/authenticate/", {"code": code_for(secret)})
    assert done.status_code == 302 and fresh.session["_auth_user_id"] == str(user.pk)

    # A recovery code signs in once, and only once.
    other = Client()
    sign_in(other, user)
    assert other.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert other.session["_auth_user_id"] == str(user.pk)
    again = Client()
    sign_in(again, user)
    again.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert "_auth_user_id" not in again.session


def test_staff_must_enrol_first_when_required(make_user, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    admin = make_user(username="admin", is_staff=True)
    client = Client()
    sign_in(client, admin)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "mfa_required"
    enrol(client)
    assert client.get("/").status_code == 200


def test_the_requirement_is_for_staff_only_and_off_by_default(make_user, settings):
    member = make_user(username="plain")
    client = Client()
    sign_in(client, member)
    settings.MFA_REQUIRED_FOR_STAFF = True
    assert client.get("/").status_code == 200
    settings.MFA_REQUIRED_FOR_STAFF = False
    admin = make_user(username="admin2", is_staff=True)
    staff_client = Client()
    sign_in(staff_client, admin)
    assert staff_client.get("/").status_code == 200


def test_moderators_are_invited_by_a_banner(make_community, make_user, add_member):
    club = make_community("club")
    mod, member = make_user(username="modo"), make_user(username="memb")
    add_member(club, mod, role="moderator")
    add_member(club, member)
    client = Client()
    sign_in(client, mod)
    assert "mfa-banner" in client.get("/").content.decode()
    enrol(client)
    assert "mfa-banner" not in client.get("/").content.decode()
    other = Client()
    sign_in(other, member)
    assert "mfa-banner" not in other.get("/").content.decode()


def test_the_settings_pages_link_to_two_factor(make_user):
    client = Client()
    sign_in(client, make_user())
    page = client.get("/accounts/2fa/").content.decode()
    assert 'href="/accounts/2fa/"' in page and 'href="/settings/notices/"' in page
