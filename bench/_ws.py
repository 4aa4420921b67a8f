"""Shared machinery of the real-time benchmarks: WebSocket clients, servers, the fixture.

* ``Client``: one WebSocket client, the ``websockets`` package's sans-I/O
  protocol (its handshake, framing and masking) under a bare asyncio
  protocol. It stamps every frame with the time its bytes arrived and keeps
  event frames unparsed until the measurement is over, so that thousands of
  them in one process cost the load generator little (about 10 µs a frame).
* ``open_clients()``: open N of them, a bounded number at a time, and
  subscribe each to streams, waiting for every ``subscribed``.
* ``daphne()``: start daphne on a bench database (see bench/_server.py) with
  a chosen channel layer and consumer dispatch, through the settings and
  ASGI modules this file writes into the database's temporary directory.
* ``raw_server()``: the ceiling, a plain ``websockets`` server speaking the
  same subscribe frames and broadcasting with ``websockets.broadcast``
  (optionally across processes through one Redis Pub/Sub channel).
* ``bare_daphne()``: daphne's own ceiling, the raw server's protocol as a bare
  ASGI application (no Django, no Channels) on daphne with the site's transport
  fixes (``realtime.transport``): what daphne alone costs.
* ``setup()`` (run in a subprocess with the database's environment): a
  public community, a thread, a poster with an API token, and members with
  ready-made sessions for authenticated sockets.

Run as a script: ``_ws.py raw-server PORT [--redis URL]`` or
``_ws.py setup --users N`` (prints JSON).
"""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import _server as S
from _server import BIN, HOST, PYTHON, ROOT, free_port
from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.typing import Origin
from websockets.uri import parse_uri

# Channel layers the benches can run daphne with (RT_LAYER).
LAYERS = {
    "stock": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
    "local": {
        "BACKEND": "realtime.layers.LocalChannelLayer",
        "CONFIG": {"channel_capacity": {"realtime-hub.*": 100_000}},  # as community.site.settings
    },
    "redis-core": {"BACKEND": "channels_redis.core.RedisChannelLayer"},
    "redis-pubsub": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"},
    "shipped": None,  # whatever community.site.settings chooses
}
# Consumers (RT_DISPATCH): "stock", a relay written the way Channels' documentation
# shows (a layer channel per socket, Channels' dispatch), or "shipped", the site's own
# (realtime.consumers through the per-process hub).
DISPATCHES = ("stock", "shipped")

RT_SETTINGS = '''\
"""Real-time bench settings: the bench settings with the channel layer chosen by RT_LAYER."""

import json
import os

from bench_settings import *  # noqa: F403

_layer = json.loads(os.environ.get("RT_LAYER_JSON", "null"))
if _layer:
    if "redis" in _layer["BACKEND"]:
        _layer["CONFIG"] = {"hosts": [os.environ["REDIS_URL"]], "prefix": "rtbench"}
    CHANNEL_LAYERS = {"default": _layer}
'''

RT_ASGI = '''\
"""The site's ASGI stack with the reference consumer: Channels used as its documentation shows."""

import json

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from realtime import streams  # noqa: E402


class StockRelayConsumer(AsyncWebsocketConsumer):
    """A layer channel per socket, a group per stream, Channels' dispatch.

    No permission check, replay or presence: a lower bound of that design's cost.
    """

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data)
        if frame.get("op") == "subscribe":
            address = streams.address_for(self.scope["user"], frame["stream"])
            await self.channel_layer.group_add(streams.group_for(address), self.channel_name)
            reply = {"op": "subscribed", "stream": frame["stream"], "last_id": 0}
            await self.send(text_data=json.dumps(reply))

    async def stream_event(self, message):
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([path("ws/", StockRelayConsumer.as_asgi())]))
        ),
    }
)
'''


# --- clients ------------------------------------------------------------------------


