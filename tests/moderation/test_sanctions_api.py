"""Sanctions over the API (PATCH members, warnings, notes), and a silenced or suspended
member refused on the three surfaces: the page, the API, the WebSocket."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community import actions as community_actions
from community.models import Activity, Membership
from forums import actions as forums
from forums.moderation.models import Notice
from forums.moderation.sanctions.models import ModeratorNote

pytestmark = pytest.mark.django_db
API = "/api/v1"


def bearer(user):
    _token, key = community_actions.create_api_token(user, user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def api(client, method, path, user=None, body=None):
    kwargs = dict(bearer(user) if user else {})
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    response = getattr(client, method)(API + path, **kwargs)
    return response, response.json()


@pytest.fixture
def world(make_community, make_user, add_member, staff):
    club = make_community("club")
    hidden = make_community("vault", visibility="hidden")
    member, mod, manager, outsider = (
        make_user(username=n) for n in ("member", "mod", "boss", "out")
    )
    add_member(club, member)
    add_member(club, mod, role="moderator")
    add_member(club, manager, role="manager")
    add_member(hidden, member)
    thread = forums.create_thread(staff, club, kind="discussion", title="Hello", body="Welcome")
    return {
        "club": club,
        "hidden": hidden,
        "member": member,
        "mod": mod,
        "manager": manager,
        "outsider": outsider,
        "staff": staff,
        "thread": thread,
    }


def soon(**kwargs):
    return (timezone.now() + timedelta(**kwargs)).replace(microsecond=0)


def test_patch_silences_with_reason_and_null_lifts(client, world):
    until = soon(days=1)
    path = "/communities/club/members/member"
    response, data = api(
        client, "patch", path, world["mod"], {"silenced_until": until.isoformat(), "reason": "calm"}
    )
    assert response.status_code == 200, data
    assert data["silenced_until"].startswith(until.isoformat()[:16])
    entry = Activity.objects.filter(verb="membership.silenced").get()
    assert entry.data["reason"] == "calm" and entry.actor == world["mod"]
    response, data = api(client, "patch", path, world["mod"], {"silenced_until": None})
    assert response.status_code == 200 and data["silenced_until"] is None
    assert Activity.objects.filter(verb="membership.unsilenced").count() == 1


def test_patch_bans_until_a_date_and_null_lifts(client, world):
    until = soon(days=3)
    path = "/communities/club/members/member"
    response, data = api(
        client, "patch", path, world["mod"], {"banned_until": until.isoformat(), "reason": "spam"}
    )
    assert response.status_code == 200, data
    assert data["state"] == "banned" and data["banned_until"].startswith(until.isoformat()[:16])
    membership = Membership.objects.get(community=world["club"], user=world["member"])
    assert membership.ban_reason == "spam" and membership.banned_until == until
    response, data = api(client, "patch", path, world["mod"], {"banned_until": None})
    assert response.status_code == 200 and data["state"] == "active"


def test_patch_refusals(client, world):
    path = "/communities/club/members/member"
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response, data = api(client, "patch", path, world["mod"], {"silenced_until": past})
    assert response.status_code in (400, 422), data
    # A moderator cannot silence a manager.
    response, data = api(
        client,
        "patch",
        "/communities/club/members/boss",
        world["mod"],
        {"silenced_until": soon(days=1).isoformat()},
    )
    assert response.status_code == 403 and data["code"] == "rank"
    # A member is not a moderator; an outsider of a hidden community gets a 404.
    response, data = api(
        client,
        "patch",
        "/communities/club/members/mod",
        world["member"],
        {"silenced_until": soon(days=1).isoformat()},
    )
    assert response.status_code == 403
    response, data = api(
        client,
        "patch",
        "/communities/vault/members/member",
        world["mod"],
        {"silenced_until": soon(days=1).isoformat()},
    )
    assert response.status_code == 404


def test_warnings_endpoint(client, world):
    path = "/communities/club/members/member/warnings"
    response, data = api(client, "post", path, world["mod"], {"text": "Mind the rules"})
    assert response.status_code == 201, data
    assert data["text"] == "Mind the rules" and data["by"] == "mod" and data["read"] is False
    assert Notice.objects.get(user=world["member"]).kind == "warning"
    response, data = api(client, "get", path, world["mod"])
    assert response.status_code == 200 and [w["text"] for w in data] == ["Mind the rules"]
    response, data = api(client, "get", path, world["member"])
    assert response.status_code == 403
    response, data = api(client, "post", path, world["outsider"], {"text": "x"})
    assert response.status_code == 403
    response, data = api(client, "post", path, world["mod"], {"text": ""})
    assert response.status_code in (400, 422)


def test_notes_endpoint_is_for_that_communitys_moderators(
    client, world, make_community, make_user, add_member
):
    path = "/communities/club/members/member/notes"
    response, data = api(client, "post", path, world["mod"], {"text": "Off-topic twice"})
    assert response.status_code == 201 and data["author"] == "mod"
    response, data = api(client, "get", path, world["manager"])
    assert [n["text"] for n in data] == ["Off-topic twice"]
    other = make_community("other")
    other_mod = make_user(username="othermod")
    add_member(other, other_mod, role="moderator")
    add_member(other, world["member"])
    response, data = api(client, "get", path, other_mod)
    assert response.status_code == 403
    response, data = api(client, "get", "/communities/other/members/member/notes", other_mod)
    assert response.status_code == 200 and data == []
    assert ModeratorNote.objects.count() == 1
    response, data = api(client, "get", path, world["member"])
    assert response.status_code == 403


def test_member_payload_shows_sanctions_to_moderators_only(client, world):
    community_actions.silence(world["mod"], world["club"], world["member"], until=soon(days=1))
    _r, as_mod = api(client, "get", "/communities/club/members/member", world["mod"])
    _r, as_other = api(client, "get", "/communities/club/members/member", world["manager"])
    _r, as_outsider = api(client, "get", "/communities/club/members/member", world["outsider"])
    assert as_mod["silenced_until"] and as_other["silenced_until"]
    assert as_outsider["silenced_until"] is None


# --- The three surfaces ---------------------------------------------------------------


@pytest.fixture(params=["silenced", "suspended"])
def muted(request, world):
    if request.param == "silenced":
        community_actions.silence(world["mod"], world["club"], world["member"], until=soon(days=1))
    else:
        community_actions.suspend(world["staff"], world["member"], until=soon(days=1))
    return request.param


def test_api_refuses_a_muted_member(client, world, muted):
    thread = world["thread"]
    response, data = api(
        client, "post", f"/threads/{thread.pk}/posts", world["member"], {"body": "let me"}
    )
    assert response.status_code == 403 and data["code"] == muted
    assert "you can read" in data["detail"]
    response, data = api(
        client,
        "post",
        "/communities/club/threads",
        world["member"],
        {"kind": "discussion", "title": "New", "body": "Hi"},
    )
    assert response.status_code == 403 and data["code"] == muted


def test_page_refuses_a_muted_member(client, world, muted):
    thread = world["thread"]
    client.force_login(world["member"])
    url = reverse("thread_reply", args=["club", thread.pk])
    response = client.post(url, {"body": "let me", "client_id": "c" * 32}, follow=True)
    text = response.content.decode()
    assert "you can read" in text
    assert thread.posts.count() == 1


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["silenced", "suspended"])
async def test_websocket_refuses_a_muted_member(kind, make_community, make_user, add_member, staff):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    from community.site.asgi import application

    @sync_to_async
    def setup():
        club = make_community("club")
        member, mod = make_user(), make_user()
        add_member(club, member)
        add_member(club, mod, role="moderator")
        thread = forums.create_thread(staff, club, kind="discussion", title="Hi", body="Hello")
        if kind == "silenced":
            community_actions.silence(mod, club, member, until=soon(days=1))
        else:
            community_actions.suspend(staff, member, until=soon(days=1))
        client = Client()
        client.force_login(member)
        return thread, client.session.session_key

    thread, session_key = await setup()
    communicator = WebsocketCommunicator(
        application,
        "/ws/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"cookie", f"sessionid={session_key}".encode()),
        ],
    )
    assert (await communicator.connect())[0]
    await communicator.send_to(
        text_data=json.dumps({"op": "reply", "thread": thread.pk, "body": "let me", "ref": 1})
    )
    answer = json.loads(await communicator.receive_from())
    assert answer["op"] == "error" and answer["reason"] == kind, answer
    assert "you can read" in answer["detail"]
    await communicator.disconnect()
    assert await sync_to_async(thread.posts.count)() == 1
