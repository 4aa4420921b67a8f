"""The Twisted and autobahn internals that ``realtime.transport`` relies on.

``DirectWriteServer.write`` sends at once only when Twisted has nothing pending, and
learns that from Twisted's private state (``_tempDataBuffer``, ``dataBuffer`` and
``offset``, ``TLS``, ``disconnecting``, ``_aborting``, ``_writeDisconnected``,
``producer`` and ``streamingProducer``). ``defer_autobahn_formatting`` hands autobahn
an object where it had a string. Both hold for the versions pinned in pyproject.toml.
Here Twisted's own methods set that state, on a real ``tcp.Server`` over a real
socket (the reactor is Twisted's in-memory one), and each test fails with a message
naming what changed: run them after moving the pin. tests/realtime/test_transport.py
checks the whole write path under a running reactor.
"""

import ast
import inspect
import socket
from contextlib import suppress
from types import SimpleNamespace

import pytest
from OpenSSL import SSL
from twisted.internet import protocol, tcp
from twisted.internet.interfaces import IOpenSSLContextFactory
from twisted.internet.testing import MemoryReactorClock
from zope.interface import implementer

from realtime.transport import DirectWriteServer

CHANGED = (
    "Twisted changed what realtime.transport.DirectWriteServer relies on: {}. Read "
    "twisted/internet/abstract.py (FileDescriptor.write, doWrite) and tcp.py again, "
    "adapt the transport, and only then move the Twisted pin in pyproject.toml "
    "(meanwhile REALTIME_DIRECT_WRITE=false restores Twisted's own write path)."
)


