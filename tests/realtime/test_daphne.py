"""The WebSocket endpoint served by a real daphne process, spoken to over TCP.

Unlike the in-process ``WebsocketCommunicator`` tests, these go through
daphne's (autobahn's) own framing, size limits, close codes and handshake,
with sessions made by signing in over HTTP. The server has its own database
(migrated and seeded once per session, see tests/servers.py), so no
``django_db`` here; tests only read the seeded state, and the one that logs
out uses a session of its own.
"""

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests import servers

TIMEOUT = 5


@pytest.fixture(scope="session")
def server():
    return servers.shared_daphne()


@pytest.fixture(scope="session")
def alice_session(server):
    return servers.login_session(server.base_url, "alice@example.com")


def open_socket(server, sessionid=None, *, origin=None, **options):
    headers = {"Cookie": f"sessionid={sessionid}"} if sessionid else {}
    return connect(
        server.ws_url,
        origin=origin or server.origin,
        additional_headers=headers,
        open_timeout=TIMEOUT,
        close_timeout=TIMEOUT,
        **options,
    )


async def ask(ws, frame):
    await ws.send(frame if isinstance(frame, str) else json.dumps(frame))
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))


async def closed_code(ws):
    """Wait for the server to close the socket; return the close code it sent."""
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert closed.value.rcvd is not None, f"no close frame received ({closed.value})"
    return closed.value.rcvd.code


@pytest.mark.asyncio
async def test_anonymous_echo_has_no_user(server):
    async with open_socket(server) as ws:
        reply = await ask(ws, {"op": "echo", "data": {"n": 1, "s": "héllo"}})
    assert reply == {"op": "echo", "user": None, "data": {"n": 1, "s": "héllo"}}


@pytest.mark.asyncio
async def test_session_cookie_authenticates_the_socket(server, alice_session):
    async with open_socket(server, alice_session) as ws:
        reply = await ask(ws, {"op": "echo", "data": "ping"})
    assert reply == {"op": "echo", "user": "alice", "data": "ping"}


@pytest.mark.asyncio
async def test_member_subscribes_to_her_hidden_community(server, alice_session):
    async with open_socket(server, alice_session) as ws:
        club = await ask(ws, {"op": "subscribe", "stream": "community:club"})
        me = await ask(ws, {"op": "subscribe", "stream": "me"})
    # The demo's seeding published the club's threads: the stream has events.
    assert club == {"op": "subscribed", "stream": "community:club", "last_id": club["last_id"]}
    assert club["last_id"] > 0
    assert me == {"op": "subscribed", "stream": "me", "last_id": me["last_id"]}


@pytest.mark.asyncio
async def test_anonymous_socket_cannot_see_hidden_community_or_me(server):
    async with open_socket(server) as ws:
        club = await ask(ws, {"op": "subscribe", "stream": "community:club"})
        me = await ask(ws, {"op": "subscribe", "stream": "me"})
        public = await ask(ws, {"op": "subscribe", "stream": "community:ideas"})
    assert club == {"op": "error", "stream": "community:club", "reason": "not_found"}
    assert me == {"op": "error", "stream": "me", "reason": "not_authenticated"}
    assert public == {"op": "subscribed", "stream": "community:ideas", "last_id": public["last_id"]}


@pytest.mark.asyncio
async def test_a_hidden_community_looks_like_a_missing_one(server):
    async with open_socket(server) as ws:
        hidden = await ask(ws, {"op": "subscribe", "stream": "community:club"})
        missing = await ask(ws, {"op": "subscribe", "stream": "community:no-such-place"})
    assert hidden["reason"] == missing["reason"] == "not_found"


@pytest.mark.asyncio
async def test_bad_frames_get_errors_and_the_socket_stays_usable(server):
    async with open_socket(server) as ws:
        invalid = await ask(ws, "{not json")
        unknown = await ask(ws, {"op": "teleport"})
        echo = await ask(ws, {"op": "echo", "data": "still here"})
    assert invalid == {"op": "error", "stream": None, "reason": "invalid_json"}
    assert unknown["reason"] == "unknown_op"
    assert echo == {"op": "echo", "user": None, "data": "still here"}


@pytest.mark.asyncio
async def test_hostile_frames_get_error_frames_and_never_close_the_socket(server):
    """Numbers past a bigint, lone surrogates and deep nesting: each an error frame."""
    deep = "[" * 20_000 + "]" * 20_000
    async with open_socket(server) as ws:
        huge_since = await ask(ws, {"op": "subscribe", "stream": "thread:1", "since": 2**63})
        surrogate_op = await ask(ws, '{"op": "\\ud800"}')
        surrogate_stream = await ask(ws, '{"op": "subscribe", "stream": "thread:\\udfff"}')
        nested = await ask(ws, deep)
        echo = await ask(ws, {"op": "echo", "data": "still here"})
    assert huge_since == {"op": "error", "stream": "thread:1", "reason": "invalid_since"}
    assert surrogate_op == {"op": "error", "stream": None, "reason": "invalid_unicode"}
    assert surrogate_stream == {"op": "error", "stream": None, "reason": "invalid_unicode"}
    assert nested == {"op": "error", "stream": None, "reason": "invalid_json"}
    assert echo == {"op": "echo", "user": None, "data": "still here"}


@pytest.mark.asyncio
async def test_unknown_op_answers_an_error_frame(server):
    async with open_socket(server) as ws:
        unknown = await ask(ws, {"op": "teleport"})
    assert unknown == {
        "op": "error",
        "stream": None,
        "reason": "unknown_op",
        "requested": "teleport",
    }


def oversized_frame():
    # Over the consumer's 64 KiB, under daphne's own 1 MiB limit.
    return json.dumps({"op": "echo", "data": "x" * (100 * 1024)})


@pytest.mark.asyncio
async def test_oversized_frame_is_refused_and_the_socket_closed(server):
    async with open_socket(server) as ws:
        reply = await ask(ws, oversized_frame())
        assert reply == {"op": "error", "stream": None, "reason": "frame_too_large"}
        await closed_code(ws)


@pytest.mark.asyncio
async def test_oversized_frame_closes_with_4009(server):
    # 4009: the application-range mirror of 1009, which daphne lets applications send.
    async with open_socket(server) as ws:
        await ask(ws, oversized_frame())
        assert await closed_code(ws) == 4009


@pytest.mark.asyncio
async def test_cross_origin_handshake_is_refused(server, alice_session):
    with pytest.raises(InvalidStatus) as refused:
        async with open_socket(server, alice_session, origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.asyncio
async def test_logging_out_closes_the_sessions_socket(server):
    client = servers.HttpClient(server.base_url)
    sessionid = await asyncio.to_thread(client.login, "alice@example.com")
    other_session = await asyncio.to_thread(
        servers.login_session, server.base_url, "alice@example.com"
    )
    async with (
        open_socket(server, sessionid) as ws,
        open_socket(server, other_session) as other,
    ):
        assert (await ask(ws, {"op": "echo"}))["user"] == "alice"
        assert (await ask(other, {"op": "echo"}))["user"] == "alice"

        status, url, _html = await asyncio.to_thread(client.logout)
        assert status == 200
        assert client.cookie("sessionid") is None, f"still signed in after logout ({url})"

        assert await closed_code(ws) == 4401
        # Another session of the same person keeps its socket.
        assert (await ask(other, {"op": "echo", "data": 2})) == {
            "op": "echo",
            "user": "alice",
            "data": 2,
        }
