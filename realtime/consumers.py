"""The one WebSocket endpoint, ``/ws/``: multiplexed, session-authenticated streams.

Thin by design: it parses frames, asks ``realtime.streams`` (and through it
each app's permission functions) whether a subscription is allowed, and
relays events published by actions. See docs/realtime.md for the protocol.
"""

import hashlib
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from realtime import streams

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
MAX_SUBSCRIPTIONS = 100
CLOSE_UNAUTHENTICATED = 4401
# Applications may only use 1000 and 3000-4999 (RFC 6455, enforced by daphne): 4009
# mirrors 1009 "message too big", 4401 mirrors HTTP 401.
CLOSE_TOO_BIG = 4009


def session_hash(session_key):
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


class StreamConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.user = self.scope["user"]
        self.subscriptions = {}  # public stream name -> address
        session = self.scope.get("session")
        self.session_hash = session_hash(session.session_key if session else None)
        await self.accept()
        if self.user.is_authenticated:
            await self.channel_layer.group_add(streams.user_group(self.user.pk), self.channel_name)

    async def disconnect(self, code):
        groups = [streams.group_for(address) for address in self.subscriptions.values()]
        if self.user.is_authenticated:
            groups.append(streams.user_group(self.user.pk))
        for group in groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def send_json(self, payload):
        await self.send(text_data=json.dumps(payload, separators=(",", ":")))

    async def send_error(self, reason, stream=None, **extra):
        await self.send_json({"op": "error", "stream": stream, "reason": reason, **extra})

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None:
            await self.send_error("text_frames_only")
            return
        if len(text_data.encode()) > MAX_FRAME_BYTES:
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

    async def op_echo(self, frame):
        await self.send_json(
            {
                "op": "echo",
                "user": self.user.get_username() if self.user.is_authenticated else None,
                "data": frame.get("data"),
            }
        )

    async def op_subscribe(self, frame):
        name = frame.get("stream")
        if not isinstance(name, str):
            await self.send_error("missing_stream")
            return
        if name in self.subscriptions:
            await self.send_json({"op": "subscribed", "stream": name})
            return
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            await self.send_error("too_many_subscriptions", stream=name)
            return
        try:
            address = await database_sync_to_async(streams.authorize)(self.user, name)
        except streams.StreamError as error:
            await self.send_error(error.reason, stream=name)
            return
        self.subscriptions[name] = address
        await self.channel_layer.group_add(streams.group_for(address), self.channel_name)
        await self.send_json({"op": "subscribed", "stream": name})

    async def op_unsubscribe(self, frame):
        name = frame.get("stream")
        address = self.subscriptions.pop(name, None) if isinstance(name, str) else None
        if address is None:
            await self.send_error("not_subscribed", stream=name if isinstance(name, str) else None)
            return
        await self.channel_layer.group_discard(streams.group_for(address), self.channel_name)
        await self.send_json({"op": "unsubscribed", "stream": name})

    # --- Messages from the channel layer -------------------------------------

    async def stream_event(self, message):
        address = message["stream"]
        for name, subscribed in self.subscriptions.items():
            if subscribed == address:
                await self.send_json(
                    {
                        "stream": name,
                        "event": message["event"],
                        "id": message.get("id"),
                        "data": message["data"],
                    }
                )
                return

    async def access_changed(self, message):
        """Re-check every subscription; drop the ones the user may no longer see.

        The user is read again first: staff status or activity may have changed
        since the socket opened.
        """
        revoked = await database_sync_to_async(self._revoked_streams)()
        for name in revoked:
            address = self.subscriptions.pop(name)
            await self.channel_layer.group_discard(streams.group_for(address), self.channel_name)
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
