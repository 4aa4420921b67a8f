"""Accounts through allauth: signup, verification, no enumeration, rate limits, names, profiles."""

import io
import re

import pytest
from django.db import IntegrityError, transaction
from PIL import Image

from community.models import Profile, ProfileField, User
from community.validators import skeleton

PASSWORD = "a-long-and-unusual-passphrase"


def signup(client, email, username, display_name="", password=PASSWORD):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "username": username,
            "display_name": display_name,
            "password1": password,
            "password2": password,
        },
    )


@pytest.mark.django_db
def test_signup_verifies_email_then_signs_in(client, mailoutbox):
    response = signup(client, "ana@example.com", "ana", "Ana Lima")
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert len(mailoutbox) == 1
    user = User.objects.get(username="ana")
    assert user.profile.display_name == "Ana Lima"
    # Not signed in before the address is confirmed.
    assert client.get("/api/v1/me").status_code == 401
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", mailoutbox[0].body).group()
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["username"] == "ana"


@pytest.mark.django_db
def test_signup_does_not_reveal_existing_emails(client, make_user, mailoutbox):
    existing = make_user()
    fresh = signup(client, "brand-new@example.com", "brandnew")
    again = signup(client, existing.email, "someoneelse")
    assert again.status_code == fresh.status_code == 302
    assert again["Location"] == fresh["Location"]
    # The owner of the address is told by mail instead.
    assert mailoutbox[-1].to == [existing.email]
    assert not User.objects.filter(username="someoneelse").exists()


@pytest.mark.django_db
def test_password_reset_does_not_reveal_accounts(client, make_user):
    user = make_user()
    known = client.post("/accounts/password/reset/", {"email": user.email})
    unknown = client.post("/accounts/password/reset/", {"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


@pytest.mark.django_db
def test_login_failures_are_rate_limited(client, make_user):
    user = make_user()
    pages = [
        client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
        for _ in range(7)
    ]
    assert all(page.status_code == 200 for page in pages)  # the form again, with an error
    assert "Too many failed login attempts" not in pages[0].content.decode()
    assert "Too many failed login attempts" in pages[-1].content.decode()
    # Even the right password is refused while the limit holds.
    from tests.factories import PASSWORD as FACTORY_PASSWORD

    page = client.post("/accounts/login/", {"login": user.email, "password": FACTORY_PASSWORD})
    assert page.status_code == 200 and "Too many failed login attempts" in page.content.decode()


@pytest.mark.django_db
def test_login_by_email(client, make_user):
    user = make_user()
    from tests.factories import PASSWORD as FACTORY_PASSWORD

    response = client.post("/accounts/login/", {"login": user.email, "password": FACTORY_PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["username"] == user.username


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "reason"),
    [
        ("paypaI", "too close"),  # capital I for l
        ("paypa1", "too close"),  # digit one for l
        ("PAYPAL", "already exists"),
        ("pay\u200bpal", "invisible"),  # zero-width space
        ("pay\u202epal", "invisible"),  # right-to-left override
        ("pаypal", "mix alphabets"),  # one Cyrillic а among Latin letters
        ("раураl", "mix alphabets"),
        ("раура", "too close"),  # all Cyrillic, a look-alike of the Latin "paypa" below
        ("ｐａｙｐａｌ", "stylised variant"),  # fullwidth
        ("admin", "reserved"),
        ("adrnin", "reserved"),
        ("_hidden", "letters, digits"),
        ("a b", "letters, digits"),
        ("ab", "at least 3"),
    ],
)
def test_confusable_and_invisible_usernames_are_refused(client, make_user, username, reason):
    make_user(username="paypal")
    make_user(username="paypa")
    response = signup(client, f"{abs(hash(username))}@example.com", username)
    assert response.status_code == 200, username
    errors = " ".join(str(e) for e in response.context["form"].errors.get("username", []))
    assert reason.lower() in errors.lower(), errors


@pytest.mark.django_db
def test_honest_unicode_names_are_welcome(client):
    for username in ("rené", "zoë.martin", "jean-luc", "Ελένη", "Дмитрий"):
        response = signup(client, f"{abs(hash(username))}@example.com", username)
        assert response.status_code == 302, (username, response.context["form"].errors)


@pytest.mark.django_db
def test_skeleton_is_unique_in_the_database(make_user):
    make_user(username="marie")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="rnarie", email="x@example.com")
    assert skeleton("marie") == skeleton("rnarie") == skeleton("MARIE") == skeleton("Marie")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Evil\u202eman", "zero\u200bwidth", "tab\tname"])
def test_display_names_with_tricks_are_refused(client, make_user, name):
    user = make_user()
    client.force_login(user)
    response = client.post("/settings/profile/", {"display_name": name, "language": ""})
    assert response.status_code == 200
    assert response.context["form"].errors


def png_bytes(size=(300, 200), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "me.png"
    return buffer


@pytest.mark.django_db
def test_profile_edit_with_avatar_fields_and_language(client, make_user):
    ProfileField.objects.create(key="bike", label="Favourite bike", choices="Urbano\nCargo")
    ProfileField.objects.create(key="city", label="City", is_public=False)
    user = make_user()
    client.force_login(user)
    response = client.post(
        "/settings/profile/",
        {
            "display_name": "Zoé",
            "bio": "Cargo bike fan.",
            "language": "fr",
            "avatar": png_bytes(),
            "field_bike": "Cargo",
            "field_city": "Lyon",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    profile = Profile.objects.get(user=user)
    assert profile.display_name == "Zoé" and profile.avatar.name.endswith(".webp")
    with profile.avatar.open("rb") as stored:
        assert Image.open(stored).size == (256, 256)
    page = client.get(f"/u/{user.username}/")
    html = page.content.decode()
    assert '<html lang="fr">' in html  # the member's language, not the browser's
    assert "Cargo" in html and "Lyon" in html  # their own private field is shown to them
    client.logout()
    html = client.get(f"/u/{user.username}/").content.decode()
    assert "Cargo" in html and "Lyon" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
        (b"<html><script>alert(1)</script></html>", "x.png"),
        (b"", "empty.png"),
    ],
)
def test_bad_avatars_are_refused_next_to_the_field(client, make_user, content, name):
    user = make_user()
    client.force_login(user)
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post("/settings/profile/", {"display_name": "X", "avatar": upload})
    assert response.status_code == 200
    assert response.context["form"].errors.get("avatar")
    assert not Profile.objects.get(user=user).avatar


@pytest.mark.django_db
def test_bad_custom_field_values(client, make_user):
    ProfileField.objects.create(key="bike", label="Bike", choices="Urbano\nCargo")
    user = make_user()
    client.force_login(user)
    response = client.post("/settings/profile/", {"display_name": "X", "field_bike": "Tandem"})
    assert response.status_code == 200 and response.context["form"].errors.get("field_bike")


@pytest.mark.django_db
def test_wagtail_login_goes_through_allauth(client, make_user):
    """Wagtail's own form would skip email verification and the rate limits."""
    from allauth.account.models import EmailAddress

    from tests.factories import PASSWORD as FACTORY_PASSWORD

    user = make_user()
    EmailAddress.objects.filter(user=user).update(verified=False)
    response = client.get("/cms/login/?next=/cms/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/cms/"
    client.post("/cms/login/", {"username": user.username, "password": FACTORY_PASSWORD})
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/cms/").status_code == 302  # to allauth's login
