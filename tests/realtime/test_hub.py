"""The per-process hub (realtime/hub.py) on the in-memory layer."""

import asyncio

import pytest

from realtime.hub import Hub, get_hub
from realtime.layers import LocalChannelLayer

pytestmark = pytest.mark.asyncio


class Member:
    def __init__(self, name, log):
        self.name, self.log = name, log

    async def push(self, message):
        self.log.append((self.name, message["n"]))


class Broken(Member):
    async def push(self, message):
        raise RuntimeError("socket gone")


class SlowToJoin(LocalChannelLayer):
    """A layer whose calls take a while, as Redis round trips do."""

    async def new_channel(self, prefix="specific."):
        await asyncio.sleep(0.01)
        return await super().new_channel(prefix)

    async def group_add(self, group, channel):
        await asyncio.sleep(0.05)
        await super().group_add(group, channel)


async def until(condition, timeout=1):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def test_one_layer_membership_per_process_and_every_member_served():
    layer, log = LocalChannelLayer(), []
    hub = Hub(layer)
    members = [Member(n, log) for n in range(3)]
    for member in members:
        await hub.join("g", member)
    assert list(layer.groups["g"]) == [hub.channel]  # one channel, whatever the sockets
    await layer.group_send("g", {"type": "t", "group": "g", "n": 1})
    await until(lambda: len(log) == 3)
    assert sorted(log) == [(0, 1), (1, 1), (2, 1)]
    await layer.group_send("other", {"type": "t", "group": "other", "n": 2})
    await asyncio.sleep(0.05)
    assert len(log) == 3


async def test_the_last_member_out_unsubscribes_the_process():
    layer, log = LocalChannelLayer(), []
    hub = Hub(layer)
    first, second = Member("a", log), Member("b", log)
    await hub.join("g", first)
    await hub.join("g", second)
    await hub.leave("g", first)
    assert "g" in layer.groups
    await hub.leave("g", second)
    await hub.leave("g", second)  # twice is harmless
    assert "g" not in layer.groups and "g" not in hub.members


async def test_a_join_returns_only_once_the_layer_delivers():
    layer, log = SlowToJoin(), []
    hub = Hub(layer)
    joins = [asyncio.ensure_future(hub.join("g", Member(n, log))) for n in range(2)]
    await asyncio.sleep(0.01)
    assert not any(join.done() for join in joins)  # both wait for the one subscription
    await asyncio.gather(*joins)
    assert list(layer.groups["g"]) == [hub.channel]
    await layer.group_send("g", {"type": "t", "group": "g", "n": 1})
    await until(lambda: len(log) == 2)


async def test_sockets_arriving_together_make_one_hub_channel():
    layer, log = SlowToJoin(), []
    hub = Hub(layer)
    await asyncio.gather(*(hub.join(f"g{n % 3}", Member(n, log)) for n in range(20)))
    assert {channel for members in layer.groups.values() for channel in members} == {hub.channel}
    for n in range(3):
        await layer.group_send(f"g{n}", {"type": "t", "group": f"g{n}", "n": n})
    await until(lambda: len(log) == 20)


async def test_a_broken_member_does_not_keep_the_event_from_the_others(caplog):
    layer, log = LocalChannelLayer(), []
    hub = Hub(layer)
    await hub.join("g", Broken("x", log))
    await hub.join("g", Member("ok", log))
    await layer.group_send("g", {"type": "t", "group": "g", "n": 1})
    await until(lambda: log == [("ok", 1)])
    assert "Could not push" in caplog.text


async def test_one_hub_per_layer_and_event_loop():
    layer = LocalChannelLayer()
    assert get_hub(layer) is get_hub(layer)
    assert get_hub(LocalChannelLayer()) is not get_hub(layer)
