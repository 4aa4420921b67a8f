"""Channel layers for the real-time streams: the embedded default and the Redis one.

``LocalChannelLayer`` (the default, one process) is Channels'
``InMemoryChannelLayer`` without its cost per call. The stock layer sweeps
every channel and every group membership on each ``receive()`` and
``group_send()``, and sends to a group through one task and one deepcopy
per member, so one event to N sockets costs O(N²) and opening 10,000
sockets takes a minute. This one keeps the same semantics (capacity and
``ChannelFull``, message expiry, a channel with an expired message leaving
its groups, group membership expiry, flush) but checks expiry lazily, only
on the channel or group a call touches, and leaves the sweep of everything
else to at most once per ``sweep_interval`` seconds.

One difference, on purpose: ``group_send`` copies the message once and hands
the same copy to every member, as channels_redis does for the members in one
process (``RedisChannelLayer.receive`` puts one decoded message in every
local buffer). Handlers must not mutate a layer message; ours never do.
``send()`` to one channel still copies.

``RedisPubSubChannelLayer`` (production, ``REDIS_URL`` set) is
channels_redis' Pub/Sub layer used as is: one Redis subscription per group
per process and the fan-out to local sockets done in the process, the shape
Discourse's MessageBus has. With 1,000-2,000 sockets per process it matched
this layer's speed and delivered everything, on one and on two daphne
processes, where ``RedisChannelLayer`` (one Redis list per process, popped
one message at a time behind a receive lock) was about twice as slow, took
30 s to open 1,000 sockets and lost some deliveries (bench/realtime_fanout.py).
It keeps no message across a Redis outage; the outbox and ``subscribe`` with
``since`` replay what a socket missed.
"""

import asyncio
import time
from collections import deque
from contextlib import suppress
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


class Inbox:
    """One channel's messages: a bounded FIFO with waiting receivers.

    What the stock layer's ``asyncio.Queue`` does here, in 2.4 KiB less per
    socket (no putters, no ``join()`` bookkeeping, four deques fewer) and
    fewer steps per message. Items are ``(expires_at, message)``.
    """

    __slots__ = ("getters", "items", "maxsize")

    def __init__(self, maxsize):
        self.items = deque()
        self.getters = []  # futures of receivers waiting, oldest first
        self.maxsize = maxsize

    def full(self):
        return 0 < self.maxsize <= len(self.items)

    def put(self, item):
        self.items.append(item)
        self._wake()

    def _wake(self):
        while self.getters:
            getter = self.getters.pop(0)
            if not getter.done():
                getter.set_result(None)
                return

    async def get(self):
        while not self.items:
            getter = asyncio.get_running_loop().create_future()
            self.getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                with suppress(ValueError):
                    self.getters.remove(getter)
                if self.items and not getter.cancelled():
                    # Woken, then cancelled before it ran: pass the wake-up on.
                    self._wake()
                raise
        return self.items.popleft()


