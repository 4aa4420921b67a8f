"""The channel layers (realtime/layers.py); stream events never wait for the sync thread.

The semantic tests run on Channels' stock ``InMemoryChannelLayer`` too: the
local layer must behave the same, only faster. The Redis ones run when
REDIS_URL is set (``production``).
"""

import asyncio
import json
import os
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import path

from realtime import publish
from realtime.auth import SessionAuthMiddleware
from realtime.consumers import StreamConsumer
from realtime.layers import LocalChannelLayer
from realtime.streams import group_for

pytestmark = pytest.mark.asyncio

BOTH = pytest.mark.parametrize("layer_class", [InMemoryChannelLayer, LocalChannelLayer])
NOTHING = 0.05  # seconds to wait for a message that must not come


async def nothing_for(layer, channel):
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(channel), NOTHING)


# --- the layer's semantics ----------------------------------------------------------


@BOTH
async def test_send_and_receive_in_order(layer_class):
    layer = layer_class()
    channel = await layer.new_channel()
    other = await layer.new_channel()
    assert channel != other
    for n in range(3):
        await layer.send(channel, {"type": "test.message", "n": n})
    assert [(await layer.receive(channel))["n"] for _ in range(3)] == [0, 1, 2]
    await nothing_for(layer, other)


@BOTH
async def test_a_waiting_receiver_gets_the_message(layer_class):
    layer = layer_class()
    channel = await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    await layer.send(channel, {"type": "test.message"})
    assert await asyncio.wait_for(waiting, 1) == {"type": "test.message"}


@BOTH
async def test_receivers_sharing_a_channel_each_get_one_message(layer_class):
    layer = layer_class()
    channel = await layer.new_channel()
    receivers = [asyncio.ensure_future(layer.receive(channel)) for _ in range(2)]
    await asyncio.sleep(0)
    await layer.send(channel, {"type": "test.message", "n": 1})
    await layer.send(channel, {"type": "test.message", "n": 2})
    got = await asyncio.wait_for(asyncio.gather(*receivers), 1)
    assert sorted(m["n"] for m in got) == [1, 2]


@BOTH
async def test_a_receiver_cancelled_after_its_wake_up_loses_no_message(layer_class):
    layer = layer_class()
    channel = await layer.new_channel()
    first = asyncio.ensure_future(layer.receive(channel))
    second = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    await layer.send(channel, {"type": "test.message", "n": 1})  # wakes the first...
    first.cancel()  # ...which goes away before it runs
    assert (await asyncio.wait_for(second, 1))["n"] == 1
    assert first.cancelled()


@BOTH
async def test_send_copies_the_message(layer_class):
    layer = layer_class()
    channel = await layer.new_channel()
    message = {"type": "test.message", "data": {"items": [1]}}
    await layer.send(channel, message)
    message["data"]["items"].append(2)
    assert (await layer.receive(channel))["data"] == {"items": [1]}


@BOTH
async def test_groups(layer_class):
    layer = layer_class()
    a, b, c = [await layer.new_channel() for _ in range(3)]
    await layer.group_add("g1", a)
    await layer.group_add("g1", b)
    await layer.group_add("g2", c)
    await layer.group_add("g1", a)  # twice: still one membership
    await layer.group_send("g1", {"type": "test.message", "n": 1})
    assert (await layer.receive(a))["n"] == 1
    assert (await layer.receive(b))["n"] == 1
    await nothing_for(layer, a)
    await nothing_for(layer, c)

    await layer.group_discard("g1", b)
    await layer.group_discard("g1", c)  # not a member: no error
    await layer.group_discard("nobody", a)
    await layer.group_send("g1", {"type": "test.message", "n": 2})
    assert (await layer.receive(a))["n"] == 2
    await nothing_for(layer, b)
    await layer.group_send("empty", {"type": "test.message"})  # no members: nothing happens


@BOTH
async def test_group_send_is_isolated_from_the_sender(layer_class):
    layer = layer_class()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    message = {"type": "test.message", "data": {"items": [1]}}
    await layer.group_send("g", message)
    message["data"]["items"].append(2)
    assert (await layer.receive(channel))["data"] == {"items": [1]}