class Client(asyncio.Protocol):
    """One WebSocket client; events land in ``events`` as (arrival time, raw bytes)."""

    def __init__(self, url, origin, cookie=""):
        self.url = url
        self.origin = origin
        self.cookie = cookie
        self.events = []
        self.transport = None
        self.protocol = None
        self.opened = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self._replies = asyncio.Queue()
        self.on_event = None  # optional callable(arrival, data)

    # asyncio.Protocol

    def connection_made(self, transport):
        self.transport = transport
        self.protocol = ClientProtocol(parse_uri(self.url), origin=Origin(self.origin))
        request = self.protocol.connect()
        if self.cookie:
            request.headers["Cookie"] = self.cookie
        self.protocol.send_request(request)
        self._flush()

    def data_received(self, data):
        arrived = time.time()
        protocol = self.protocol
        protocol.receive_data(data)
        for event in protocol.events_received():
            if isinstance(event, Response):
                if event.status_code == 101 and protocol.handshake_exc is None:
                    self.opened.set_result(arrived)
                else:
                    self.opened.set_exception(
                        ConnectionError(f"handshake refused: HTTP {event.status_code}")
                    )
            elif event.opcode is Opcode.TEXT:
                payload = event.data
                if payload.startswith(b'{"op"'):
                    self._replies.put_nowait(json.loads(payload))
                elif self.on_event is not None:
                    self.on_event(arrived, payload)
                else:
                    self.events.append((arrived, payload))
        self._flush()
        if protocol.close_expected():
            self.transport.close()

    def eof_received(self):
        self.protocol.receive_eof()
        self._flush()

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed before the handshake"))
        if not self.closed.done():
            self.closed.set_result(exc)

    def _flush(self):
        out = self.protocol.data_to_send()
        if out and not self.transport.is_closing():
            self.transport.writelines(out)

    # API

    def send_json(self, frame):
        self.protocol.send_text(json.dumps(frame, separators=(",", ":")).encode())
        self._flush()

    async def reply(self, timeout=30):
        """The next ``{"op": ...}`` frame from the server."""
        return await asyncio.wait_for(self._replies.get(), timeout)

    async def subscribe(self, stream, **extra):
        self.send_json({"op": "subscribe", "stream": stream, **extra})
        answer = await self.reply()
        if answer.get("op") != "subscribed":
            raise RuntimeError(f"subscribe {stream}: {answer}")
        return answer

    def abort(self):
        """Drop the TCP connection without a closing handshake (a network cut)."""
        if self.transport is not None:
            self.transport.abort()

    async def close(self):
        if self.transport is None or self.transport.is_closing():
            return
        self.protocol.send_close()
        self._flush()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.closed), 5)
        self.transport.abort()


async def connect(url, origin, cookie="", streams=()):
    split = urlsplit(url)
    loop = asyncio.get_running_loop()
    _transport, client = await loop.create_connection(
        lambda: Client(url, origin, cookie), split.hostname, split.port
    )
    await asyncio.wait_for(client.opened, 30)
    for stream in streams:
        await client.subscribe(stream)
    return client


async def open_clients(
    url, origin, count, *, streams=(), cookies=None, concurrency=200, attempts=8
):
    """Open ``count`` clients (``cookies[i]`` for the i-th), each subscribed to ``streams``.

    Returns (clients, seconds). Raises if a client still fails after ``attempts``.
    """
    gate = asyncio.Semaphore(concurrency)

    async def one(index):
        # A browser's client retries with backoff; so does this one (daphne drops a
        # handshake that takes over 5 s, which a slow server does under a rush).
        cookie = cookies[index] if cookies else ""
        for attempt in range(attempts):
            async with gate:
                try:
                    return await connect(url, origin, cookie, streams)
                except (TimeoutError, OSError, ConnectionError):
                    if attempt == attempts - 1:
                        raise
            await asyncio.sleep(min(5.0, 0.2 * 2**attempt))
        raise AssertionError("unreachable")

    started = time.perf_counter()
    clients = await asyncio.gather(*(one(i) for i in range(count)))
    return list(clients), time.perf_counter() - started


async def close_clients(clients, concurrency=500):
    gate = asyncio.Semaphore(concurrency)

    async def one(client):
        async with gate:
            await client.close()

    await asyncio.gather(*(one(c) for c in clients))


# --- HTTP ---------------------------------------------------------------------------


async def post_json(base, path, payload, token):
    """POST JSON with a bearer token on a fresh connection; return (status, body)."""
    split = urlsplit(base)
    reader, writer = await asyncio.open_connection(split.hostname, split.port)
    body = json.dumps(payload).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {split.hostname}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        rest = await reader.read()
    finally:
        writer.close()
    return status, rest


# --- servers ------------------------------------------------------------------------


@dataclass
class Running:
    port: int
    pid: int
    kind: str
    process: subprocess.Popen

    @property
    def base(self):
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self):
        return f"ws://{HOST}:{self.port}/ws/"

    @property
    def origin(self):
        return self.base


RT_BARE = '''\
"""The raw server's protocol as a bare ASGI application: daphne's own ceiling."""

import json

from realtime import transport

transport.install()
transport.defer_autobahn_formatting()

topics = {}  # stream -> {send: None}
history = {}  # stream -> [(id, text)], for "since"
ids = [0]


async def application(scope, receive, send):
    if scope["type"] != "websocket":
        return
    mine = set()
    try:
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "websocket.connect":
                await send({"type": "websocket.accept"})
            elif kind == "websocket.disconnect":
                return
            elif kind == "websocket.receive":
                frame = json.loads(message["text"])
                if frame.get("op") == "subscribe":
                    stream = frame["stream"]
                    topics.setdefault(stream, {})[send] = None
                    mine.add(stream)
                    reply = json.dumps({"op": "subscribed", "stream": stream})
                    await send({"type": "websocket.send", "text": reply})
                    since = frame.get("since")
                    for event_id, text in history.get(stream, ()) if since is not None else ():
                        if event_id > since:
                            await send({"type": "websocket.send", "text": text})
                elif frame.get("op") == "publish":
                    ids[0] += 1
                    event = {"stream": frame["stream"], "event": "post.created", "id": ids[0]}
                    text = json.dumps({**event, "data": frame["data"]}, separators=(",", ":"))
                    history.setdefault(frame["stream"], []).append((ids[0], text))
                    for subscriber in list(topics.get(frame["stream"], ())):
                        await subscriber({"type": "websocket.send", "text": text})
    finally:
        for stream in mine:
            topics[stream].pop(send, None)
'''


