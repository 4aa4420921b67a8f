"""Django's SQLite backend with open connections kept for reuse within the process.

Under ASGI, Django runs each request's sync code in a thread of its own and
closes the request's connection at its end (``CONN_MAX_AGE = 0``: a
persistent connection would stay behind in a dead thread), and Channels
closes the WebSocket side's connections around every database call. On
PostgreSQL psycopg's pool makes that cheap. SQLite has no pool, and a new
connection costs about 2.3 ms here: the first statement of each parses the
whole schema (about 350 tables, indexes and triggers with Wagtail's), then
Django registers its functions and runs the pragmas. That was a quarter of
a thread page's time on the embedded default, and most of a WebSocket's
connect.

This backend keeps a closed connection open in a small process-wide pool
and hands it to the next thread that connects. Only connections with no
transaction open go back (Django closes a connection inside a transaction
only when something went wrong); in-memory databases are left alone (Django
never closes them). A pool is per process: after a fork the child starts
with an empty one. Django's SQLite connections are made with
``check_same_thread=False``, and one is used by one thread at a time.
"""

import os
import threading

from django.db.backends.sqlite3 import base

POOL_SIZE = 8  # open connections kept per database file and process


class Pool:
    def __init__(self):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.idle = []

    def take(self):
        with self.lock:
            return self.idle.pop() if self.idle else None

    def give_back(self, connection):
        """Keep ``connection`` for the next taker; False when the pool is full."""
        with self.lock:
            if len(self.idle) >= POOL_SIZE:
                return False
            self.idle.append(connection)
            return True


_pools = {}
_pools_lock = threading.Lock()


def pool_for(name):
    with _pools_lock:
        pool = _pools.get(name)
        if pool is None or pool.pid != os.getpid():
            # After a fork the parent's connections are not ours to use (nor to close).
            pool = _pools[name] = Pool()
        return pool


class DatabaseWrapper(base.DatabaseWrapper):
    def _pool(self):
        return None if self.is_in_memory_db() else pool_for(str(self.settings_dict["NAME"]))

    def get_new_connection(self, conn_params):
        pool = self._pool()
        connection = pool.take() if pool is not None else None
        return connection or super().get_new_connection(conn_params)

    def _close(self):
        connection, pool = self.connection, self._pool()
        idle = connection is not None and not connection.in_transaction
        if idle and pool is not None and pool.give_back(connection):
            return
        super()._close()
