"""One channel layer subscription per process; the fan-out to local sockets done here.

With Channels' usual shape every socket is a channel of its own: it joins
the groups it listens to, and a group message is queued once per member and
read by a receive loop per socket (a task and an ``asyncio.wait`` per
message). For one event to a thousand sockets of one process that is a
thousand queue entries and wake-ups before a single byte is written.

The hub is the shape Discourse's MessageBus has: each process (each event
loop) reads the layer through one channel of its own, joined to every group
any of its sockets listens to, and hands each message to the local sockets
of that group itself, in one pass. A socket costs no layer channel and no
receive task, and a group message is one layer delivery per process
whatever the number of its sockets there.

Members are objects with a ``push(message)`` coroutine that must not wait
on anything slow (the consumer writes the frame, or queues work of its own
and returns). Messages name their group in ``"group"``; ``realtime.publish``
builds every message that way.

Outages of the layer's server (Redis) are noticed by a heartbeat (a message
to the hub's own channel every ``HEARTBEAT_SECONDS``) and by a join or leave
failing. Either way the layer's idea of what this process is subscribed to
can no longer be trusted (channels_redis' Pub/Sub layer forgets a group
whose unsubscribe failed and never subscribes to it again), and whatever
was published meanwhile is lost. The hub then *repairs*: once the layer
answers again it starts over (flush, a new channel, every group joined
anew) and pushes ``{"type": "hub.resync"}`` to every member, which catches
up from the outbox. An open socket misses nothing, not even the events of an
outage it never noticed.

A blip shorter than the heartbeat's period can fall between two beats:
redis-py then reconnects and subscribes again by itself, and what was
published meanwhile is lost without any call failing here. So the hub also
hooks the client's reconnection (``layers.on_resubscribed``): each one,
the subscription being back, pushes ``hub.resync`` at once. And a heartbeat
that never comes back (a subscription gone while Redis answers, as over a
half-open connection) makes it repair after ``LOST_AFTER_BEATS``. Neither
costs anything per event.
"""

import asyncio
import logging
import weakref

from realtime import layers

logger = logging.getLogger(__name__)

# The in-memory layer forgets group memberships after a day (Channels' group
# expiry); joining again renews them, and is a no-op elsewhere.
RENEW_SECONDS = 3600
HEARTBEAT_SECONDS = 2.0
# After a failed receive or repair (the layer's server away), wait before trying again.
RETRY_SECONDS = 1.0
RETRY_MAX_SECONDS = 10.0
# Heartbeats sent since the last that came back through the subscription before it
# counts as lost. Generous: a reader behind a burst hands a heartbeat back late.
LOST_AFTER_BEATS = 4

_hubs = weakref.WeakKeyDictionary()  # event loop -> {layer id: Hub}


