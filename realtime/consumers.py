"""The one WebSocket endpoint, ``/ws/``: multiplexed, session-authenticated streams.

Thin by design: it parses frames, asks ``realtime.streams`` (and through it
each app's permission functions) whether a subscription is allowed, replays
what a client missed from the outbox, and relays events published by
actions. See docs/realtime.md for the protocol.

Channels hands this consumer one message at a time (a frame from the client
or an event from the channel layer), each awaited before the next. That is
what makes replay exact: ``subscribe`` joins the stream's group *before*
reading the outbox, so a live event committed meanwhile waits in the queue
and arrives after the replay, where its id shows it was already sent.
"""

import asyncio
import hashlib
import json
import logging
import time
from dataclasses import dataclass

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from realtime import presence, publish, streams
from realtime.dispatch import PushDispatchMixin

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
MAX_SUBSCRIPTIONS = 100
# Frames a client may send: a bucket of BURST refilled at RATE per second. Past
# it frames are refused (one error frame per second at most); a client that
# keeps flooding through FLOOD_CLOSE refused frames is disconnected.
RATE_PER_SECOND = 10
BURST = 40
FLOOD_CLOSE = 200
TYPING_INTERVAL = 2.0  # seconds between two "typing" events of one socket on one stream
TYPING_EXPIRES = 6  # seconds a client shows "X is writing…" without a new event
# Applications may only use 1000 and 3000-4999 (RFC 6455, enforced by daphne):
# 4009 mirrors 1009 "message too big", 4401 HTTP 401, 4429 HTTP 429, 4503 HTTP 503.
CLOSE_TOO_BIG = 4009
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FLOOD = 4429
CLOSE_UNAVAILABLE = 4503


def session_hash(session_key):
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


@dataclass
class Subscription:
    name: str  # what the client calls it: "me", "thread:42"
    address: str  # where events are published: "me:7", "thread:42"
    last_id: int = 0  # the last stored event sent (or known) on this socket
    audience: str | None = None  # the community it belongs to (streams.Grant)
    typed_at: float = 0.0


