"""No input gives a 500: junk sent to every form and API write gets a 4xx or a form error."""

import json

import pytest

from community import actions

# PostgreSQL refuses some text SQLite takes (NUL): the same junk goes to both.
pytestmark = pytest.mark.postgres_too

JUNK_VALUES = [
    "",
    "\x00",
    "a\x00b",
    "\u202e\u200b",
    "x" * 100_000,
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "' OR 1=1 --",
    "🚲" * 50,
    "\ud800",  # a lone surrogate cannot even be encoded as UTF-8
]


@pytest.fixture
def setup(make_community, make_user, add_member, staff):
    community = make_community("ideas", visibility="private", join_policy="request")
    member = make_user()
    add_member(community, member)
    return {"community": community, "member": member, "staff": staff}


def form_posts(slug, username):
    return [
        ("/communities/new/", ["name", "slug", "description", "kind", "visibility", "join_policy"]),
        (f"/c/{slug}/settings/", ["name", "description", "kind", "visibility", "join_policy"]),
        (f"/c/{slug}/invitations/", ["email", "revoke"]),
        (f"/c/{slug}/members/{username}/ban/", ["reason"]),
        (f"/c/{slug}/members/{username}/role/", ["role"]),
        ("/settings/profile/", ["display_name", "bio", "language", "remove_avatar"]),
        ("/i18n/setlang/", ["language", "next"]),
        ("/accounts/signup/", ["email", "username", "password1", "password2", "display_name"]),
        ("/accounts/login/", ["login", "password"]),
    ]


def encodable(value):
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("junk", JUNK_VALUES)
def test_forms_never_fail_on_junk(client, setup, junk):
    if not encodable(junk):
        pytest.skip("the test client cannot send unencodable text; the API test covers raw bytes")
    client.force_login(setup["staff"])
    for path, fields in form_posts("ideas", setup["member"].username):
        response = client.post(path, dict.fromkeys(fields, junk))
        assert response.status_code < 500, (path, response.status_code)


API_CALLS = [
    ("post", "/api/v1/communities"),
    ("patch", "/api/v1/communities/ideas"),
    ("post", "/api/v1/communities/ideas/invitations"),
    ("patch", "/api/v1/communities/ideas/members/{member}"),
    ("post", "/api/v1/communities/ideas/join"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe\x00garbage",  # invalid UTF-8
        b'{"slug": "x\\u0000y", "name": "\\u0000", "email": "\\u0000@x", "state": "\\u0000"}',
        b'{"name": "\\ud800", "description": "\\udfff", "email": "a@b.c"}',  # lone surrogates
        b'{"kind": ["list"], "visibility": {"o": 1}, "role": 5, "state": null}',
        b"null",
        b"1e999999",
        b"[" * 5000 + b"]" * 5000,
        json.dumps({"description": "y" * 50_000, "name": "n"}).encode(),
    ],
)
def test_api_never_fails_on_junk(client, setup, body):
    _token, key = actions.create_api_token(setup["staff"], setup["staff"])
    for method, path in API_CALLS:
        path = path.format(member=setup["member"].username)
        response = getattr(client, method)(
            path, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        assert 400 <= response.status_code < 500 or response.status_code in (200, 201), (
            path,
            body[:40],
            response.status_code,
            response.content[:300],
        )
        assert response["Content-Type"].startswith("application/json")
        assert "detail" in response.json() or response.status_code < 300
