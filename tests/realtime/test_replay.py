"""Replay with ``since``, gap filling, typing, presence and the frame rate limit, in process."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from forums import actions as forum_actions
from realtime import consumers, publish
from realtime.models import Event
from realtime.streams import group_for
from tests.realtime.test_consumer import connect, send, signed_in

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def thread(make_community, add_member, make_user):
    community = make_community(slug="lounge")
    ana, ben = make_user(username="ana"), make_user(username="ben")
    for user in (ana, ben):
        add_member(community, user)
    ana.profile.display_name = "Ana Lopes"
    ana.profile.save()
    opened = forum_actions.create_thread(
        ana, community, kind="discussion", title="Hello", body="First post"
    )
    return {"thread": opened, "ana": ana, "ben": ben}


async def receive(socket, timeout=2):
    return json.loads(await socket.receive_from(timeout=timeout))


async def nothing_more(socket):
    assert await socket.receive_nothing(timeout=0.3)


@sync_to_async
def reply(user, thread, body):
    return forum_actions.reply(user, thread, body=body)


@sync_to_async
def store_without_broadcast(address, count):
    """Events committed whose broadcast was lost (a layer restart): only the outbox has them."""
    with transaction.atomic():
        for _ in range(count):
            Event.objects.create(
                stream=address,
                seq=publish._next_id(address),
                event="post.deleted",
                data={"id": 0, "thread": 0, "number": 0},
                created_at=timezone.now(),
            )


async def test_subscribe_since_replays_then_goes_live_without_duplicates(thread):
    stream = f"thread:{thread['thread'].pk}"  # id 1: the opening post
    await reply(thread["ben"], thread["thread"], "Second")  # 2
    await reply(thread["ana"], thread["thread"], "Third")  # 3
    socket, _ = await connect()
    assert await send(socket, {"op": "subscribe", "stream": stream, "since": 1}) == {
        "op": "subscribed",
        "stream": stream,
        "last_id": 3,
    }
    replayed = [await receive(socket), await receive(socket)]
    assert [(f["id"], f["event"]) for f in replayed] == [(2, "post.created"), (3, "post.created")]
    assert replayed[0]["data"]["html"] == "<p>Second</p>"
    # A late copy of an event already replayed is not shown twice.
    message = publish.stream_message(stream, "post.created", 3, replayed[1]["data"])
    await get_channel_layer().group_send(group_for(stream), message)
    await reply(thread["ana"], thread["thread"], "Fourth")
    await reply(thread["ben"], thread["thread"], "Fifth")
    live = [await receive(socket), await receive(socket)]
    assert [f["id"] for f in live] == [4, 5]
    await nothing_more(socket)
    await socket.disconnect()


async def test_subscribe_without_since_starts_from_now(thread):
    stream = f"thread:{thread['thread'].pk}"
    socket, _ = await connect()
    subscribed = await send(socket, {"op": "subscribe", "stream": stream})
    assert subscribed == {"op": "subscribed", "stream": stream, "last_id": 1}
    await reply(thread["ben"], thread["thread"], "Hi")
    assert (await receive(socket))["id"] == 2
    await socket.disconnect()


async def test_a_lost_broadcast_is_filled_from_the_outbox(thread):
    stream = f"thread:{thread['thread'].pk}"
    socket, _ = await connect()
    await send(socket, {"op": "subscribe", "stream": stream})
    await store_without_broadcast(stream, 2)  # ids 2 and 3 never reach the layer
    await reply(thread["ben"], thread["thread"], "After the gap")  # 4 does
    frames = [await receive(socket) for _ in range(3)]
    assert [f["id"] for f in frames] == [2, 3, 4]
    await nothing_more(socket)
    await socket.disconnect()


async def test_a_client_too_far_behind_is_told_to_reload(thread, settings):
    stream = f"thread:{thread['thread'].pk}"
    for n in range(3):
        await reply(thread["ben"], thread["thread"], f"Reply {n}")
    await sync_to_async(Event.objects.filter(seq__lte=2).delete)()  # pruned
    socket, _ = await connect()
    error = await send(socket, {"op": "subscribe", "stream": stream, "since": 0})
    assert error == {"op": "error", "stream": stream, "reason": "reload", "last_id": 4}
    # Still subscribed, live from now.
    assert await receive(socket) == {"op": "subscribed", "stream": stream, "last_id": 4}
    await reply(thread["ana"], thread["thread"], "Live")
    assert (await receive(socket))["id"] == 5
    bad = await send(socket, {"op": "subscribe", "stream": "me", "since": "yesterday"})
    assert bad == {"op": "error", "stream": "me", "reason": "invalid_since"}
    await socket.disconnect()


async def test_typing_names_the_session_user_and_is_throttled(thread):
    stream = f"thread:{thread['thread'].pk}"
    ana, _ = await connect(await signed_in(thread["ana"]))
    ben, _ = await connect(await signed_in(thread["ben"]))
    anonymous, _ = await connect()
    for socket in (ana, ben, anonymous):
        assert (await send(socket, {"op": "subscribe", "stream": stream}))["op"] == "subscribed"
    await asyncio.sleep(0.2)
    for socket in (ana, ben, anonymous):  # presence events of both members arriving
        while not await socket.receive_nothing(timeout=0.2):
            await socket.receive_from()

    # The client cannot say who is typing: extra keys are ignored.
    await ana.send_to(text_data=json.dumps({"op": "typing", "stream": stream, "username": "ben"}))
    typing = await receive(ben)
    assert typing == {
        "stream": stream,
        "event": "typing",
        "id": None,
        "data": {"username": "ana", "display_name": "Ana Lopes", "expires_in": 6},
    }
    assert (await receive(anonymous))["event"] == "typing"
    await ana.send_to(text_data=json.dumps({"op": "typing", "stream": stream}))
    await nothing_more(ben)  # within the throttle interval: nothing new

    refused = await send(anonymous, {"op": "typing", "stream": stream})
    assert refused == {"op": "error", "stream": stream, "reason": "not_authenticated"}
    elsewhere = await send(ben, {"op": "typing", "stream": "thread:999999"})
    assert elsewhere["reason"] == "not_subscribed"
    for socket in (ana, ben, anonymous):
        await socket.disconnect()


async def test_presence_lists_who_is_viewing(thread):
    stream = f"thread:{thread['thread'].pk}"
    ana, _ = await connect(await signed_in(thread["ana"]))
    await send(ana, {"op": "subscribe", "stream": stream})
    alone = await receive(ana)
    assert alone["event"] == "presence"
    assert alone["data"] == {
        "viewers": [{"username": "ana", "display_name": "Ana Lopes"}],
        "count": 1,
    }
    ben, _ = await connect(await signed_in(thread["ben"]))
    await send(ben, {"op": "subscribe", "stream": stream})
    together = (await receive(ana))["data"]
    assert [v["username"] for v in together["viewers"]] == ["ana", "ben"]
    assert (await receive(ben))["data"] == together
    await ben.disconnect()
    assert [v["username"] for v in (await receive(ana))["data"]["viewers"]] == ["ana"]
    # Anonymous readers are not listed.
    anonymous, _ = await connect()
    await send(anonymous, {"op": "subscribe", "stream": stream})
    await nothing_more(ana)
    await anonymous.disconnect()
    await ana.disconnect()


async def test_a_flood_of_frames_is_refused_then_closed(monkeypatch):
    monkeypatch.setattr(consumers, "FLOOD_CLOSE", 20)
    monkeypatch.setattr(consumers, "RATE_PER_SECOND", 0.01)  # no refill during the test
    socket, _ = await connect()
    for _ in range(consumers.BURST):
        await send(socket, {"op": "echo"})
    refused = await send(socket, {"op": "echo"})
    assert refused["reason"] == "rate_limited"
    for _ in range(25):
        await socket.send_to(text_data='{"op": "echo"}')
    frames = []
    while True:
        output = await socket.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            break
        frames.append(json.loads(output["text"]))
    assert output["code"] == consumers.CLOSE_FLOOD
    assert all(f["reason"] == "rate_limited" for f in frames)
    # Another socket is not affected.
    other, _ = await connect()
    assert (await send(other, {"op": "echo"}))["op"] == "echo"
    await other.disconnect()


async def test_a_community_turning_private_drops_its_thread_streams(thread, staff):
    from community import actions as community_actions

    stream = f"thread:{thread['thread'].pk}"
    anonymous, _ = await connect()
    member, _ = await connect(await signed_in(thread["ben"]))
    for socket in (anonymous, member):
        for name in ("community:lounge", stream):
            assert (await send(socket, {"op": "subscribe", "stream": name}))["op"] == "subscribed"
    for socket in (anonymous, member):
        while not await socket.receive_nothing(timeout=0.2):
            await socket.receive_from()  # presence: the member, viewing
    community = thread["thread"].community
    await sync_to_async(community_actions.update_community)(staff, community, visibility="private")
    revoked = {(await receive(anonymous))["stream"], (await receive(anonymous))["stream"]}
    assert revoked == {stream, "community:lounge"}
    await nothing_more(member)  # a member still reads a private community
    await reply(thread["ana"], thread["thread"], "Members only now")
    await nothing_more(anonymous)
    assert (await receive(member))["event"] == "post.created"
    for socket in (anonymous, member):
        await socket.disconnect()
