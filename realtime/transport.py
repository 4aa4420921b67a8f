"""Daphne's TCP connections write at once instead of waiting for the next loop turn.

Twisted's TCP transport never writes in ``write()``: it buffers the bytes, registers
the socket with the event loop for writability (``epoll_ctl``), writes on the next
turn, then unregisters the socket (``epoll_ctl`` again). For a WebSocket frame pushed
to a thousand sockets that is two system calls, a loop callback and a buffer join per
frame on top of the ``send`` itself: about a quarter of the process's time during a
fan-out (``bench/README.md``, "After the hub"). asyncio's own transports, and
uvicorn with them, try the ``send`` first and buffer only what the kernel did not
take; ``DirectWriteServer`` does the same for daphne.

The fallback is Twisted's own path whenever anything is pending (buffered bytes,
a closing or aborted connection, ``startTLS``, a pull producer), for anything but
``bytes``, and for whatever the kernel did not take: ordering, back-pressure and
closing stay Twisted's. Every TCP port daphne listens on is affected (``--port``,
``-e tcp:`` and ``-e ssl:``, whose TLS layer is a protocol wrapped around this
transport and writes ciphertext through it); UNIX sockets are left alone. Off
with ``REALTIME_DIRECT_WRITE=false``. It reads Twisted's private write state:
Twisted is pinned to the series it was tested with (pyproject.toml), and
tests/realtime/test_transport_internals.py says what changed before a new one is let in.

``install()`` is called by ``community.site.asgi`` at import, before daphne listens.

``defer_autobahn_formatting()`` is the other fix here, always applied: autobahn
pretty-prints its whole configuration (about 35 settings) for a debug message on
every WebSocket it opens, whether debug logging is on or not. That was 4 % of a
process's time while sockets reconnect (``bench/README.md``, "Reconnecting").
"""

import pprint

from autobahn.websocket import protocol as autobahn_protocol
from twisted.internet import tcp


class DirectWriteServer(tcp.Server):
    """A ``tcp.Server`` whose ``write`` sends at once when nothing is pending."""

    def write(self, data):
        if (
            type(data) is bytes  # Twisted's own check refuses others, after a partial send too
            and data
            and not self.TLS
            and self.connected
            and not self.disconnecting
            and not self._aborting
            and not self._writeDisconnected
            # A pull producer is asked for more when Twisted's buffer drains, so
            # its writes must go through the buffer. A streaming one (daphne's
            # HTTP channel stays registered after the WebSocket upgrade) is only
            # paused when the buffer grows, which a write taken whole never does.
            and (self.producer is None or self.streamingProducer)
            and not self._tempDataBuffer
            and self.offset == len(self.dataBuffer)
        ):
            try:
                sent = self.socket.send(data)
            except OSError:
                # Would block, interrupted, or the connection is gone: Twisted's
                # buffered path below retries, or finds the loss and reports it.
                sent = 0
            if sent == len(data):
                return
            data = data[sent:]
        super().write(data)


def install():
    """Make every TCP port opened from now on use ``DirectWriteServer``."""
    tcp.Port.transport = DirectWriteServer


class _Pformat:
    """Stands in for ``pprint.pformat`` in autobahn: formats only when a log message is."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __str__(self):
        return pprint.pformat(self.value)

    __repr__ = __str__


def _timings_text(timings):
    return pprint.pformat(timings._timings)  # as Timings.__str__, which must return a str


def defer_autobahn_formatting():
    """Let autobahn's debug messages format their arguments only when they are logged."""
    autobahn_protocol.pformat = _Pformat
    autobahn_protocol.Timings.__str__ = _timings_text
