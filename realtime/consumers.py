"""The one WebSocket endpoint, ``/ws/``: multiplexed, session-authenticated streams.

Thin by design: it parses frames, asks ``realtime.streams`` (and through it
each app's permission functions) whether a subscription is allowed, replays
what a client missed from the outbox, and relays events published by
actions. See docs/realtime.md for the protocol.

Events reach a socket through its process's hub (``realtime.hub``), which
calls ``push()`` for each local socket of a group, one after the other;
``push()`` writes the frame at once and never waits for the database. When a
socket cannot send an event straight away (its subscription is still
replaying, or the event's id shows a gap to fill from the outbox), the event
is *held* on the subscription and one drainer sends what is held, in order.
That is what makes replay exact: ``subscribe`` holds the stream and joins its
group *before* reading the outbox, so an event committed meanwhile waits and
is sent after the replay, or skipped when its id shows it was in it.

Frames from the client are handled one at a time, and access re-checks wait
for the frame in progress (``self.busy``), so a subscription and a
revocation never cross.
"""

import asyncio
import functools
import hashlib
import json
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from realtime import presence, publish, socket_hooks, streams
from realtime.hub import get_hub

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
# Event ids are PostgreSQL bigints: a larger ``since`` is no position in any stream.
MAX_EVENT_ID = 2**63 - 1
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