@pytest.fixture
def pair():
    """A ``DirectWriteServer`` on an accepted TCP socket, the client socket, the reactor."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname(), timeout=10)
        accepted, address = listener.accept()
        port = SimpleNamespace(_realPortNumber=listener.getsockname()[1])  # for repr()
    reactor = MemoryReactorClock()
    connection = DirectWriteServer(accepted, protocol.Protocol(), address, port, 0, reactor)
    client.setblocking(False)
    yield connection, client, reactor
    client.close()
    accepted.close()


def waiting(client):
    """Return what has reached the client so far, without waiting."""
    received = bytearray()
    with suppress(BlockingIOError):
        while chunk := client.recv(1 << 20):
            received += chunk
    return bytes(received)


def pending(connection):
    """Whether Twisted holds bytes not yet sent, judged as ``DirectWriteServer.write`` does."""
    return bool(connection._tempDataBuffer) or connection.offset != len(connection.dataBuffer)


def test_the_state_it_reads_is_there_on_a_new_connection(pair):
    connection, _, _ = pair
    assert issubclass(tcp.Port.transport, tcp.Server), CHANGED.format(
        "tcp.Port no longer makes its connections from Port.transport, which install() sets"
    )
    idle = {
        "TLS": False,
        "connected": True,
        "disconnecting": False,
        "_aborting": False,
        "_writeDisconnected": False,
        "producer": None,
        "streamingProducer": False,
        "_tempDataBuffer": [],
        "_tempDataLen": 0,
        "dataBuffer": b"",
        "offset": 0,
    }
    missing = object()
    found = {name: getattr(connection, name, missing) for name in idle}
    differing = {name: value for name, value in found.items() if value != idle[name]}
    assert not differing, CHANGED.format(
        f"a new tcp.Server has {differing} (expected {idle}; {missing} is a missing attribute)"
    )
    assert isinstance(connection.socket, socket.socket), CHANGED.format(
        "tcp.Server.socket is no longer its socket"
    )


def test_twisted_buffers_a_write_where_it_looks_and_order_is_kept(pair):
    connection, client, reactor = pair
    tcp.Server.write(connection, b"first ")  # Twisted's own path
    assert connection._tempDataBuffer == [b"first "] and connection._tempDataLen == 6, (
        CHANGED.format(
            "FileDescriptor.write no longer appends to _tempDataBuffer "
            f"(it holds {connection._tempDataBuffer!r})"
        )
    )
    assert connection in reactor.getWriters(), CHANGED.format(
        "FileDescriptor.write no longer waits for the socket to be writable"
    )
    connection.write(b"second ")
    assert waiting(client) == b"", "a write went out before the bytes Twisted held"
    connection.doWrite()
    assert waiting(client) == b"first second "
    assert not pending(connection), CHANGED.format(
        "after doWrite sent everything, _tempDataBuffer / dataBuffer / offset still "
        f"show bytes pending ({connection._tempDataBuffer!r}, {len(connection.dataBuffer)} "
        f"bytes in dataBuffer, offset {connection.offset})"
    )
    connection.write(b"third")  # nothing pending: straight to the socket
    assert waiting(client) == b"third"
    assert connection._tempDataBuffer == []


def test_what_doWrite_could_not_send_stays_in_dataBuffer_after_offset(pair):
    connection, client, _ = pair
    payload = bytes(range(256)) * (1 << 16)  # 16 MiB: more than one send takes
    tcp.Server.write(connection, payload)
    connection.doWrite()
    assert connection._tempDataBuffer == [], CHANGED.format(
        "doWrite no longer moves _tempDataBuffer into dataBuffer"
    )
    assert 0 < connection.offset < len(connection.dataBuffer) == len(payload), CHANGED.format(
        "after a partial send, dataBuffer and offset no longer hold what is left "
        f"({len(connection.dataBuffer)} bytes in dataBuffer, offset {connection.offset})"
    )
    connection.write(b"tail")
    assert connection._tempDataBuffer == [b"tail"], "a write went out before Twisted's buffer"
    received = bytearray()
    for _ in range(10_000):
        received += waiting(client)
        if not pending(connection):
            break
        assert connection.doWrite() is None
    received += waiting(client)
    assert bytes(received) == payload + b"tail"


class Pull:
    """A pull producer: Twisted asks it for more when its buffer has drained."""

    def resumeProducing(self):
        pass

    def stopProducing(self):
        pass


def untrusted_tls_context():
    @implementer(IOpenSSLContextFactory)
    class Factory:
        def getContext(self):
            return SSL.Context(SSL.TLS_METHOD)

    return Factory()


@pytest.mark.parametrize(
    ("state", "change"),
    [
        ("disconnecting", lambda connection: connection.loseConnection()),
        ("_aborting", lambda connection: connection.abortConnection()),
        ("TLS", lambda connection: connection.startTLS(untrusted_tls_context())),
        (
            "a pull producer",
            lambda connection: connection.registerProducer(Pull(), False),
        ),
    ],
)
def test_twisted_sets_the_state_that_keeps_a_write_on_its_own_path(pair, state, change):
    connection, client, _ = pair
    change(connection)
    connection.write(b"not at once")
    assert waiting(client) == b"", CHANGED.format(
        f"after {state} was set by Twisted's own method, a write still went out at once"
    )


def test_a_streaming_producer_leaves_writes_direct(pair):
    connection, client, _ = pair
    connection.registerProducer(protocol.Protocol(), True)
    assert connection.streamingProducer is True, CHANGED.format(
        "registerProducer(..., True) no longer sets streamingProducer"
    )
    connection.write(b"at once")
    assert waiting(client) == b"at once"


def test_autobahn_uses_pformat_only_for_log_arguments_and_timings():
    from autobahn.websocket import protocol as autobahn_protocol

    tree = ast.parse(inspect.getsource(autobahn_protocol))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for_logs, elsewhere = 0, []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "pformat"):
            continue
        parent, outer = parents[node], parents.get(parents[node])
        function = node
        while not isinstance(function, ast.FunctionDef | ast.Module):
            function = parents[function]
        if (
            isinstance(parent, ast.keyword)
            and isinstance(outer, ast.Call)
            and isinstance(outer.func, ast.Attribute)
            and getattr(outer.func.value, "attr", None) == "log"
        ):
            for_logs += 1
        elif not (
            getattr(function, "name", None) == "__str__"
            and getattr(parents[function], "name", None) == "Timings"
        ):
            elsewhere.append(node.lineno)  # Timings.__str__ is replaced by realtime.transport
    assert "pformat" in vars(autobahn_protocol), (
        "autobahn.websocket.protocol no longer imports pformat: "
        "realtime.transport.defer_autobahn_formatting patches nothing"
    )
    assert for_logs, (
        "autobahn.websocket.protocol no longer passes pformat(...) to its log calls: "
        "drop realtime.transport.defer_autobahn_formatting"
    )
    assert not elsewhere, (
        "autobahn.websocket.protocol uses pformat's result as a string at lines "
        f"{sorted(elsewhere)}: realtime.transport.defer_autobahn_formatting would hand "
        "it a _Pformat there"
    )
