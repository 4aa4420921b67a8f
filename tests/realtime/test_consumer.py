"""The WebSocket consumer through the real ASGI stack (origin check, session auth, routing)."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from community import actions
from community.site.asgi import application
from realtime import publish
from realtime.consumers import session_hash
from tests.factories import UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = (b"origin", b"http://localhost")


@sync_to_async
def signed_in(user):
    client = Client()
    client.force_login(user)
    return client.session.session_key


async def connect(session_key=None, origin=ORIGIN):
    headers = [origin]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, _ = await communicator.connect()
    return communicator, connected


async def send(communicator, frame):
    await communicator.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))
    return json.loads(await communicator.receive_from())


@pytest.fixture
def world(db):
    staff = UserFactory(is_staff=True)
    member, outsider = UserFactory(), UserFactory()
    club = actions.create_community(
        staff, slug="club", name="Club", kind="club", visibility="hidden", join_policy="invite"
    )
    actions.join(member, club, invitation=actions.invite(staff, club, email=member.email))
    return {"staff": staff, "member": member, "outsider": outsider, "club": club}


async def test_anonymous_echo_and_bad_frames():
    communicator, connected = await connect()
    assert connected
    assert await send(communicator, {"op": "echo", "data": [1, "two"]}) == {
        "op": "echo",
        "user": None,
        "data": [1, "two"],
    }
    assert (await send(communicator, "{nope"))["reason"] == "invalid_json"
    assert (await send(communicator, "[1, 2]"))["reason"] == "missing_op"
    assert await send(communicator, {"op": "dance"}) == {
        "op": "error",
        "stream": None,
        "reason": "unknown_op",
        "requested": "dance",
    }
    assert (await send(communicator, {"op": "subscribe"}))["reason"] == "missing_stream"
    assert (await send(communicator, {"op": "subscribe", "stream": "nope:1"}))[
        "reason"
    ] == "unknown_stream"
    assert (await send(communicator, {"op": "subscribe", "stream": "me"}))[
        "reason"
    ] == "not_authenticated"
    # Still alive after all that.
    assert (await send(communicator, {"op": "echo"}))["op"] == "echo"
    await communicator.disconnect()


async def test_oversized_frame_closes_with_4009():
    communicator, _ = await connect()
    await communicator.send_to(text_data=json.dumps({"op": "echo", "data": "x" * 70_000}))
    assert json.loads(await communicator.receive_from())["reason"] == "frame_too_large"
    assert (await communicator.receive_output())["code"] == 4009


async def test_a_thread_number_no_column_holds_is_a_missing_thread():
    communicator, _ = await connect()
    # A name past the streams' pattern is no stream at all; a key that fits it but
    # no id column holds (2**70 overflowed SQLite's integer) is a missing thread.
    too_long = await send(communicator, {"op": "subscribe", "stream": "thread:" + "9" * 5000})
    assert too_long["reason"] == "unknown_stream"
    for key in (str(2**70), str(2**63), "0"):
        answer = await send(communicator, {"op": "subscribe", "stream": f"thread:{key}"})
        assert answer["reason"] == "not_found", (key, answer)
    await communicator.disconnect()


async def test_cross_origin_is_refused():
    _communicator, connected = await connect(origin=(b"origin", b"http://evil.example"))
    assert not connected


async def test_hidden_stream_is_refused_to_outsiders_and_open_to_members(world):
    outsider_socket, _ = await connect(await signed_in(world["outsider"]))
    refused = await send(outsider_socket, {"op": "subscribe", "stream": "community:club"})
    assert refused == {"op": "error", "stream": "community:club", "reason": "not_found"}
    missing = await send(outsider_socket, {"op": "subscribe", "stream": "community:nope"})
    assert missing["reason"] == refused["reason"]  # hidden and missing answer alike
    await outsider_socket.disconnect()

    member_socket, _ = await connect(await signed_in(world["member"]))
    echo = await send(member_socket, {"op": "echo"})
    assert echo["user"] == world["member"].username
    assert await send(member_socket, {"op": "subscribe", "stream": "community:club"}) == {
        "op": "subscribed",
        "stream": "community:club",
        "last_id": 0,  # nothing published on it yet
    }
    await member_socket.disconnect()


async def test_me_stream_receives_membership_events(world):
    member = world["member"]
    socket, _ = await connect(await signed_in(member))
    assert (await send(socket, {"op": "subscribe", "stream": "me"}))["op"] == "subscribed"
    data = {"community": "club", "username": member.username, "role": "member", "state": "active"}
    await sync_to_async(publish.send_event_rollback_unsafe)(
        f"me:{member.pk}", "membership.changed", data
    )
    frame = json.loads(await socket.receive_from())
    assert frame == {"stream": "me", "event": "membership.changed", "id": None, "data": data}
    await socket.disconnect()


async def test_losing_membership_drops_the_stream(world):
    member = world["member"]
    socket, _ = await connect(await signed_in(member))
    await send(socket, {"op": "subscribe", "stream": "community:club"})
    await send(socket, {"op": "subscribe", "stream": "me"})
    await sync_to_async(actions.leave)(member, world["club"])
    frames = [json.loads(await socket.receive_from(timeout=2)) for _ in range(2)]
    assert {"op": "error", "stream": "community:club", "reason": "access_revoked"} in frames
    assert any(f.get("event") == "membership.removed" for f in frames)
    await socket.disconnect()


async def test_logout_closes_that_sessions_sockets(world):
    member = world["member"]
    session_key = await signed_in(member)
    mine, _ = await connect(session_key)
    other_session, _ = await connect(await signed_in(member))
    await sync_to_async(publish.close_user_sockets)(
        member.pk, session_key_hash=session_hash(session_key)
    )
    assert (await mine.receive_output())["code"] == 4401
    # The member's other session stays open.
    assert (await send(other_session, {"op": "echo"}))["user"] == member.username
    await other_session.disconnect()


async def test_a_community_turning_private_drops_anonymous_subscribers(world):
    staff = world["staff"]
    ideas = await sync_to_async(actions.create_community)(
        staff, slug="ideas", name="Ideas", kind="ideas", visibility="public", join_policy="open"
    )
    anonymous, _ = await connect()
    assert (await send(anonymous, {"op": "subscribe", "stream": "community:ideas"}))[
        "op"
    ] == "subscribed"
    await sync_to_async(actions.update_community)(staff, ideas, visibility="private")
    frame = json.loads(await anonymous.receive_from(timeout=2))
    assert frame == {"op": "error", "stream": "community:ideas", "reason": "access_revoked"}
    await anonymous.disconnect()


async def test_a_password_change_closes_the_members_sockets(world):
    member = world["member"]
    socket, _ = await connect(await signed_in(member))

    @sync_to_async
    def change_password():
        client = Client()
        client.force_login(member)
        from tests.factories import PASSWORD

        return client.post(
            "/accounts/password/change/",
            {
                "oldpassword": PASSWORD,
                "password1": "a-new-long-phrase!",
                "password2": "a-new-long-phrase!",
            },
        )

    response = await change_password()
    assert response.status_code == 302
    assert (await socket.receive_output(timeout=2))["code"] == 4401


async def test_losing_staff_status_drops_what_only_staff_could_see(world):
    staff = await sync_to_async(UserFactory)(is_staff=True)  # no membership of its own
    socket, _ = await connect(await signed_in(staff))
    assert (await send(socket, {"op": "subscribe", "stream": "moderation:club"}))[
        "op"
    ] == "subscribed"

    @sync_to_async
    def demote():
        type(staff).objects.filter(pk=staff.pk).update(is_staff=False, is_superuser=False)
        publish.access_changed_on_commit(staff.pk)

    await demote()
    frame = json.loads(await socket.receive_from(timeout=2))
    assert frame == {"op": "error", "stream": "moderation:club", "reason": "access_revoked"}
    await socket.disconnect()