def _encodable(frame):
    """Whether ``frame`` (parsed JSON) can be written back as UTF-8 text."""
    try:
        json.dumps(frame, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def session_hash(session_key):
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


@dataclass(eq=False, slots=True)
class Subscription:
    name: str  # what the client calls it: "me", "thread:42"
    address: str  # where events are published: "me:7", "thread:42"
    last_id: int = 0  # the last stored event sent (or known) on this socket
    audience: str | None = None  # the community it belongs to (streams.Grant)
    typed_at: float = 0.0
    # While not None, live events wait here (with resend requests, as ints) for
    # the one drainer of the subscription to send them in order.
    held: deque | None = field(default_factory=deque)


class StreamConsumer(AsyncWebsocketConsumer):
    async def __call__(self, scope, receive, send):
        """Channels' consumer loop without a layer channel per socket (see the module docstring).

        Events come through the hub instead; the loop only reads the client's
        frames.
        """
        self.scope = scope
        self.base_send = send
        self.channel_layer = get_channel_layer()
        self.hub = get_hub(self.channel_layer)
        self.busy = asyncio.Lock()
        self.tasks = None  # background work of this socket's (a set once there is some)
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            for task in self.tasks or ():
                task.cancel()

    async def dispatch(self, message):
        # Channels (4.2+) first awaits aclose_old_connections(), a trip through the
        # sync thread, for every message. Every database access here goes through
        # database_sync_to_async, which closes stale connections itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message):
        # Channels' version leaves no group (a socket here has no layer channel, the
        # hub holds its groups) and then takes the same trip through the sync thread.
        await self.disconnect(message["code"])
        raise StopConsumer()

    def _spawn(self, coroutine):
        """Run work of this socket's in the background; cancelled when the socket goes."""
        task = asyncio.create_task(coroutine)
        if self.tasks is None:
            self.tasks = set()
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task):
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("Socket task failed", exc_info=task.exception())

    @functools.cached_property
    def socket_id(self):
        """This socket's entry in presence lists (unique across processes)."""
        return uuid.uuid4().hex

    async def connect(self):
        self.user = self.scope["user"]
        self.subscriptions = {}  # public name -> Subscription
        self.by_address = {}  # address -> Subscription
        self.audiences = {}  # community slug -> how many subscriptions belong to it
        self.identity = None  # (username, display name), loaded when first needed
        self.presence_task = None
        self.tokens, self.refilled_at = float(BURST), time.monotonic()
        self.refused, self.refused_told_at = 0, 0.0
        self.counted = False  # in this process's connected users (the socket hooks)
        await self.accept()
        if self.user.is_authenticated:
            try:
                await self.hub.join(streams.user_group(self.user.pk), self)
            except Exception:
                # The channel layer is away (Redis restarting): say so; the client
                # comes back with backoff and catches up with ``since``.
                logger.exception("Channel layer unavailable on connect")
                await self.close(code=CLOSE_UNAVAILABLE)
                return
            await self._count_in()

    async def disconnect(self, code):
        if self.presence_task is not None:
            self.presence_task.cancel()
        for subscription in list(self.subscriptions.values()):
            await self._drop(subscription)
        if self.user.is_authenticated:
            await self.hub.leave(streams.user_group(self.user.pk), self)
        await self._count_out()

    async def _count_in(self):
        """Count this socket's user as connected here; run the connect hooks."""
        if not (
            socket_hooks.connect_hooks
            or socket_hooks.disconnect_hooks
            or socket_hooks.heartbeat_hooks
        ):
            return
        local = socket_hooks.local_users()
        local.counts[self.user.pk] += 1
        self.counted = True
        if socket_hooks.heartbeat_hooks and local.task is None:
            local.task = asyncio.create_task(
                socket_hooks.heartbeat(local), name="realtime-socket-heartbeat"
            )
        await socket_hooks.run_hooks(socket_hooks.connect_hooks, self.user.pk)

    async def _count_out(self):
        """The disconnect hooks run when the user's last socket in this process closes."""
        if not getattr(self, "counted", False):
            return
        self.counted = False
        local = socket_hooks.local_users()
        pk = self.user.pk
        local.counts[pk] -= 1
        if local.counts[pk] <= 0:
            del local.counts[pk]
            await socket_hooks.run_hooks(socket_hooks.disconnect_hooks, pk)

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
        except (ValueError, RecursionError):
            # RecursionError: nesting deeper than the parser's limit (``[[[[…`` fits in 40 KB).
            await self.send_error("invalid_json")
            return
        if "\\u" in text_data and not _encodable(frame):
            # An escaped lone surrogate ("\\ud800") parses but can be neither used
            # as a name nor echoed back in a text frame; refuse it before any reply.
            await self.send_error("invalid_unicode")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("op"), str):
            await self.send_error("missing_op")
            return
        handler = getattr(self, f"op_{frame['op']}", None)
        if handler is None and frame["op"] in socket_hooks.client_writes:
            handler = functools.partial(
                self._client_write, *socket_hooks.client_writes[frame["op"]]
            )
        if handler is None:
            await self.send_error("unknown_op", requested=frame["op"][:40])
            return
        async with self.busy:
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

    # --- Client writes: the same actions as the pages and the API -------------------
    # Registered by the apps that own them (``register_write``: realtime imports no
    # domain). Each refusal is one error frame: ``reason`` is the refusal's code (``rate_limited``,
    # ``silenced``, ``locked``...), ``detail`` the message a person reads, and
    # ``retry_after`` (seconds) when waiting helps; ``ref`` echoes the client's own.

    async def _client_write(self, op, write, frame):
        from django.core.exceptions import PermissionDenied, ValidationError
        from django.http import Http404

        ref = frame.get("ref")
        if not self.user.is_authenticated:
            await self.send_error("not_authenticated", ref=ref)
            return
        try:
            result = await database_sync_to_async(write)(self.user, frame)
        except PermissionDenied as refusal:
            extra = {"retry_after": refusal.retry_after} if hasattr(refusal, "retry_after") else {}
            code = getattr(refusal, "code", "forbidden")
            await self.send_error(code, detail=str(refusal), ref=ref, **extra)
        except ValidationError as refusal:
            await self.send_error("invalid", detail=" ".join(refusal.messages), ref=ref)
        except Http404:
            await self.send_error("not_found", ref=ref)
        else:
            await self.send_json({"op": op, "ref": ref, **result})

    async def op_subscribe(self, frame):
        name, since = frame.get("stream"), frame.get("since")
        if not isinstance(name, str):
            await self.send_error("missing_stream")
            return
        valid_since = (
            isinstance(since, int) and not isinstance(since, bool) and 0 <= since <= MAX_EVENT_ID
        )
        if since is not None and not valid_since:
            await self.send_error("invalid_since", stream=name)
            return
        if name in self.subscriptions:
            # Already live: answer again (a client that lost track), and resend what
            # the client says it lacks, in turn with the live events.
            subscription = self.subscriptions[name]
            await self.send_json(
                {"op": "subscribed", "stream": name, "last_id": subscription.last_id}
            )
            if since is not None and since < subscription.last_id:
                await self._hold(subscription, since)
            return
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            await self.send_error("too_many_subscriptions", stream=name)
            return
        try:
            address = streams.address_for(self.user, name)
        except streams.StreamError as error:
            await self.send_error(error.reason, stream=name)
            return
        # Hold the stream and join its group first: whatever commits from now on
        # waits on the subscription and is sent after the replay below.
        subscription = Subscription(name, address)
        self.by_address[address] = subscription
        try:
            await self.hub.join(streams.group_for(address), self)
            grant, rows, last_id = await database_sync_to_async(self._open)(name, since)
        except streams.StreamError as error:
            await self._drop(subscription)
            await self.send_error(error.reason, stream=name)
            return
        except Exception:
            logger.exception("Could not subscribe to %s", address)
            await self._drop(subscription)
            await self.close(code=CLOSE_UNAVAILABLE)
            return
        subscription.audience = grant.audience
        subscription.last_id = since if rows else last_id
        self.subscriptions[name] = subscription
        if grant.audience is not None:
            count = self.audiences.get(grant.audience, 0)
            self.audiences[grant.audience] = count + 1
            if not count:
                await self.hub.join(streams.audience_group(grant.audience), self)
        if rows is None:
            rows = []
            await self.send_error("reload", stream=name, last_id=last_id)
        await self.send_json({"op": "subscribed", "stream": name, "last_id": last_id})
        await self._send_rows(subscription, rows)
        await self._drain(subscription)
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

    async def _send_rows(self, subscription, rows, *, resend=False):
        for row in rows:
            if resend or row.seq > subscription.last_id:
                await self._write(publish.dumps(row.frame(subscription.name)))
                subscription.last_id = max(subscription.last_id, row.seq)

    async def _catch_up(self, subscription, since=None):
        """Send the stored events after ``since`` (default: the last one sent) on this socket.

        With ``since`` (a client asking again) everything after it is sent,
        even what this socket sent before.
        """
        start = subscription.last_id if since is None else since
        try:
            rows, _last = await database_sync_to_async(publish.replay)(subscription.address, start)
        except publish.TooFarBehind:
            await self.send_error("reload", stream=subscription.name)
            return
        await self._send_rows(subscription, rows, resend=since is not None)

    # --- Events from the hub -------------------------------------------------------

    async def push(self, message):
        """An event for this socket (``realtime.hub``): sent now, or held; never waits on the DB."""
        kind = message["type"]
        if kind == "stream.event":
            subscription = self.by_address.get(message["stream"])
            if subscription is None:
                return
            if subscription.held is not None:
                subscription.held.append(message)
            elif self._in_turn(subscription, message["id"]):
                await self._write(message["text"])
            elif message["id"] > subscription.last_id:
                # Something between was lost on the way (a layer restart, a full
                # queue): the outbox has it, committed (ids follow commit order).
                subscription.held = deque([message])
                self._spawn(self._drain(subscription))
        elif kind == "session.closed":
            session = self.scope.get("session")
            key = session.session_key if session is not None else None
            if message.get("session") in (None, session_hash(key)):
                await self.close(code=CLOSE_UNAUTHENTICATED)
        elif kind == "access.changed":
            self._spawn(self._recheck_access())
        elif kind == "hub.resync":
            # The layer was away: what it lost meanwhile is in the outbox.
            for subscription in self.subscriptions.values():
                self._spawn(self._hold(subscription, subscription.last_id))

    async def _write(self, text):
        try:
            await self.base_send({"type": "websocket.send", "text": text})
        except Exception:
            # The client went away (daphne refuses to write to a closed socket); its
            # disconnect is on its way and ends this consumer.
            logger.debug("Dropped a frame for a closed socket", exc_info=True)

    @staticmethod
    def _in_turn(subscription, event_id):
        """True for an ephemeral event or the stream's next one (which becomes the last sent)."""
        if event_id is None:
            return True
        if event_id == subscription.last_id + 1:
            subscription.last_id = event_id
            return True
        return False

    async def _hold(self, subscription, item):
        """Queue ``item`` (an event, or an id to resend from) behind what is held; drain if idle."""
        if subscription.held is not None:
            subscription.held.append(item)
            return
        subscription.held = deque([item])
        await self._drain(subscription)

    async def _drain(self, subscription):
        """Send what is held on ``subscription``, in order, filling gaps; then stop holding.

        Only one drainer runs per subscription: whoever set ``held`` (see
        ``push`` and ``_hold``), or ``op_subscribe`` for a new one.
        """
        try:
            while subscription.held and self.by_address.get(subscription.address) is subscription:
                item = subscription.held.popleft()
                if isinstance(item, int):
                    await self._catch_up(subscription, since=item)
                    continue
                event_id = item["id"]
                if event_id is not None and event_id > subscription.last_id + 1:
                    await self._catch_up(subscription)
                    # Still ahead only when the client was told to reload: go on from here.
                    subscription.last_id = max(subscription.last_id, event_id - 1)
                if self._in_turn(subscription, event_id):
                    await self._write(item["text"])
        finally:
            subscription.held = None

    async def _recheck_access(self):
        """Re-check every subscription; drop the ones the user may no longer see.

        The user is read again first: staff status or activity may have changed
        since the socket opened. Waits for the frame being handled, if any.
        """
        async with self.busy:
            revoked, moved = await database_sync_to_async(self._revoked_streams)()
            for name in revoked:
                await self._drop(self.subscriptions[name])
                await self.send_error("access_revoked", stream=name)
            for name, audience in moved:
                subscription = self.subscriptions.get(name)
                if subscription is not None:
                    await self._rehome(subscription, audience)

    def _revoked_streams(self):
        """(streams the user lost, [(stream, its new audience)] for those that changed
        community: a thread moved by a moderator is re-checked against its new one)."""
        if self.user.is_authenticated:
            self.user.refresh_from_db(fields=["is_active", "is_staff", "is_superuser"])
        revoked, moved = [], []
        for name, subscription in self.subscriptions.items():
            try:
                grant = streams.authorize(self.user, name)
            except streams.StreamError:
                revoked.append(name)
            else:
                if grant.audience != subscription.audience:
                    moved.append((name, grant.audience))
        return revoked, moved

    async def _rehome(self, subscription, audience):
        """Count ``subscription`` in the audience of its new community (leave the old)."""
        old = subscription.audience
        if old is not None:
            count = self.audiences.pop(old) - 1
            if count:
                self.audiences[old] = count
            else:
                await self.hub.leave(streams.audience_group(old), self)
        subscription.audience = audience
        if audience is not None:
            count = self.audiences.get(audience, 0)
            self.audiences[audience] = count + 1
            if not count:
                await self.hub.join(streams.audience_group(audience), self)

    async def op_unsubscribe(self, frame):
        name = frame.get("stream")
        subscription = self.subscriptions.get(name) if isinstance(name, str) else None
        if subscription is None:
            await self.send_error("not_subscribed", stream=name if isinstance(name, str) else None)
            return
        await self._drop(subscription)
        await self.send_json({"op": "unsubscribed", "stream": name})

    async def _drop(self, subscription):
        if self.by_address.get(subscription.address) is not subscription:
            return
        self.subscriptions.pop(subscription.name, None)
        del self.by_address[subscription.address]
        await self.hub.leave(streams.group_for(subscription.address), self)
        if subscription.audience is not None:
            count = self.audiences.pop(subscription.audience) - 1
            if count:
                self.audiences[subscription.audience] = count
            else:
                await self.hub.leave(streams.audience_group(subscription.audience), self)
        if streams.has_presence(subscription.address) and self.user.is_authenticated:
            left = await presence.leave(subscription.address, self.socket_id)
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
            subscription.address, self.socket_id, username, display_name
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
            subscription.address, self.socket_id, username, display_name
        )
        if changed:  # someone else's entry expired
            await publish.send_ephemeral(
                self.channel_layer, subscription.address, "presence", summary
            )