def write_modules(workdir):
    (Path(workdir) / "rt_settings.py").write_text(RT_SETTINGS)
    (Path(workdir) / "rt_asgi.py").write_text(RT_ASGI)
    (Path(workdir) / "rt_bare.py").write_text(RT_BARE)


def _die_with_parent():
    """In the child: get SIGTERM if the bench dies without stopping it (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def exit_on_sigterm():
    """Turn SIGTERM into SystemExit, so that the servers' ``finally`` blocks stop them."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


@contextlib.contextmanager
def daphne(db, *, layer="local", dispatch="shipped", redis_url="", extra_env=None):
    """One daphne process on ``db`` (bench/_server.Database) with a layer and a consumer."""
    if layer not in LAYERS or dispatch not in DISPATCHES:
        raise ValueError((layer, dispatch))
    write_modules(db.workdir)
    env = dict(db.env)
    env["DJANGO_SETTINGS_MODULE"] = "rt_settings"
    env["RT_DISPATCH"] = dispatch
    if LAYERS[layer] is not None:
        env["RT_LAYER_JSON"] = json.dumps(LAYERS[layer])
    if redis_url:
        env["REDIS_URL"] = redis_url
    elif "redis" in layer:
        raise ValueError(f"layer {layer} needs a Redis URL")
    env.update(extra_env or {})
    port = free_port()
    log_path = Path(db.workdir) / f"daphne-{port}.log"
    app = "community.site.asgi:application" if dispatch == "shipped" else "rt_asgi:application"
    cmd = [str(BIN / "daphne"), "-v", "0", "-b", HOST, "-p", str(port), app]
    with _serving(cmd, port, log_path, f"daphne {layer}/{dispatch}", env=env) as running:
        yield running


@contextlib.contextmanager
def bare_daphne(db):
    """Daphne's ceiling: daphne serving ``RT_BARE``, the raw server's protocol, no Django."""
    write_modules(db.workdir)
    port = free_port()
    log_path = Path(db.workdir) / f"bare-{port}.log"
    cmd = [str(BIN / "daphne"), "-v", "0", "-b", HOST, "-p", str(port), "rt_bare:application"]
    with _serving(cmd, port, log_path, "bare daphne", env=db.env, ready_path=None) as running:
        yield running


@contextlib.contextmanager
def raw_server(workdir, redis_url=""):
    """The ceiling: a bare ``websockets`` server in its own process."""
    port = free_port()
    log_path = Path(workdir) / f"raw-{port}.log"
    cmd = [PYTHON, str(Path(__file__).resolve()), "raw-server", str(port)]
    if redis_url:
        cmd += ["--redis", redis_url]
    with _serving(cmd, port, log_path, "raw websockets", ready_path=None) as running:
        yield running


