"""``realtime.transport``: daphne's TCP connections write at once, and lose nothing.

A real Twisted server on the asyncio reactor (tests/realtime/direct_write_server.py,
in its own process) and a plain socket as the client. Last, autobahn's debug
formatting, deferred until a message is logged.
"""

import pprint
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.realtime import direct_write_server as script

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.realtime.direct_write_server", "20"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        yield process, port
    finally:
        process.kill()
        _, errors = process.communicate(timeout=10)
        assert "Traceback" not in errors, errors


def receive_all(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        received = bytearray()
        while chunk := client.recv(1 << 20):
            received += chunk
    return bytes(received)


def chunks(count):
    return b"".join(script.chunk(index) for index in range(count))


def test_a_burst_larger_than_the_kernel_buffers_arrives_whole_and_in_order(server):
    process, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        # Not reading yet: the kernel's buffers fill, the rest waits in Twisted's.
        line = process.stdout.readline().split()
        time.sleep(0.2)
        received = bytearray()
        while chunk := client.recv(1 << 20):
            received += chunk
    assert line[:2] == ["burst", "DirectWriteServer"]
    report = dict(item.split("=") for item in line[2:])
    total = script.CHUNKS * script.CHUNK
    # Some bytes went straight to the kernel, the rest through Twisted's buffer,
    # which paused the producer as Twisted does.
    assert 0 < int(report["direct"]) < total
    assert report["paused"] == "True"
    assert received == chunks(script.CHUNKS)


def test_a_pull_producer_is_asked_again_until_it_is_done(server):
    _, port = server
    receive_all(port)  # the burst
    assert receive_all(port) == chunks(script.PULLS)


def test_a_write_to_a_reset_connection_is_reported_as_lost(server):
    process, port = server
    receive_all(port)  # the burst
    receive_all(port)  # the pull producer
    late = socket.create_connection(("127.0.0.1", port), timeout=10)
    # Close with a reset (linger 0) before the server's write, 0.3 s later.
    late.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    late.close()
    lines = iter(process.stdout.readline, "")
    assert next(line for line in lines if not line.startswith("burst")).split()[:2] == [
        "late",
        "lost",
    ]


def test_autobahn_formats_its_debug_arguments_only_when_a_message_is(monkeypatch):
    from autobahn.websocket import protocol

    from realtime import transport

    transport.defer_autobahn_formatting()
    settings = [("openHandshakeTimeout", 5, "WebSocketServerFactory")]
    real = pprint.pformat
    calls = []
    monkeypatch.setattr(pprint, "pformat", lambda value: calls.append(value) or real(value))
    deferred = protocol.pformat(settings)  # what autobahn does for each new connection
    assert calls == []
    assert str(deferred) == f"{deferred}" == repr(deferred) == real(settings)
    assert len(calls) == 3
    timings = protocol.Timings()
    timings.track("onOpen")
    assert isinstance(str(timings), str) and "onOpen" in str(timings)
