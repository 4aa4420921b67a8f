"""A Redis restart shorter than the hub's check, between two checks (issue 12, defect 8).

Production tier (all but the last test): a real daphne, or the hub in
process, on a Redis of the test's own. The heartbeat the hub publishes every
``HEARTBEAT_SECONDS`` is watched on Redis itself, so that the restart comes
right after a check and is over before the next one: the heartbeat never
fails, yet the process's subscription lapsed meanwhile (the Redis client
re-subscribes on its own) and the post published during the blip reached
nobody. The open socket must get it anyway, once, with no
later post to reveal the gap.
"""

import asyncio
import json
import time

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from redis import asyncio as aioredis

from realtime import hub, layers
from realtime.layers import LocalChannelLayer
from tests import servers
from tests.realtime.test_scale_out import (
    alice_on_the_first_thread,
    api,
    next_event,
    own_redis,  # noqa: F401 (fixture)
    subscribed,
)

pytestmark = pytest.mark.asyncio
# Redis back, the client's reconnection, then one catch-up from the outbox.
CAUGHT_UP_WITHIN = 5.0


async def a_heartbeat(redis_url):
    """Return right after a hub publishes its heartbeat (its check of the layer)."""
    client = aioredis.from_url(redis_url)
    pubsub = client.pubsub()
    try:
        await pubsub.psubscribe("*realtime-hub.*")
        deadline = time.monotonic() + hub.HEARTBEAT_SECONDS * 3
        while time.monotonic() < deadline:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if message is not None:
                return
        raise AssertionError("no heartbeat seen on Redis")
    finally:
        await pubsub.aclose()
        await client.aclose()


async def no_more(ws, event, seconds):
    """The frames of ``event`` arriving within ``seconds`` (expected: none)."""
    frames = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = json.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            break
        if frame.get("event") == event:
            frames.append(frame)
    return frames


@pytest.mark.production
async def test_a_post_during_a_redis_blip_between_two_checks_reaches_the_open_socket(own_redis):  # noqa: F811
    with servers.run_daphne(redis_url=own_redis["url"]) as server:
        stream, path, token = await alice_on_the_first_thread(server)
        async with await subscribed(server, stream) as ws:
            before = await asyncio.to_thread(api, server, "POST", path, token, {"body": "Before"})
            frame = await next_event(ws, "post.created")
            assert frame["data"]["id"] == before["id"]

            await a_heartbeat(own_redis["url"])
            checked = time.monotonic()
            own_redis["stop"]()
            during = await asyncio.to_thread(
                api, server, "POST", path, token, {"body": "During the blip"}
            )
            own_redis["restart"]()
            back = time.monotonic()
            # Over before the next check: the heartbeat alone would never see it.
            assert back - checked < hub.HEARTBEAT_SECONDS * 0.75, back - checked

            got = await next_event(ws, "post.created", timeout=CAUGHT_UP_WITHIN)
            caught_up = time.monotonic() - back
            assert got.get("op") != "error", got
            assert got["data"]["id"] == during["id"]
            assert got["id"] == frame["id"] + 1
            print(f"blip {back - checked:.2f} s; caught up {caught_up:.2f} s after Redis was back")
            assert await no_more(ws, "post.created", hub.HEARTBEAT_SECONDS * 2) == []
        assert "Could not publish" in server.log()  # the post's broadcast was lost


class Member:
    def __init__(self):
        self.got = []

    async def push(self, message):
        self.got.append(message)


async def until(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.mark.production
async def test_a_killed_subscriber_connection_makes_the_hub_resync(own_redis):  # noqa: F811
    """In process, no restart: Redis drops the subscriber; redis-py reconnects; the hub knows."""
    layer = RedisPubSubChannelLayer(hosts=[own_redis["url"]], prefix="blip")
    sender = RedisPubSubChannelLayer(hosts=[own_redis["url"]], prefix="blip")
    member = Member()
    the_hub = hub.Hub(layer)
    await the_hub.join("thread.1", member)
    admin = aioredis.from_url(own_redis["url"])
    try:
        assert await admin.client_kill_filter(_type="pubsub") == 1
        await until(lambda: {"type": "hub.resync"} in member.got, hub.HEARTBEAT_SECONDS)
        await sender.group_send("thread.1", {"type": "stream.event", "group": "thread.1", "n": 1})
        await until(lambda: member.got[-1].get("n") == 1, 2)
        assert member.got.count({"type": "hub.resync"}) == 1
    finally:
        await admin.aclose()
        await the_hub.leave("thread.1", member)
        the_hub.heart.cancel()
        the_hub.reader.cancel()
        await layer.flush()
        await sender.flush()


class Deaf(LocalChannelLayer):
    """A layer that answers but stops delivering to the hub: a subscription gone silently."""

    deaf = False

    async def send(self, channel, message):
        if not self.deaf:
            await super().send(channel, message)


async def test_heartbeats_that_stop_coming_back_make_the_hub_repair(monkeypatch):
    monkeypatch.setattr(hub, "HEARTBEAT_SECONDS", 0.02)
    monkeypatch.setattr(hub, "RETRY_SECONDS", 0.01)
    monkeypatch.setattr(layers, "on_resubscribed", lambda layer, callback: True)
    layer = Deaf()
    member = Member()
    the_hub = hub.Hub(layer)
    await the_hub.join("thread.1", member)
    try:
        await until(lambda: the_hub.echoed >= 2, 2)
        assert member.got == []  # heartbeats coming back: nothing to repair
        layer.deaf = True
        await until(lambda: {"type": "hub.resync"} in member.got, 2)
    finally:
        for task in (the_hub.heart, the_hub.reader, the_hub.repairing):
            if task is not None:
                task.cancel()