@contextlib.contextmanager
def _serving(cmd, port, log_path, kind, *, env=None, ready_path="/healthz"):
    """Run a server process until the block ends; ready once ``ready_path`` answers (None: TCP)."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    try:
        S.wait_ready(port, process, log_path, path=ready_path)
        yield Running(port=port, pid=process.pid, kind=kind, process=process)
    finally:
        S.stop_process(process)


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the raw websockets server (run as: _ws.py raw-server PORT [--redis URL]) ---------


async def _raw_server(port, redis_url):
    import websockets
    from websockets.asyncio.server import serve

    topics = {}
    history = {}  # stream -> [(id, text)], for "since"
    ids = [0]
    redis = None

    def fan_out(stream, text):
        websockets.broadcast(topics.get(stream, ()), text)

    def event_text(frame):
        ids[0] += 1
        return json.dumps(
            {
                "stream": frame["stream"],
                "event": "post.created",
                "id": ids[0],
                "data": frame["data"],
            },
            separators=(",", ":"),
        )

    async def handler(ws):
        mine = set()
        try:
            async for message in ws:
                frame = json.loads(message)
                op = frame.get("op")
                if op == "subscribe":
                    stream = frame["stream"]
                    topics.setdefault(stream, set()).add(ws)
                    mine.add(stream)
                    await ws.send(json.dumps({"op": "subscribed", "stream": stream}))
                    since = frame.get("since")
                    if since is not None:
                        for event_id, text in history.get(stream, ()):
                            if event_id > since:
                                await ws.send(text)
                elif op == "publish":
                    text = event_text(frame)
                    history.setdefault(frame["stream"], []).append((ids[0], text))
                    if redis is not None:
                        await redis.publish("rtbench", json.dumps([frame["stream"], text]))
                    else:
                        fan_out(frame["stream"], text)
        finally:
            for stream in mine:
                topics[stream].discard(ws)

    async def relay():
        pubsub = redis.pubsub()
        await pubsub.subscribe("rtbench")
        async for message in pubsub.listen():
            if message["type"] == "message":
                stream, text = json.loads(message["data"])
                fan_out(stream, text)

    if redis_url:
        from redis import asyncio as aioredis

        redis = aioredis.from_url(redis_url)
    async with serve(handler, HOST, port, compression=None, max_queue=None):
        if redis is not None:
            await relay()  # runs until the process ends
        await asyncio.Future()


# --- the fixture (run as: _ws.py setup --users N, with a bench database's environment) --


def setup(users=0):
    """Create what the benches need, once per database; return it as a dict."""
    import django

    django.setup()
    import secrets
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from community import actions
    from community.models import Community, User
    from forums import actions as forum_actions

    def person(username, **extra):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@bench.example", **extra)
            user.set_unusable_password()
            user.save()
        return user

    staff = person("rtstaff", is_staff=True, is_superuser=True)
    poster = person("rtposter")
    community = Community.objects.filter(slug="rtbench").first()
    if community is None:
        community = actions.create_community(
            staff,
            slug="rtbench",
            name="Real-time bench",
            kind="discussion",
            visibility="public",
            join_policy="open",
        )
        actions.join(poster, community)
    threads = [
        forum_actions.create_thread(
            poster, community, kind="discussion", title=f"Fan-out {n}", body="First post."
        ).pk
        for n in range(4)
    ]
    _token, key = actions.create_api_token(poster, poster, name="realtime bench")

    sessions = []
    if users:
        # Members with sessions made directly (no login round trip): what a socket's
        # handshake reads is the same as after a real login.
        existing = User.objects.filter(username__startswith="rtm").count()
        hashed = make_password(None)
        with transaction.atomic():
            User.objects.bulk_create(
                [
                    User(
                        username=f"rtm{n:06d}",
                        username_skeleton=f"rtm{n:06d}-skeleton",
                        email=f"rtm{n:06d}@bench.example",
                        password=hashed,
                    )
                    for n in range(existing, users)
                ],
                batch_size=2000,
            )
            members = list(User.objects.filter(username__startswith="rtm").order_by("pk")[:users])
            store = SessionStore()
            expires = timezone.now() + timedelta(days=1)
            backend = settings.AUTHENTICATION_BACKENDS[0]
            rows = []
            for member in members:
                session_key = secrets.token_hex(16)
                data = {
                    SESSION_KEY: str(member.pk),
                    BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: member.get_session_auth_hash(),
                }
                rows.append(
                    Session(
                        session_key=session_key,
                        session_data=store.encode(data),
                        expire_date=expires,
                    )
                )
                sessions.append(session_key)
            Session.objects.bulk_create(rows, batch_size=2000)
    return {"community": community.slug, "threads": threads, "token": key, "sessions": sessions}


def reply_many(thread_id, count, body):
    """Post ``count`` replies through ``forums.actions.reply`` (published after each commit)."""
    import django

    django.setup()
    from community.models import User
    from forums import actions as forum_actions
    from forums.models import Thread

    poster = User.objects.get(username="rtposter")
    thread = Thread.objects.get(pk=thread_id)
    ids = []
    for n in range(count):
        post = forum_actions.reply(poster, thread, body=f"{body} {n}")
        ids.append(post.pk)
        thread.refresh_from_db()
    return ids


def run_django(db, *args):
    """Run this file's Django side in a subprocess with ``db``'s environment; return JSON."""
    out = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), *args],
        cwd=ROOT,
        env={**db.env, "DJANGO_SETTINGS_MODULE": "bench_settings"},
        check=True,
        text=True,
        stdout=subprocess.PIPE,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "raw-server":
        redis = sys.argv[sys.argv.index("--redis") + 1] if "--redis" in sys.argv else ""
        asyncio.run(_raw_server(int(sys.argv[2]), redis))
    elif command == "setup":
        users = int(sys.argv[sys.argv.index("--users") + 1]) if "--users" in sys.argv else 0
        print(json.dumps(setup(users)))
    elif command == "reply-many":
        print(json.dumps(reply_many(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])))
    else:
        sys.exit("usage: _ws.py raw-server PORT [--redis URL] | setup [--users N]")
