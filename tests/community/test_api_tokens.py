"""Bearer tokens: listed, created and revoked through the API, a page and commands."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import actions
from community.models import Activity, ApiToken

API = "/api/v1"


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def token_for(user, name="tests"):
    return actions.create_api_token(user, user, name=name)


def api(client, method, path, auth=None, body=None):
    kwargs = dict(auth or {})
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    response = getattr(client, method)(API + path, **kwargs)
    data = response.json() if response.content else None
    return response, data


@pytest.fixture
def people(make_user, make_community, add_member, staff):
    member, manager, other = make_user(), make_user(), make_user()
    community = make_community("club")
    add_member(community, manager, role="manager")
    add_member(community, member)
    return {"member": member, "manager": manager, "other": other, "staff": staff}


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


# --- API --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_member_lists_own_tokens_never_the_keys(client, people):
    member = people["member"]
    first, key = token_for(member, "CRM")
    second, _ = token_for(member, "BI")
    token_for(people["other"])
    actions.revoke_api_token(member, second)
    response, data = api(client, "get", "/me/tokens", bearer(key))
    assert response.status_code == 200, data
    assert [item["name"] for item in data["items"]] == ["BI", "CRM"]
    item = data["items"][1]
    assert item["prefix"] == first.prefix and item["state"] == "active"
    assert item["last_used_at"] is not None  # this very request used it
    assert data["items"][0]["state"] == "revoked" and data["items"][0]["revoked_at"]
    assert key not in response.content.decode() and first.key_hash not in response.content.decode()


@pytest.mark.django_db
def test_revoking_by_api_answers_401_at_once_and_records_one_entry(client, people):
    member = people["member"]
    token, key = token_for(member)
    _, other_key = token_for(member)
    assert api(client, "get", "/me", bearer(key))[0].status_code == 200
    response, _ = api(client, "delete", f"/me/tokens/{token.prefix}", bearer(other_key))
    assert response.status_code == 204
    response, data = api(client, "get", "/me", bearer(key))
    assert response.status_code == 401 and data["code"] == "not_authenticated"
    # A second revocation changes nothing and records nothing.
    assert api(client, "delete", f"/me/tokens/{token.pk}", bearer(other_key))[0].status_code == 204
    entries = Activity.objects.filter(verb="api_token.revoked", object_id=token.pk)
    assert [(e.actor_id, e.target_user_id) for e in entries] == [(member.pk, member.pk)]


@pytest.mark.django_db
def test_someone_elses_token_answers_as_a_missing_one(client, people):
    _, key = token_for(people["member"])
    theirs, _ = token_for(people["other"])
    for ref in (str(theirs.pk), theirs.prefix):
        taken = api(client, "delete", f"/me/tokens/{ref}", bearer(key))[0]
        missing = api(client, "delete", "/me/tokens/99999999", bearer(key))[0]
        assert (taken.status_code, taken.content) == (missing.status_code, missing.content)
        assert taken.status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    # Ids past the 64-bit column are a 404 too, not a database error.
    assert api(client, "delete", f"/me/tokens/{2**64}", bearer(key))[0].status_code == 404
    assert api(client, "delete", f"/me/tokens/{2**70}", bearer(key))[0].status_code == 422


@pytest.mark.django_db
def test_staff_revoke_anyones_token_and_others_may_not(client, people):
    target, key = token_for(people["member"])
    _, staff_key = token_for(people["staff"])
    _, other_key = token_for(people["other"])
    path = f"/members/{people['member'].username}/tokens"
    for ref in (target.pk, "no-such-member"):
        response, data = api(client, "delete", f"{path}/{ref}", bearer(other_key))
        assert response.status_code == 403, data
    response, data = api(client, "get", "/members/nobody-at-all/tokens", bearer(other_key))
    assert response.status_code == 403  # the same as for someone who exists
    response, data = api(client, "get", path, bearer(staff_key))
    assert [item["prefix"] for item in data["items"]] == [target.prefix]
    # Staff naming the wrong member: as missing.
    wrong = api(
        client,
        "delete",
        f"/members/{people['other'].username}/tokens/{target.pk}",
        bearer(staff_key),
    )[0]
    assert wrong.status_code == 404
    assert api(client, "delete", f"{path}/{target.pk}", bearer(staff_key))[0].status_code == 204
    assert api(client, "get", "/me", bearer(key))[0].status_code == 401
    entry = Activity.objects.get(verb="api_token.revoked", object_id=target.pk)
    assert (entry.actor, entry.target_user) == (people["staff"], people["member"])


@pytest.mark.django_db
def test_managers_create_tokens_from_the_session_only(people):
    manager, member = signed_in(people["manager"]), signed_in(people["member"])
    manager.cookies["csrftoken"] = member.cookies["csrftoken"] = "x" * 32
    csrf = {"HTTP_X_CSRFTOKEN": "x" * 32}
    response, data = api(manager, "post", "/me/tokens", csrf, {"name": "CRM sync"})
    assert response.status_code == 201, data
    assert data["key"].startswith("bcm_") and data["prefix"] == data["key"][4:12]
    stored = ApiToken.objects.get(pk=data["id"])
    assert stored.key_hash == ApiToken.hash_key(data["key"]) and data["key"] not in str(
        list(ApiToken.objects.values())
    )
    assert api(Client(), "get", "/me", bearer(data["key"]))[0].status_code == 200
    # A token cannot mint tokens: a leaked one would outlive its revocation.
    response, data = api(Client(), "post", "/me/tokens", bearer(data["key"]), {"name": "more"})
    assert (response.status_code, data["code"]) == (403, "session_required")
    response, data = api(member, "post", "/me/tokens", csrf, {"name": "mine"})
    assert (response.status_code, data["code"]) == (403, "token_creation_forbidden")
    response, data = api(manager, "post", "/me/tokens", csrf, {"name": "   "})
    assert response.status_code == 422
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db
def test_last_used_is_written_at_most_once_a_minute(client, people):
    token, key = token_for(people["member"])

    def updates():
        with CaptureQueriesContext(connection) as queries:
            assert api(client, "get", "/me/tokens", bearer(key))[0].status_code == 200
        return [q for q in queries if q["sql"].startswith("UPDATE") and "apitoken" in q["sql"]]

    assert len(updates()) == 1
    assert updates() == []
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(seconds=61))
    assert len(updates()) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 12])
def test_token_list_costs_the_same_at_any_size(client, people, size, django_assert_num_queries):
    _, key = token_for(people["member"])
    for n in range(size):
        token_for(people["member"], f"t{n}")
    api(client, "get", "/me/tokens", bearer(key))  # last_used written once, not counted below
    # Auth (token + user), the page of tokens.
    with django_assert_num_queries(2):
        _response, data = api(client, "get", "/me/tokens", bearer(key))
    assert len(data["items"]) == size + 1


# --- Pages --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 12])
def test_token_page_costs_the_same_at_any_size(people, size, django_assert_num_queries):
    client = signed_in(people["member"])
    for n in range(size):
        token_for(people["member"], f"name-{n}")
    client.get("/settings/tokens/")
    # Session, user, the tokens, may they create one, the header's unread count.
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get("/settings/tokens/")
    assert response.status_code == 200
    assert response.content.decode().count("name-") == size
    assert "no-store" in response["Cache-Control"]


PAGE_QUERIES = 5


@pytest.mark.django_db
def test_the_page_lists_and_revokes_own_tokens(people):
    member = people["member"]
    token, key = token_for(member, "Zapier")
    client = signed_in(member)
    page = client.get("/settings/tokens/").content.decode()
    assert f"bcm_{token.prefix}" in page and "Zapier" in page and "Never" in page
    assert "Create the token" not in page  # members get theirs from the operator
    response = client.post(f"/u/{member.username}/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/settings/tokens/"
    assert api(Client(), "get", "/me", bearer(key))[0].status_code == 401
    assert Activity.objects.filter(verb="api_token.revoked", actor=member).count() == 1


@pytest.mark.django_db
def test_the_page_shows_a_new_key_once(people):
    client = signed_in(people["manager"])
    response = client.post("/settings/tokens/", {"name": "Warehouse"})
    assert response.status_code == 200
    key = response.context["created"]["key"]
    assert key in response.content.decode() and "no-store" in response["Cache-Control"]
    assert key not in client.get("/settings/tokens/").content.decode()
    assert api(Client(), "get", "/me", bearer(key))[0].status_code == 200
    response = signed_in(people["member"]).post("/settings/tokens/", {"name": "x"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_staff_see_and_revoke_a_members_tokens_on_a_page(people):
    token, key = token_for(people["member"])
    outsider = signed_in(people["other"])
    url = f"/u/{people['member'].username}/tokens/"
    assert outsider.get(url).status_code == 403
    assert outsider.post(f"{url}{token.pk}/revoke/").status_code == 403
    staff = signed_in(people["staff"])
    profile = staff.get(f"/u/{people['member'].username}/").content.decode()
    assert url in profile
    assert url not in outsider.get(f"/u/{people['member'].username}/").content.decode()
    assert token.prefix in staff.get(url).content.decode()
    assert staff.post(f"{url}{token.pk}/revoke/")["Location"] == url
    assert api(Client(), "get", "/me", bearer(key))[0].status_code == 401


# --- Commands and the admin -----------------------------------------------------------


@pytest.mark.django_db
def test_commands_list_and_revoke(people):
    member = people["member"]
    token, key = token_for(member, "Nightly export")
    out = StringIO()
    call_command("list_api_tokens", member.username, stdout=out)
    assert f"bcm_{token.prefix}" in out.getvalue() and "Nightly export" in out.getvalue()
    call_command("revoke_api_token", f"bcm_{token.prefix}", stdout=StringIO())
    assert api(Client(), "get", "/me", bearer(key))[0].status_code == 401
    entry = Activity.objects.get(verb="api_token.revoked", object_id=token.pk)
    assert entry.data["via"] == "manage.py revoke_api_token"
    keys = [token_for(member)[1] for _ in range(2)]
    call_command("revoke_api_token", "--user", member.username, "--all", stdout=StringIO())
    assert all(api(Client(), "get", "/me", bearer(k))[0].status_code == 401 for k in keys)
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "nope", stdout=StringIO())


@pytest.mark.django_db
def test_the_admin_cannot_delete_what_actions_own(people):
    token, _ = token_for(people["member"])
    client = signed_in(people["staff"])
    membership = people["member"].memberships.first()
    entry = Activity.objects.first()
    for model, pk in [
        ("apitoken", token.pk),
        ("membership", membership.pk),
        ("activity", entry.pk),
    ]:
        response = client.get(f"/admin/community/{model}/{pk}/delete/")
        assert response.status_code == 403, model
    assert client.get(f"/admin/community/apitoken/{token.pk}/change/").status_code == 200


# --- Sockets ------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_bearer_token_does_not_authenticate_a_socket(make_user):
    from community.site.asgi import application

    user = await sync_to_async(make_user)()
    _, key = await sync_to_async(token_for)(user)
    socket = WebsocketCommunicator(
        application,
        "/ws/",
        headers=[(b"origin", b"http://localhost"), (b"authorization", f"Bearer {key}".encode())],
    )
    connected, _ = await socket.connect()
    assert connected
    await socket.send_to(text_data=json.dumps({"op": "echo"}))
    assert json.loads(await socket.receive_from())["user"] is None
    await socket.send_to(text_data=json.dumps({"op": "subscribe", "stream": "me"}))
    assert json.loads(await socket.receive_from())["reason"] == "not_authenticated"
    await socket.disconnect()
