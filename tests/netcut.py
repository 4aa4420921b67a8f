"""A TCP proxy in front of a server whose network can be cut and restored, for real.

Browser emulation of "offline" leaves open WebSockets alone; this does not:
``cut()`` closes every connection going through it and refuses new ones until
``restore()``, as a dropped Wi-Fi or a restarted load balancer would.
"""

import contextlib
import socket
import threading


class CuttableProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._cut = threading.Event()
        self._lock = threading.Lock()
        self._open = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _close(self, *sockets):
        with self._lock:
            for sock in sockets:
                self._open.discard(sock)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def cut(self):
        """Drop every connection now and refuse new ones."""
        self._cut.set()
        with self._lock:
            sockets = list(self._open)
        self._close(*sockets)

    def restore(self):
        self._cut.clear()

    def close(self):
        self._closed = True
        self.cut()
        self.listener.close()