class StreamConsumer(PushDispatchMixin, AsyncWebsocketConsumer):
    # Relayed without Channels' per-message trip to the sync thread (realtime/dispatch.py).
    # stream_event reads the outbox only to fill a gap, through database_sync_to_async,
    # which closes stale connections itself.
    push_handlers = frozenset({"stream.event", "session.closed"})

    async def connect(self):
        self.user = self.scope["user"]
        self.subscriptions = {}  # public name -> Subscription
        self.by_address = {}  # address -> Subscription
        self.audiences = {}  # community slug -> how many subscriptions belong to it
        self.identity = None  # (username, display name), loaded when first needed
        self.presence_task = None
        self.tokens, self.refilled_at = float(BURST), time.monotonic()
        self.refused, self.refused_told_at = 0, 0.0
        session = self.scope.get("session")
        self.session_hash = session_hash(session.session_key if session else None)
        await self.accept()
        if self.user.is_authenticated:
            try:
                await self.channel_layer.group_add(
                    streams.user_group(self.user.pk), self.channel_name
                )
            except Exception:
                # The channel layer is away (Redis restarting): say so; the client
                # comes back with backoff and catches up with ``since``.
                logger.exception("Channel layer unavailable on connect")
                await self.close(code=CLOSE_UNAVAILABLE)

    async def disconnect(self, code):
        if self.presence_task is not None:
            self.presence_task.cancel()
        for subscription in list(self.subscriptions.values()):
            await self._drop(subscription)
        if self.user.is_authenticated:
            await self.channel_layer.group_discard(
                streams.user_group(self.user.pk), self.channel_name
            )

    async def send_json(self, payload):
        await self.send(text_data=publish.dumps(payload))

    async def send_error(self, reason, stream=None, **extra):
        await self.send_json({"op": "error", "stream": stream, "reason": reason, **extra})

    # --- Frames from the client ------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if not await self._within_rate():
            return
        if text_data is None:
            await self.send_error("text_frames_only")
            return
        if len(text_data) > MAX_FRAME_BYTES or len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_error("frame_too_large")
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.send_error("invalid_json")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("op"), str):
            await self.send_error("missing_op")
            return
        handler = getattr(self, f"op_{frame['op']}", None)
        if handler is None:
            await self.send_error("unknown_op", requested=frame["op"][:40])
            return
        await handler(frame)

    async def _within_rate(self):
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.refilled_at) * RATE_PER_SECOND)
        self.refilled_at = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused = 0
            return True
        self.refused += 1
        if self.refused >= FLOOD_CLOSE:
            await self.send_error("rate_limited")
            await self.close(code=CLOSE_FLOOD)
        elif now - self.refused_told_at >= 1:
            self.refused_told_at = now
            await self.send_error("rate_limited", retry_after=round(1 / RATE_PER_SECOND, 2))
        return False

    async def op_echo(self, frame):
        await self.send_json(
            {
                "op": "echo",
                "user": self.user.get_username() if self.user.is_authenticated else None,
                "data": frame.get("data"),
            }
        )

    async def op_subscribe(self, frame):
        name, since = frame.get("stream"), frame.get("since")
        if not isinstance(name, str):
            await self.send_error("missing_stream")
            return
        valid_since = isinstance(since, int) and not isinstance(since, bool) and since >= 0
        if since is not None and not valid_since:
            await self.send_error("invalid_since", stream=name)
            return
        if name in self.subscriptions:
            # Already live: answer again (a client that lost track), and fill any
            # gap the client says it has.
            subscription = self.subscriptions[name]
            await self.send_json(
                {"op": "subscribed", "stream": name, "last_id": subscription.last_id}
            )
            if since is not None and since < subscription.last_id:
                await self._catch_up(subscription, since)
            return
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            await self.send_error("too_many_subscriptions", stream=name)
            return
        try:
            address = streams.address_for(self.user, name)
        except streams.StreamError as error:
            await self.send_error(error.reason, stream=name)
            return
        # Join the group first: whatever commits from now on reaches this socket,
        # after the replay below (see the module docstring).
        group = streams.group_for(address)
        await self.channel_layer.group_add(group, self.channel_name)
        try:
            grant, rows, last_id = await database_sync_to_async(self._open)(name, since)
        except streams.StreamError as error:
            await self.channel_layer.group_discard(group, self.channel_name)
            await self.send_error(error.reason, stream=name)
            return
        subscription = Subscription(name, address, audience=grant.audience)
        subscription.last_id = since if rows else last_id
        self.subscriptions[name] = subscription
        self.by_address[address] = subscription
        if grant.audience is not None:
            count = self.audiences.get(grant.audience, 0)
            self.audiences[grant.audience] = count + 1
            if not count:
                group = streams.audience_group(grant.audience)
                await self.channel_layer.group_add(group, self.channel_name)
        if rows is None:
            rows = []
            await self.send_error("reload", stream=name, last_id=last_id)
        await self.send_json({"op": "subscribed", "stream": name, "last_id": last_id})
        await self._send_rows(subscription, rows)
        if streams.has_presence(address) and self.user.is_authenticated:
            await self._join_presence(subscription)

    def _open(self, name, since):
        """Authorize, then read what the client missed and the stream's last id.

        The rows are None when the client is too far behind to be replayed.
        """
        grant = streams.authorize(self.user, name)
        if since is None:
            return grant, [], publish.last_id(grant.address)
        try:
            return grant, *publish.replay(grant.address, since)
        except publish.TooFarBehind:
            return grant, None, publish.last_id(grant.address)

    async def _send_rows(self, subscription, rows):
        for row in rows:
            if row.seq > subscription.last_id:
                await self.send(text_data=publish.dumps(row.frame(subscription.name)))
                subscription.last_id = row.seq

    async def _catch_up(self, subscription, since=None):
        """Send the stored events after ``since`` (default: the last one sent) on this socket."""
        start = subscription.last_id if since is None else since
        try:
            rows, _last = await database_sync_to_async(publish.replay)(subscription.address, start)
        except publish.TooFarBehind:
            await self.send_error("reload", stream=subscription.name)
            return
        if since is not None:
            # The client asked again from ``since``: resend what it says it lacks.
            for row in rows:
                await self.send(text_data=publish.dumps(row.frame(subscription.name)))
            subscription.last_id = max(subscription.last_id, rows[-1].seq if rows else 0)
        else:
            await self._send_rows(subscription, rows)

    async def op_unsubscribe(self, frame):
        name = frame.get("stream")
        subscription = self.subscriptions.get(name) if isinstance(name, str) else None
        if subscription is None:
            await self.send_error("not_subscribed", stream=name if isinstance(name, str) else None)
            return
        await self._drop(subscription)
        await self.send_json({"op": "unsubscribed", "stream": name})

    async def _drop(self, subscription):
        self.subscriptions.pop(subscription.name, None)
        self.by_address.pop(subscription.address, None)
        await self.channel_layer.group_discard(
            streams.group_for(subscription.address), self.channel_name
        )
        if subscription.audience is not None:
            count = self.audiences.pop(subscription.audience) - 1
            if count:
                self.audiences[subscription.audience] = count
            else:
                group = streams.audience_group(subscription.audience)
                await self.channel_layer.group_discard(group, self.channel_name)
        if streams.has_presence(subscription.address) and self.user.is_authenticated:
            left = await presence.leave(subscription.address, self.channel_name)
            if left is not None:
                await publish.send_ephemeral(
                    self.channel_layer, subscription.address, "presence", left
                )

    async def op_typing(self, frame):
        name = frame.get("stream")
        subscription = self.subscriptions.get(name) if isinstance(name, str) else None
        if subscription is None:
            await self.send_error("not_subscribed", stream=name if isinstance(name, str) else None)
            return
        if not self.user.is_authenticated:
            await self.send_error("not_authenticated", stream=name)
            return
        if not streams.has_presence(subscription.address):
            await self.send_error("typing_not_supported", stream=name)
            return
        now = time.monotonic()
        if now - subscription.typed_at < TYPING_INTERVAL:
            return  # throttled: the last event still shows the indicator
        subscription.typed_at = now
        username, display_name = await self._identity()
        await publish.send_ephemeral(
            self.channel_layer,
            subscription.address,
            "typing",
            {"username": username, "display_name": display_name, "expires_in": TYPING_EXPIRES},
        )

    # --- Presence ----------------------------------------------------------------

    async def _identity(self):
        """Who this socket is, from the session's user (never from the client)."""
        if self.identity is None:
            self.identity = await database_sync_to_async(self._load_identity)()
        return self.identity

    def _load_identity(self):
        profile = getattr(self.user, "profile", None)
        return self.user.get_username(), profile.name if profile else self.user.get_username()

    async def _join_presence(self, subscription):
        username, display_name = await self._identity()
        summary, changed = await presence.join(
            subscription.address, self.channel_name, username, display_name
        )
        if changed:
            await publish.send_ephemeral(
                self.channel_layer, subscription.address, "presence", summary
            )
        else:
            # Nobody else needs telling; this socket still wants the list.
            await self.send_json(
                {"stream": subscription.name, "event": "presence", "id": None, "data": summary}
            )
        if self.presence_task is None:
            self.presence_task = asyncio.create_task(self._refresh_presence())

    async def _refresh_presence(self):
        while True:
            await asyncio.sleep(presence.REFRESH_SECONDS)
            for subscription in list(self.subscriptions.values()):
                if streams.has_presence(subscription.address):
                    try:
                        await self._join_presence_quietly(subscription)
                    except Exception:
                        logger.exception("Could not refresh presence on %s", subscription.address)

    async def _join_presence_quietly(self, subscription):
        username, display_name = await self._identity()
        summary, changed = await presence.join(
            subscription.address, self.channel_name, username, display_name
        )
        if changed:  # someone else's entry expired
            await publish.send_ephemeral(
                self.channel_layer, subscription.address, "presence", summary
            )

    # --- Messages from the channel layer -----------------------------------------

    async def stream_event(self, message):
        subscription = self.by_address.get(message["stream"])
        if subscription is None:
            return
        event_id = message.get("id")
        if event_id is None:  # ephemeral: typing, presence
            await self.send(text_data=message["text"])
            return
        if event_id <= subscription.last_id:
            return  # already sent by the replay
        if event_id > subscription.last_id + 1:
            # Something between was lost on the way (a layer restart, a full
            # queue): the outbox has it, and it is committed (ids are given out
            # in commit order).
            await self._catch_up(subscription)
            return
        subscription.last_id = event_id
        await self.send(text_data=message["text"])

    async def access_changed(self, message):
        """Re-check every subscription; drop the ones the user may no longer see.

        The user is read again first: staff status or activity may have changed
        since the socket opened.
        """
        revoked = await database_sync_to_async(self._revoked_streams)()
        for name in revoked:
            await self._drop(self.subscriptions[name])
            await self.send_error("access_revoked", stream=name)

    def _revoked_streams(self):
        if self.user.is_authenticated:
            self.user.refresh_from_db(fields=["is_active", "is_staff", "is_superuser"])
        revoked = []
        for name in self.subscriptions:
            try:
                streams.authorize(self.user, name)
            except streams.StreamError:
                revoked.append(name)
        return revoked

    async def session_closed(self, message):
        if message.get("session") in (None, self.session_hash):
            await self.close(code=CLOSE_UNAUTHENTICATED)