@BOTH
async def test_names_are_validated(layer_class):
    layer = layer_class()
    with pytest.raises(TypeError):
        await layer.send("bad name!", {"type": "x"})
    with pytest.raises(TypeError):
        await layer.group_add("bad group", await layer.new_channel())
    with pytest.raises(TypeError):
        await layer.group_send("x" * 200, {"type": "x"})


@BOTH
async def test_capacity(layer_class):
    layer = layer_class(capacity=2)
    full, other = await layer.new_channel(), await layer.new_channel()
    await layer.send(full, {"type": "test.message", "n": 1})
    await layer.send(full, {"type": "test.message", "n": 2})
    with pytest.raises(ChannelFull):
        await layer.send(full, {"type": "test.message", "n": 3})
    # A group send skips a full member and still reaches the others.
    await layer.group_add("g", full)
    await layer.group_add("g", other)
    await layer.group_send("g", {"type": "test.message", "n": 4})
    assert (await layer.receive(other))["n"] == 4
    assert [(await layer.receive(full))["n"] for _ in range(2)] == [1, 2]
    await nothing_for(layer, full)
    # Room again once read.
    await layer.send(full, {"type": "test.message", "n": 5})
    assert (await layer.receive(full))["n"] == 5


async def test_capacity_per_channel_pattern():
    # The stock layer keeps channel_capacity uncompiled and cannot read it.
    layer = LocalChannelLayer(capacity=100, channel_capacity={"tiny.*": 1})
    tiny = await layer.new_channel(prefix="tiny.")
    roomy = await layer.new_channel()
    await layer.send(tiny, {"type": "x"})
    with pytest.raises(ChannelFull):
        await layer.send(tiny, {"type": "x"})
    for _ in range(5):
        await layer.send(roomy, {"type": "x"})


@BOTH
async def test_expired_messages_are_not_received(layer_class):
    layer = layer_class(expiry=0.05)
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "test.message", "n": 1})
    await asyncio.sleep(0.1)
    await layer.send(channel, {"type": "test.message", "n": 2})
    assert (await layer.receive(channel))["n"] == 2
    await nothing_for(layer, channel)


@BOTH
async def test_a_channel_with_an_expired_message_leaves_its_groups(layer_class):
    # The stock rule: a channel that let a message expire is presumed dead.
    layer = layer_class(expiry=0.05)
    dead, alive = await layer.new_channel(), await layer.new_channel()
    for channel in (dead, alive):
        await layer.group_add("g", channel)
    await layer.send(dead, {"type": "test.message", "n": 1})
    await asyncio.sleep(0.1)
    await layer.group_send("g", {"type": "test.message", "n": 2})
    assert (await layer.receive(alive))["n"] == 2
    await nothing_for(layer, dead)


@BOTH
async def test_group_membership_expires(layer_class):
    layer = layer_class(group_expiry=1)
    old = await layer.new_channel()
    await layer.group_add("g", old)
    await asyncio.sleep(2.05)  # group_expiry counts whole seconds
    new = await layer.new_channel()
    await layer.group_add("g", new)
    await layer.group_send("g", {"type": "test.message"})
    assert await layer.receive(new) == {"type": "test.message"}
    await nothing_for(layer, old)


@BOTH
async def test_flush(layer_class):
    layer = layer_class()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await layer.send(channel, {"type": "test.message"})
    await layer.flush()
    await nothing_for(layer, channel)
    await layer.group_send("g", {"type": "test.message"})
    await nothing_for(layer, channel)


async def test_local_layer_shares_one_copy_between_group_members():
    # Documented difference (as channels_redis does within a process): handlers
    # must not mutate layer messages.
    layer = LocalChannelLayer()
    a, b = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("g", a)
    await layer.group_add("g", b)
    await layer.group_send("g", {"type": "test.message", "data": {}})
    assert (await layer.receive(a)) is (await layer.receive(b))


