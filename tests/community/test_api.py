"""The /api/v1/ contract for the caller, communities, memberships, invitations and members."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community import actions
from community.models import ApiToken, Membership

API = "/api/v1"


def bearer(user):
    _token, key = actions.create_api_token(user, user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def call(client, method, path, auth=None, body=None, **extra):
    kwargs = dict(auth or {}, **extra)
    if body is not None:
        kwargs["data"] = json.dumps(body) if not isinstance(body, (str, bytes)) else body
        kwargs["content_type"] = "application/json"
    response = getattr(client, method)(API + path, **kwargs)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response, response.json()


def assert_error(response, data, status, code=None):
    assert response.status_code == status, data
    assert isinstance(data["detail"], str) and data["detail"]
    assert isinstance(data["code"], str)
    if code:
        assert data["code"] == code, data


@pytest.fixture
def world(make_community, make_user, add_member):
    """public (open), private (request) and hidden (invite) communities and their people."""
    public = make_community("ideas", visibility="public", join_policy="open", kind="ideas")
    private = make_community("support", visibility="private", join_policy="request", kind="support")
    hidden = make_community("club", visibility="hidden", join_policy="invite", kind="club")
    member, outsider, moderator = make_user(), make_user(), make_user()
    for community in (public, private, hidden):
        add_member(community, member)
        add_member(community, moderator, role="moderator")
    return {
        "public": public,
        "private": private,
        "hidden": hidden,
        "member": member,
        "outsider": outsider,
        "moderator": moderator,
    }


@pytest.mark.django_db
def test_list_communities_hides_hidden_ones(client, world):
    response, data = call(client, "get", "/communities")
    assert response.status_code == 200
    slugs = [c["slug"] for c in data["items"]]
    assert slugs == ["ideas", "support"]  # ordered by name: "Ideas", "Support"
    community = data["items"][0]
    for key in ("slug", "name", "kind", "visibility", "join_policy", "member_count"):
        assert key in community
    assert community["member_count"] == 3  # staff creator + member + moderator

    response, data = call(client, "get", "/communities", bearer(world["member"]))
    assert sorted(c["slug"] for c in data["items"]) == ["club", "ideas", "support"]
    club = next(c for c in data["items"] if c["slug"] == "club")
    assert club["membership"] == {"role": "member", "state": "active"}


@pytest.mark.django_db
def test_get_community_hidden_is_404_for_outsiders(client, world):
    response, data = call(client, "get", "/communities/club")
    assert_error(response, data, 404, "not_found")
    response, data = call(client, "get", "/communities/club", bearer(world["outsider"]))
    assert_error(response, data, 404, "not_found")
    _missing, missing_data = call(client, "get", "/communities/nope", bearer(world["outsider"]))
    assert missing_data == data  # missing and hidden answer alike
    response, data = call(client, "get", "/communities/club", bearer(world["member"]))
    assert response.status_code == 200 and data["slug"] == "club"


@pytest.mark.django_db
def test_create_community(client, staff, make_user):
    body = {
        "slug": "fans",
        "name": "Fans",
        "kind": "club",
        "visibility": "private",
        "join_policy": "request",
    }
    response, data = call(client, "post", "/communities", bearer(staff), body)
    assert response.status_code == 201
    assert {k: data[k] for k in body} == body
    assert data["membership"] == {"role": "manager", "state": "active"}

    response, data = call(client, "post", "/communities", bearer(staff), body)
    assert_error(response, data, 409, "slug_taken")
    response, data = call(client, "post", "/communities", bearer(make_user()), body)
    assert_error(response, data, 403)
    response, data = call(client, "post", "/communities", None, body)
    assert_error(response, data, 401, "not_authenticated")
    bad = dict(body, slug="other", kind="circus")
    response, data = call(client, "post", "/communities", bearer(staff), bad)
    assert_error(response, data, 422, "invalid")
    assert any(e["field"] == "kind" for e in data["errors"])
    bad = dict(body, slug="Not A Slug!")
    response, data = call(client, "post", "/communities", bearer(staff), bad)
    assert_error(response, data, 422, "invalid")


@pytest.mark.django_db
def test_join_per_policy(client, world, make_user):
    newcomer = make_user()
    auth = bearer(newcomer)
    response, data = call(client, "post", "/communities/ideas/join", auth)
    assert response.status_code == 200
    assert data["state"] == "active" and data["role"] == "member"
    assert data["community"] == "ideas" and data["username"] == newcomer.username
    response, data = call(client, "post", "/communities/ideas/join", auth)
    assert_error(response, data, 409, "already_member")

    response, data = call(client, "post", "/communities/support/join", auth)
    assert response.status_code == 200 and data["state"] == "pending"

    response, data = call(client, "post", "/communities/club/join", auth)
    assert_error(response, data, 404)

    response, data = call(client, "post", "/communities/ideas/leave", auth)
    assert response.status_code == 200 and data["state"] == "none"
    response, data = call(client, "post", "/communities/ideas/leave", auth)
    assert_error(response, data, 403, "not_a_member")


@pytest.mark.django_db
def test_invite_only_join_needs_an_invitation(client, world, make_user, staff):
    community = world["public"]
    actions.update_community(staff, community, join_policy="invite")
    newcomer = make_user()
    response, data = call(client, "post", "/communities/ideas/join", bearer(newcomer))
    assert_error(response, data, 403, "invitation_required")

    response, data = call(
        client, "post", "/communities/ideas/invitations", bearer(staff), {"email": newcomer.email}
    )
    assert response.status_code == 201
    assert data["email"] == newcomer.email and data["status"] == "pending"
    response, data = call(client, "post", "/communities/ideas/join", bearer(newcomer))
    assert response.status_code == 200 and data["state"] == "active"


@pytest.mark.django_db
def test_invitations_are_for_managers(client, world):
    response, data = call(
        client,
        "post",
        "/communities/ideas/invitations",
        bearer(world["moderator"]),
        {"email": "a@example.com"},
    )
    assert_error(response, data, 403)
    response, data = call(
        client,
        "post",
        "/communities/ideas/invitations",
        bearer(world["public"].created_by),
        {"email": "not-an-email"},
    )
    assert_error(response, data, 422, "invalid")


@pytest.mark.django_db
def test_members_list_and_visibility(client, world, make_user, add_member):
    response, data = call(client, "get", "/communities/ideas/members")
    assert response.status_code == 200
    assert {m["username"] for m in data["items"]} >= {world["member"].username}
    item = data["items"][0]
    for key in ("community", "username", "role", "state", "display_name", "level", "badges"):
        assert key in item
    response, data = call(client, "get", "/communities/support/members", bearer(world["outsider"]))
    assert_error(response, data, 403, "not_a_member")
    response, data = call(client, "get", "/communities/club/members", bearer(world["outsider"]))
    assert_error(response, data, 404)
    response, data = call(
        client, "get", "/communities/support/members?state=pending", bearer(world["member"])
    )
    assert_error(response, data, 403)


@pytest.mark.django_db
def test_members_cursor_pagination(client, world, make_user, add_member):
    for _ in range(5):
        add_member(world["public"], make_user())
    seen, cursor = [], None
    while True:
        path = "/communities/ideas/members?limit=3" + (f"&cursor={cursor}" if cursor else "")
        response, data = call(client, "get", path)
        seen += [m["username"] for m in data["items"]]
        cursor = data["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 8
    response, data = call(client, "get", "/communities/ideas/members?limit=0")
    assert_error(response, data, 422)


@pytest.mark.django_db
def test_patch_member(client, world, make_user):
    applicant = make_user()
    actions.join(applicant, world["private"])
    moderator, member = bearer(world["moderator"]), bearer(world["member"])
    path = f"/communities/support/members/{applicant.username}"

    response, data = call(client, "patch", path, member, {"state": "active"})
    assert_error(response, data, 403)
    response, data = call(client, "patch", path, moderator, {"state": "active"})
    assert response.status_code == 200 and data["state"] == "active"
    response, data = call(client, "patch", path, moderator, {"role": "moderator"})
    assert_error(response, data, 403)  # roles are for managers
    manager = bearer(world["private"].created_by)
    response, data = call(client, "patch", path, manager, {"role": "moderator"})
    assert response.status_code == 200 and data["role"] == "moderator"
    response, data = call(client, "patch", path, manager, {"state": "banned"})
    assert response.status_code == 200 and data["state"] == "banned"
    response, data = call(client, "patch", path, manager, {"state": "active"})
    assert response.status_code == 200 and data["state"] == "active"
    response, data = call(client, "patch", path, manager, {"role": "emperor"})
    assert_error(response, data, 422)
    response, data = call(client, "patch", path, manager, {})
    assert_error(response, data, 422)
    response, data = call(
        client, "patch", "/communities/support/members/ghost", manager, {"state": "active"}
    )
    assert_error(response, data, 404)


@pytest.mark.django_db
def test_me(client, world):
    response, data = call(client, "get", "/me")
    assert_error(response, data, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"
    response, data = call(client, "get", "/me", bearer(world["member"]))
    assert response.status_code == 200
    assert data["username"] == world["member"].username
    assert {m["community"] for m in data["memberships"]} == {"club", "ideas", "support"}
    # "achievements": the badges app's notices (badges, levels, endorsements); "content":
    # the cms's (new content, a place freed up at an event, an event tomorrow).
    assert data["unread"] == {
        "threads": 0,
        "notifications": 0,
        "achievements": 0,
        "moderation_notices": 0,
        "content": 0,
    }


@pytest.mark.django_db
def test_member_profile_never_leaks_private_or_hidden_memberships(client, world):
    path = f"/members/{world['member'].username}"
    response, data = call(client, "get", path, bearer(world["outsider"]))
    assert response.status_code == 200
    # support is private: its member list is for its members, on profiles too.
    assert {c["community"] for c in data["communities"]} == {"ideas"}
    response, anonymous = call(client, "get", path)
    assert anonymous["communities"] == data["communities"]
    for key in ("username", "display_name", "badges", "levels", "endorsements"):
        assert key in data
    response, data = call(client, "get", path, bearer(world["member"]))
    assert {c["community"] for c in data["communities"]} == {"club", "ideas", "support"}
    response, data = call(client, "get", "/members/nobody-here")
    assert_error(response, data, 404)


@pytest.mark.django_db
def test_session_auth_needs_csrf_on_writes(world, make_user):
    user = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response, data = call(client, "get", "/me")
    assert response.status_code == 200
    response, data = call(client, "post", "/communities/ideas/join")
    assert_error(response, data, 403)
    assert "CSRF" in data["detail"]
    client.get("/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response, data = call(client, "post", "/communities/ideas/join", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


@pytest.mark.django_db
def test_bad_tokens_are_refused_not_ignored(client, world):
    response, data = call(client, "get", "/communities", {"HTTP_AUTHORIZATION": "Bearer nope"})
    assert_error(response, data, 401, "not_authenticated")
    _token, key = actions.create_api_token(world["member"], world["member"])
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    actions.revoke_api_token(world["member"], token)
    response, data = call(client, "get", "/me", {"HTTP_AUTHORIZATION": f"Bearer {key}"})
    assert_error(response, data, 401)
    # Only a hash is stored.
    assert key not in str(list(ApiToken.objects.values()))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/no/such/endpoint", None, 404),
        ("delete", "/communities", None, 405),
        ("post", "/communities", "{not json", 400),
        ("post", "/communities", "[]", 422),
        ("post", "/communities", {"slug": "a\x00b", "name": "x", "kind": "club"}, 422),
        ("post", "/communities", {"slug": "ok", "name": "\x00", "kind": "club"}, 422),
        ("post", "/communities", {"slug": "ok", "name": "x" * 5000, "kind": "club"}, 422),
        ("get", "/communities/ideas/members?cursor=abc", None, 422),
        ("get", "/communities/ideas/members?state=deleted", None, 422),
    ],
)
def test_bad_input_gets_a_json_4xx(client, staff, world, method, path, body, status):
    response, data = call(client, method, path, bearer(staff), body)
    assert_error(response, data, status)


@pytest.mark.django_db
def test_oversized_body_is_a_json_4xx(client, staff, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"slug": "big", "name": "x", "description": "y" * 4096})
    response, data = call(client, "post", "/communities", bearer(staff), body)
    assert 400 <= response.status_code < 500
    assert data["code"]


@pytest.mark.django_db
def test_openapi_and_docs(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/me",
        "/api/v1/communities",
        "/api/v1/communities/{slug}",
        "/api/v1/communities/{slug}/join",
        "/api/v1/communities/{slug}/leave",
        "/api/v1/communities/{slug}/members",
        "/api/v1/communities/{slug}/members/{username}",
        "/api/v1/communities/{slug}/invitations",
        "/api/v1/members/{username}",
    ):
        assert path in paths, path
    assert client.get(f"{API}/docs").status_code == 200


@pytest.mark.django_db
def test_create_api_token_command_prints_the_token_alone(make_user, client):
    user = make_user()
    out = StringIO()
    call_command("create_api_token", user.username, stdout=out)
    key = out.getvalue().strip()
    assert "\n" not in key and key.startswith("bcm_")
    _response, data = call(client, "get", "/me", {"HTTP_AUTHORIZATION": f"Bearer {key}"})
    assert data["username"] == user.username


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 10])
def test_list_queries_do_not_grow(client, staff, make_community, make_user, add_member, extra):
    auth = bearer(staff)
    call(client, "get", "/me", auth)  # the token's first use records last_used_at
    for i in range(2 + extra):
        community = make_community(f"c{i}")
        add_member(community, make_user())
    with CaptureQueriesContext(connection) as communities_queries:
        call(client, "get", "/communities", auth)
    for _ in range(extra):
        add_member(community, make_user())
    with CaptureQueriesContext(connection) as members_queries:
        _response, data = call(client, "get", f"/communities/{community.slug}/members", auth)
    assert len(data["items"]) == 2 + extra
    # Fixed whatever the size: auth (token + throttle-free), then the list's own queries,
    # then the badges app's member facets: the author group (level, title...) and the
    # profile group (levels, badges, endorsements), one query each, and the two lookups
    # of the ladders they read (cached afterwards).
    assert len(communities_queries) == 3, [q["sql"] for q in communities_queries]
    assert len(members_queries) == 10, [q["sql"] for q in members_queries]


@pytest.mark.django_db
def test_membership_rows_match_api(world, client):
    _response, data = call(client, "get", "/communities/ideas/members")
    assert (
        len(data["items"])
        == Membership.objects.filter(community=world["public"], state="active").count()
    )


@pytest.mark.django_db
def test_an_unverified_address_claims_no_invitation(client, world, staff, make_user):
    from allauth.account.models import EmailAddress

    squatter = make_user()
    EmailAddress.objects.filter(user=squatter).update(verified=False)
    actions.invite(staff, world["private"], email=squatter.email)
    response, data = call(client, "post", "/communities/support/join", bearer(squatter))
    assert response.status_code == 200 and data["state"] == "pending"  # asked, not let in
    EmailAddress.objects.filter(user=squatter).update(verified=True)
    actions.leave(squatter, world["private"])
    response, data = call(client, "post", "/communities/support/join", bearer(squatter))
    assert data["state"] == "active"


@pytest.mark.django_db
def test_invited_people_join_a_hidden_community_through_the_api(client, world, staff, make_user):
    guest, stranger = make_user(), make_user()
    response, data = call(
        client, "post", "/communities/club/invitations", bearer(staff), {"email": guest.email}
    )
    assert response.status_code == 201 and "url" not in data  # the link goes by mail only
    response, data = call(client, "post", "/communities/club/join", bearer(guest))
    assert response.status_code == 200 and data["state"] == "active"
    response, missing = call(client, "post", "/communities/nowhere/join", bearer(stranger))
    response, hidden = call(client, "post", "/communities/club/join", bearer(stranger))
    assert response.status_code == 404 and hidden == missing


@pytest.mark.django_db
def test_a_ban_from_a_hidden_community_stays_invisible(client, world, staff, make_user):
    outsider = make_user()
    actions.ban(staff, world["hidden"], outsider)
    response, data = call(client, "get", "/me", bearer(outsider))
    assert "club" not in {m["community"] for m in data["memberships"]}
    response, data = call(client, "get", "/communities/club", bearer(outsider))
    assert_error(response, data, 404)


@pytest.mark.django_db
def test_patch_member_is_all_or_nothing(client, world, make_user):
    applicant = make_user()
    actions.join(applicant, world["private"])
    path = f"/communities/support/members/{applicant.username}"
    # A moderator may approve but not appoint: the approval is undone with the refusal.
    response, data = call(
        client, "patch", path, bearer(world["moderator"]), {"state": "active", "role": "moderator"}
    )
    assert_error(response, data, 403)
    assert Membership.objects.get(user=applicant, community=world["private"]).state == "pending"
    manager = bearer(world["private"].created_by)
    response, data = call(client, "patch", path, manager, {"state": "banned", "role": "moderator"})
    assert_error(response, data, 403)
    assert Membership.objects.get(user=applicant, community=world["private"]).state == "pending"


@pytest.mark.postgres_too
@pytest.mark.django_db
def test_null_bytes_in_urls_are_a_400(client, world):
    for path in ("/communities/a%00b", "/members/a%00b", "/communities/ideas/members?role=%00"):
        response, data = call(client, "get", path)
        assert_error(response, data, 400)
    assert client.get("/u/a%00b/").status_code == 400


@pytest.mark.django_db
def test_member_suggestions_by_prefix(client, world, make_user, add_member):
    zoe = make_user(username="zoe.rider")
    add_member(world["public"], zoe)
    _, data = call(client, "get", "/communities/ideas/members?q=zoe", bearer(zoe))
    assert [m["username"] for m in data["items"]] == ["zoe.rider"]
    _, data = call(client, "get", "/communities/ideas/members?q=ZOE")
    assert [m["username"] for m in data["items"]] == ["zoe.rider"]
    _, data = call(client, "get", "/communities/ideas/members?q=nobody")
    assert data["items"] == []
