"""A Twisted server on the asyncio reactor, as daphne runs it, with ``transport.install()``.

Run (``main``) by tests/realtime/test_transport.py in its own process (a reactor is
installed once per process). Prints the port it listens on, then one line per
connection, which behaves by its number:

1. ``burst``: with a streaming producer registered, as daphne's HTTP channel stays
   after a WebSocket upgrade, writes ``CHUNKS`` chunks of 64 KiB at once (far more
   than the kernel's socket buffers), then closes; prints the transport's class,
   how many bytes the kernel took in ``write()`` itself (the rest waited in
   Twisted's buffer) and whether the producer was paused;
2. ``pull``: a pull producer writes one chunk each time it is asked, ``PULLS``
   times, then closes (Twisted asks again once its buffer has drained);
3. ``late``: waits for the client to reset the connection, then writes; prints why
   the connection was lost.
"""

import sys

from twisted.internet import protocol

CHUNK = 64 * 1024
CHUNKS = 256
PULLS = 20


def chunk(index):
    return bytes([index % 251]) * CHUNK


class Streaming:
    """A push producer that only records being paused."""

    paused = False

    def pauseProducing(self):
        self.paused = True

    def resumeProducing(self):
        pass

    def stopProducing(self):
        pass


class Burst(protocol.Protocol):
    def connectionMade(self):
        producer = Streaming()
        t = self.transport
        t.registerProducer(producer, True)
        for index in range(CHUNKS):
            t.write(chunk(index))
        pending = len(t.dataBuffer) - t.offset + t._tempDataLen
        print(
            f"burst {type(t).__name__} direct={CHUNKS * CHUNK - pending} paused={producer.paused}",
            flush=True,
        )
        t.unregisterProducer()
        t.loseConnection()


class Pull(protocol.Protocol):
    sent = 0

    def connectionMade(self):
        self.transport.registerProducer(self, False)

    def resumeProducing(self):
        self.transport.write(chunk(self.sent))
        self.sent += 1
        if self.sent == PULLS:
            self.transport.unregisterProducer()
            self.transport.loseConnection()

    def stopProducing(self):
        pass


class Late(protocol.Protocol):
    def connectionMade(self):
        from twisted.internet import reactor

        reactor.callLater(0.3, self.transport.write, b"too late")

    def connectionLost(self, reason):
        print(f"late lost {reason.type.__name__}", flush=True)


class Factory(protocol.Factory):
    count = 0

    def buildProtocol(self, addr):
        self.count += 1
        return (Burst, Pull, Late)[self.count - 1]()


def main(seconds):
    from twisted.internet import asyncioreactor

    asyncioreactor.install()
    from twisted.internet import reactor

    from realtime import transport

    transport.install()
    port = reactor.listenTCP(0, Factory(), interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.callLater(seconds, reactor.stop)
    reactor.run()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 30)
