"""Real daphne processes on a real Redis: across processes, and through a Redis restart.

Production tier (REDIS_URL set). The servers keep the embedded SQLite
database, shared by both processes through their var dir; what is under test
here is the channel layer and the cache.
"""

import asyncio
import json
import shutil
import subprocess
import time
import urllib.request

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from realtime import hub
from tests import servers

pytestmark = [pytest.mark.production, pytest.mark.asyncio]
TIMEOUT = 10


def api(server, method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url(path), data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return json.loads(response.read())


def token_for(server, username):
    return servers._manage(server.env, "create_api_token", username).strip()


def first_thread(server):
    return api(server, "GET", "/api/v1/communities/ideas/threads")["items"][0]["id"]


async def next_event(ws, event, timeout=TIMEOUT):
    """The next frame of ``event`` (presence and typing frames are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if frame.get("event") == event or frame.get("op") == "error":
            return frame


@pytest.fixture(scope="module")
def pair():
    with servers.run_daphne(redis_url=True) as a:
        b = servers.start_another(a)
        try:
            yield a, b
        finally:
            servers.stop(b)


async def test_a_post_made_on_one_process_reaches_a_reader_on_the_other(pair):
    a, b = pair
    thread_id = first_thread(a)
    token = await asyncio.to_thread(token_for, a, "alice")
    stream = f"thread:{thread_id}"
    async with connect(b.ws_url, origin=b.origin, open_timeout=TIMEOUT) as ws:
        await ws.send(json.dumps({"op": "subscribe", "stream": stream}))
        subscribed = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        assert subscribed["op"] == "subscribed"
        body = f"Cross-process hello {time.time()}"
        posted = await asyncio.to_thread(
            api, a, "POST", f"/api/v1/threads/{thread_id}/posts", token, {"body": body}
        )
        frame = await next_event(ws, "post.created")
    assert frame["data"]["id"] == posted["id"] and body in frame["data"]["html"]
    assert frame["id"] == subscribed["last_id"] + 1


async def test_presence_is_shared_across_processes(pair):
    a, b = pair
    thread_id = first_thread(a)
    stream = f"thread:{thread_id}"
    alice = await asyncio.to_thread(servers.login_session, a.base_url, "alice@example.com")
    chloe = await asyncio.to_thread(servers.login_session, b.base_url, "chloe@example.com")

    def open_on(server, session):
        return connect(
            server.ws_url,
            origin=server.origin,
            additional_headers={"Cookie": f"sessionid={session}"},
            open_timeout=TIMEOUT,
        )

    async with open_on(a, alice) as on_a, open_on(b, chloe) as on_b:
        await on_a.send(json.dumps({"op": "subscribe", "stream": stream}))
        await next_event(on_a, "presence")
        await on_b.send(json.dumps({"op": "subscribe", "stream": stream}))
        seen_by_chloe = await next_event(on_b, "presence")
        seen_by_alice = await next_event(on_a, "presence")
    names = {"alice", "chloe"}
    assert {v["username"] for v in seen_by_chloe["data"]["viewers"]} == names
    assert {v["username"] for v in seen_by_alice["data"]["viewers"]} == names


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own on a free port, to stop and start at will."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = servers.free_port()

    def start():
        process = subprocess.Popen(
            [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", tmp_path],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with servers.socket.create_connection(("127.0.0.1", port), 0.2):
                    return process
            except OSError:
                time.sleep(0.05)
        process.kill()
        raise RuntimeError("redis-server did not start")

    state = {"process": start()}

    def stop():
        state["process"].terminate()
        state["process"].wait(10)

    def restart():
        state["process"] = start()

    yield {"url": f"redis://127.0.0.1:{port}/0", "stop": stop, "restart": restart}
    state["process"].kill()
    state["process"].wait(10)


async def subscribe_when_back(server, stream, since, deadline):
    """Reconnect and resubscribe as static/js/realtime.js does: retry until it holds."""
    while True:
        try:
            ws = await connect(server.ws_url, origin=server.origin, open_timeout=TIMEOUT)
            await ws.send(json.dumps({"op": "subscribe", "stream": stream, "since": since}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            assert reply["op"] == "subscribed", reply
            return ws
        except (TimeoutError, OSError, ConnectionClosed):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def alice_on_the_first_thread(server):
    """The first thread's stream and replies path, and a token to reply as alice."""
    thread_id = first_thread(server)
    token = await asyncio.to_thread(token_for, server, "alice")
    return f"thread:{thread_id}", f"/api/v1/threads/{thread_id}/posts", token


async def subscribed(server, stream):
    ws = await connect(server.ws_url, origin=server.origin, open_timeout=TIMEOUT)
    await ws.send(json.dumps({"op": "subscribe", "stream": stream}))
    assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["op"] == "subscribed"
    return ws


async def replies(server, path, token, count):
    """``count`` replies through the API, one after the other (the publish may fail)."""
    return [
        await asyncio.to_thread(api, server, "POST", path, token, {"body": f"During {n}"})
        for n in range(count)
    ]


async def test_no_committed_post_is_lost_across_a_redis_restart(own_redis):
    with servers.run_daphne(redis_url=own_redis["url"]) as server:
        stream, path, token = await alice_on_the_first_thread(server)
        async with await subscribed(server, stream) as ws:
            first = await asyncio.to_thread(api, server, "POST", path, token, {"body": "Before"})
            frame = await next_event(ws, "post.created")
            assert frame["data"]["id"] == first["id"]
            last_id = frame["id"]

            own_redis["stop"]()
            during = await replies(server, path, token, 3)  # writes go on, failures logged
        own_redis["restart"]()

        ws = await subscribe_when_back(server, stream, last_id, time.monotonic() + 30)
        async with ws:
            after = await asyncio.to_thread(api, server, "POST", path, token, {"body": "After"})
            frames = []
            while len([f for f in frames if f.get("event") == "post.created"]) < 4:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)))
        created = [f["data"]["id"] for f in frames if f.get("event") == "post.created"]
        assert created == [p["id"] for p in during] + [after["id"]]
        ids = [f["id"] for f in frames if f.get("id") is not None]
        assert ids == list(range(last_id + 1, last_id + 1 + len(ids)))  # no gap, no repeat
        assert "Could not publish" in server.log()  # the outage was logged


async def test_a_socket_open_through_a_redis_outage_gets_what_it_missed(own_redis):
    """The hub's heartbeat notices the outage; repaired, it makes open sockets catch up."""
    with servers.run_daphne(redis_url=own_redis["url"]) as server:
        stream, path, token = await alice_on_the_first_thread(server)
        async with await subscribed(server, stream) as ws:
            own_redis["stop"]()
            during = await replies(server, path, token, 2)
            await asyncio.sleep(hub.HEARTBEAT_SECONDS + 1)  # a heartbeat fails meanwhile
            own_redis["restart"]()
            # No new post, no reconnection: the repaired hub has the socket catch up.
            frames = [await next_event(ws, "post.created", timeout=30) for _ in during]
        assert [f["data"]["id"] for f in frames] == [p["id"] for p in during]
        assert frames[1]["id"] == frames[0]["id"] + 1
        assert "Channel layer back" in server.log()