class LocalChannelLayer(InMemoryChannelLayer):
    """``InMemoryChannelLayer`` with lazy expiry and a group send in one pass.

    Takes the stock layer's options (``expiry``, ``group_expiry``,
    ``capacity``, ``channel_capacity``) and ``sweep_interval``: the longest
    time between two sweeps of the channels and groups no call touched
    (memory only; what a call touches is always checked).
    """

    def __init__(
        self,
        expiry=60,
        group_expiry=86400,
        capacity=100,
        channel_capacity=None,
        sweep_interval=1.0,
        **kwargs,
    ):
        super().__init__(
            expiry=expiry,
            group_expiry=group_expiry,
            capacity=capacity,
            channel_capacity=channel_capacity,
            **kwargs,
        )
        # The stock layer keeps the raw dict, which get_capacity() cannot read.
        self.channel_capacity = self.compile_capacities(channel_capacity or {})
        self.sweep_interval = sweep_interval
        self._next_sweep = time.monotonic() + sweep_interval
        # channel -> the groups it is in, so that leaving them all is not a scan.
        self._memberships = {}

    # --- Channel layer API -----------------------------------------------------------

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        now = time.time()
        self._maybe_sweep()
        inbox = self._inbox(channel, now)
        if inbox.full():
            raise ChannelFull(channel)
        inbox.put((now + self.expiry, deepcopy(message)))

    async def receive(self, channel):
        self.require_valid_channel_name(channel)
        self._maybe_sweep()
        inbox = self._inbox(channel, time.time())
        try:
            _expires, message = await inbox.get()
        except BaseException:
            # The receiver went away (a consumer ending): drop its empty inbox. After a
            # message the inbox stays for the next receive() instead of being made anew
            # each time; the sweep collects those nobody came back to.
            if not inbox.items and not inbox.getters and self.channels.get(channel) is inbox:
                del self.channels[channel]
            raise
        return message

    # --- Groups extension ------------------------------------------------------------

    async def group_add(self, group, channel):
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        self.groups.setdefault(group, {})[channel] = time.time()
        self._memberships.setdefault(channel, set()).add(group)

    async def group_discard(self, group, channel):
        self.require_valid_channel_name(channel)
        self.require_valid_group_name(group)
        self._leave(group, channel)

    async def group_send(self, group, message):
        """Queue ``message`` for every live member of ``group``; skip full channels.

        One copy of the message is shared by all members (see the module
        docstring). A member whose oldest message has expired leaves all its
        groups instead (the stock layer's rule), and a membership older than
        ``group_expiry`` ends, as the stock layer's sweep would have done
        before sending.
        """
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._maybe_sweep()
        members = self.groups.get(group)
        if not members:
            return
        now = time.time()
        joined_after = int(now) - self.group_expiry
        expires = now + self.expiry
        message = deepcopy(message)
        channels = self.channels
        item = (expires, message)
        for channel, joined in list(members.items()):
            if joined and joined < joined_after:
                self._leave(group, channel)
                continue
            inbox = channels.get(channel)
            if inbox is None:
                inbox = self._inbox(channel, now)
            elif inbox.items and inbox.items[0][0] < now:
                self._expire(channel, inbox, now)
                continue
            if not inbox.full():
                inbox.put(item)

    # --- Flush extension -------------------------------------------------------------

    async def flush(self):
        await super().flush()
        self._memberships = {}

    # --- Expiry ----------------------------------------------------------------------

    def _inbox(self, channel, now):
        """The channel's inbox, created if needed, its expired messages dropped."""
        inbox = self.channels.get(channel)
        if inbox is None:
            inbox = self.channels[channel] = Inbox(self.get_capacity(channel))
        elif inbox.items and inbox.items[0][0] < now:
            self._expire(channel, inbox, now)
        return inbox

    def _expire(self, channel, inbox, now):
        """Drop the channel's expired messages; it then leaves every group (stock rule)."""
        items = inbox.items
        while items and items[0][0] < now:
            items.popleft()
        self._remove_from_groups(channel)

    def _leave(self, group, channel):
        members = self.groups.get(group)
        if members is not None:
            members.pop(channel, None)
            if not members:
                del self.groups[group]
        groups = self._memberships.get(channel)
        if groups is not None:
            groups.discard(group)
            if not groups:
                del self._memberships[channel]

    def _remove_from_groups(self, channel):
        for group in list(self._memberships.get(channel, ())):
            self._leave(group, channel)

    def _maybe_sweep(self):
        if time.monotonic() >= self._next_sweep:
            self._clean_expired()

    def _clean_expired(self):
        """Expire every channel and membership now (O(channels + memberships))."""
        self._next_sweep = time.monotonic() + self.sweep_interval
        now = time.time()
        for channel, inbox in list(self.channels.items()):
            if inbox.items and inbox.items[0][0] < now:
                self._expire(channel, inbox, now)
            if not inbox.items and not inbox.getters:
                del self.channels[channel]
        joined_after = int(now) - self.group_expiry
        for group, members in list(self.groups.items()):
            for channel, joined in list(members.items()):
                if joined and joined < joined_after:
                    self._leave(group, channel)


# --- Knowing when a Redis subscription lapsed ------------------------------------------


def on_resubscribed(layer, callback):
    """Have ``callback(connection)`` called each time ``layer`` re-makes its subscriptions.

    For channels_redis' Pub/Sub layer: when the Redis connection that carries
    this event loop's subscriptions breaks (a Redis restart, a killed client),
    redis-py connects again on its own and subscribes to the same channels
    anew, silently; whatever was published in between reached nobody here.
    Its connection's connect callbacks run right after that re-subscription,
    on each reconnection (not on the first connect, which came before this).
    ``callback`` must be a bound method (redis-py keeps a weak reference) and
    must not wait: it runs inside the layer's receive task.

    Returns whether ``layer`` has such a connection on the running loop (an
    in-process layer has none: its subscriptions cannot lapse). Call it again
    after a subscription may have opened a new connection; it is idempotent.
    """
    get_loop_layer = getattr(type(layer), "_get_layer", None)
    if get_loop_layer is None:
        return False
    watching = False
    for shard in getattr(get_loop_layer(layer), "_shards", ()):
        connection = getattr(getattr(shard, "_pubsub", None), "connection", None)
        if connection is not None:
            connection.register_connect_callback(callback)
            watching = True
    return watching