def get_hub(layer):
    """The hub of ``layer`` on the running event loop (made when first asked for)."""
    loop = asyncio.get_running_loop()
    hubs = _hubs.setdefault(loop, {})
    hub = hubs.get(id(layer))
    if hub is None or hub.layer is not layer:
        hub = hubs[id(layer)] = Hub(layer)
    return hub


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.members = {}  # group -> set of members
        self.changing = {}  # group -> future done once its layer membership settled
        self.channel = None
        self.reader = None
        self.starting = asyncio.Lock()  # one channel and one reader, however many join at once
        self.repairing = None  # the repair task while one runs
        self.heart = None  # the heartbeat task
        self.beats = 0  # heartbeats sent on the current channel
        self.echoed = 0  # the last of them received back
        self.watching = False  # told of the layer client's reconnections (Redis)
        self.resyncs = set()  # resync tasks after a reconnection, kept until done

    async def join(self, group, member):
        """Deliver ``group``'s messages to ``member`` from when this returns.

        The first local member subscribes the process to the group, and
        everyone else joining meanwhile waits for that, so that no member is
        told it is in before the layer would deliver to it. Raises what the
        layer raises (its server unreachable); the member is then not in.
        """
        while True:
            await self._repaired()
            await self._start()
            await self._settled(group)
            if self.repairing is None:  # else one began meanwhile: wait for it
                break
        members = self.members.get(group)
        if members is not None:
            members.add(member)
            return
        self.members[group] = {member}
        try:
            await self._change(group, self.layer.group_add)
        except Exception:
            self.members.pop(group, None)
            self._repair()
            raise
        except BaseException:
            self.members.pop(group, None)
            raise
        self._watch()  # the group may live on another Redis (shard), on a connection of its own

    async def leave(self, group, member):
        """Stop delivering ``group`` to ``member``; the last one out unsubscribes the process."""
        await self._settled(group)
        members = self.members.get(group)
        if members is None or member not in members:
            return
        members.discard(member)
        if members:
            return
        del self.members[group]
        if self.repairing is not None:
            return  # the layer is away; the repair subscribes to groups with members only
        try:
            await self._change(group, self.layer.group_discard)
        except Exception:
            logger.warning("Could not leave %s on the channel layer", group, exc_info=True)
            self._repair()

    async def _settled(self, group):
        while (pending := self.changing.get(group)) is not None:
            await asyncio.shield(pending)

    async def _change(self, group, method):
        done = self.changing[group] = asyncio.get_running_loop().create_future()
        try:
            await method(group, self.channel)
        finally:
            del self.changing[group]
            done.set_result(None)

    async def _repaired(self):
        while self.repairing is not None:
            await asyncio.shield(self.repairing)

    def _repair(self):
        if self.repairing is None:
            self.repairing = asyncio.create_task(self._start_over(), name="realtime-hub-repair")

    async def _start_over(self):
        delay = RETRY_SECONDS
        try:
            while True:
                await asyncio.sleep(delay)
                try:
                    await self._resubscribe()
                except Exception:
                    logger.warning("Channel layer still unavailable", exc_info=True)
                    delay = min(delay * 2, RETRY_MAX_SECONDS)
                    continue
                logger.warning("Channel layer back: %d groups subscribed again", len(self.members))
                break
        finally:
            self.repairing = None
        await self.deliver_all({"type": "hub.resync"})

    async def _resubscribe(self):
        if self.reader is not None:
            self.reader.cancel()
            self.reader = None
        await self.layer.flush()
        self.channel = None
        await self._start()
        for group in list(self.members):
            await self.layer.group_add(group, self.channel)
        self._watch()

    async def _start(self):
        if self.reader is not None and not self.reader.done():
            return
        async with self.starting:
            if self.reader is not None and not self.reader.done():
                return  # another joiner started it meanwhile
            if self.channel is None:
                self.channel = await self.layer.new_channel("realtime-hub.")
                self.beats = self.echoed = 0
                self._watch()
            self.reader = asyncio.create_task(self._read(), name="realtime-hub")
        if self.heart is None:
            self.heart = asyncio.create_task(self._beat(), name="realtime-hub-heartbeat")

    def _watch(self):
        self.watching = layers.on_resubscribed(self.layer, self._resubscribed) or self.watching

    def _resubscribed(self, _connection):
        """The layer's client connected again and re-subscribed: what it missed is in the outbox."""
        logger.warning("Channel layer reconnected; open sockets catch up from the outbox")
        task = asyncio.get_running_loop().create_task(
            self.deliver_all({"type": "hub.resync"}), name="realtime-hub-resync"
        )
        self.resyncs.add(task)
        task.add_done_callback(self.resyncs.discard)

    async def _beat(self):
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if self.repairing is not None or self.channel is None:
                continue
            if self.watching and self.beats - self.echoed >= LOST_AFTER_BEATS:
                logger.warning("Heartbeats no longer come back through the layer; repairing")
                self._repair()
                continue
            self.beats += 1
            try:
                await self.layer.send(self.channel, {"type": "hub.heartbeat", "beat": self.beats})
            except Exception:
                logger.warning("Channel layer unavailable; repairing when it is back")
                self._repair()

    async def _read(self):
        loop = asyncio.get_running_loop()
        renew_at = loop.time() + RENEW_SECONDS
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Channel layer receive failed; retrying")
                await asyncio.sleep(RETRY_SECONDS)
                continue
            await self.deliver(message)
            if loop.time() >= renew_at:
                renew_at = loop.time() + RENEW_SECONDS
                await self._renew()

    async def deliver(self, message):
        """Hand ``message`` to each local member of its group, one after the other."""
        members = self.members.get(message.get("group"))
        if members is None:
            # No local member (a group just left), or no group: this hub's heartbeat.
            if message.get("type") == "hub.heartbeat":
                self.echoed = message.get("beat", self.echoed)
            return
        await _push_each(list(members), message)

    async def deliver_all(self, message):
        """Hand ``message`` to every local member, once each."""
        await _push_each(
            {member for members in self.members.values() for member in members}, message
        )

    async def _renew(self):
        for group in list(self.members):
            if group not in self.changing:
                try:
                    await self.layer.group_add(group, self.channel)
                except Exception:
                    logger.warning("Could not renew %s on the channel layer", group, exc_info=True)


async def _push_each(members, message):
    for member in members:
        try:
            await member.push(message)
        except Exception:
            # One broken socket must not keep the event from the others.
            logger.exception("Could not push %s", message.get("type"))