async def test_local_layer_sweeps_untouched_channels_once_per_interval():
    layer = LocalChannelLayer(expiry=0.05, sweep_interval=0.1)
    forgotten, busy = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("forgotten-group", forgotten)
    await layer.send(forgotten, {"type": "test.message"})
    await asyncio.sleep(0.15)
    # Any call after the interval sweeps: the forgotten channel's expired
    # message goes, and with it its membership and its queue.
    await layer.send(busy, {"type": "test.message"})
    assert forgotten not in layer.channels
    assert "forgotten-group" not in layer.groups
    assert busy in layer.channels


async def test_local_layer_fan_out_is_linear():
    # The stock layer sweeps every channel on each receive: O(N²) per group send.
    # Here 4,000 members must not take four times longer per member than 1,000
    # (generous bound: the box is shared).
    async def fan_out(size):
        layer = LocalChannelLayer()
        channels = [await layer.new_channel() for _ in range(size)]
        for channel in channels:
            await layer.group_add("g", channel)
        receivers = [asyncio.ensure_future(layer.receive(c)) for c in channels]
        await asyncio.sleep(0)
        started = time.perf_counter()
        await layer.group_send("g", {"type": "test.message"})
        await asyncio.gather(*receivers)
        return (time.perf_counter() - started) / size

    await fan_out(200)  # warm up
    small = min([await fan_out(1000) for _ in range(3)])
    large = min([await fan_out(4000) for _ in range(3)])
    assert large < small * 4


# --- Redis ------------------------------------------------------------------------


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL")
    return url


@pytest.mark.production
@pytest.mark.parametrize(
    "backend",
    ["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"],
)
async def test_redis_layers_deliver_a_group_message_to_every_member(redis_url, backend):
    from django.utils.module_loading import import_string

    prefix = f"test{os.getpid()}"
    sender = import_string(backend)(hosts=[redis_url], prefix=prefix)
    receiver = import_string(backend)(hosts=[redis_url], prefix=prefix)  # "another process"
    try:
        members = [await receiver.new_channel() for _ in range(50)]
        for channel in members:
            await receiver.group_add("g", channel)
        await sender.group_send("g", {"type": "test.message", "n": 1})
        got = await asyncio.wait_for(asyncio.gather(*(receiver.receive(c) for c in members)), 5)
        assert [m["n"] for m in got] == [1] * 50
    finally:
        await sender.flush()
        await receiver.flush()


# --- events skip the sync thread -----------------------------------------------------


class BusySyncThread:
    """Keep asgiref's thread-sensitive sync thread (where Django's sync code and
    Channels' aclose_old_connections() run) busy until released."""

    async def __aenter__(self):
        self.release = threading.Event()
        started = threading.Event()

        def hold():
            started.set()
            self.release.wait(10)

        self.task = asyncio.ensure_future(sync_to_async(hold)())
        while not started.is_set():
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc):
        self.release.set()
        await self.task


@pytest.mark.django_db(transaction=True)
async def test_stream_events_reach_the_socket_while_the_sync_thread_is_busy(make_community):
    await sync_to_async(make_community)("open-club", visibility="public")
    app = SessionAuthMiddleware(URLRouter([path("ws/", StreamConsumer.as_asgi())]))
    socket = WebsocketCommunicator(app, "/ws/")
    assert (await socket.connect())[0]
    await socket.send_to(text_data=json.dumps({"op": "subscribe", "stream": "community:open-club"}))
    assert json.loads(await socket.receive_from())["op"] == "subscribed"
    layer = get_channel_layer()
    data = {"id": 1, "community": "open-club", "kind": "discussion", "title": "Hi", "state": "open"}
    message = publish.stream_message("community:open-club", "thread.created", None, data)
    async with BusySyncThread():
        await layer.group_send(group_for("community:open-club"), message)
        frame = json.loads(await socket.receive_from(timeout=1))
    assert frame["event"] == "thread.created"
    assert frame["data"] == data
    await socket.disconnect()
