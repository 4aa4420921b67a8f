"""Database calls of the WebSocket side, with the connection kept between them on SQLite.

Channels' ``database_sync_to_async`` runs a function in asgiref's one
process-wide sync thread and closes the thread's database connections
before and after (``close_old_connections``). With ``CONN_MAX_AGE = 0``,
which the site needs for its HTTP side under ASGI (every request may run in
a thread of its own), that means a new connection for every call. On
PostgreSQL that is a checkout from psycopg's pool; on SQLite, the embedded
default, it is a new connection with its pragmas and Django's functions
registered: about 2 ms, which made every socket's connect and subscribe
wait 4 ms or more in that one thread (10,000 sockets: 100 s to reconnect).

The sync thread Channels uses outside a request lives as long as the
process and only serves sockets (Django runs each HTTP request's sync code
in a thread of the request's own), so its SQLite connection can live as
long: ``database_sync_to_async`` here marks it persistent after each call.
Django still closes it when it breaks (``close_if_unusable_or_obsolete``),
and the next call opens a new one. Calls Channels makes itself in that
thread (``AuthMiddleware`` loading the user) reuse it too.
"""

from asgiref.sync import SyncToAsync
from django.db import close_old_connections, connections


class KeepSQLiteConnection(SyncToAsync):
    def thread_handler(self, loop, *args, **kwargs):
        close_old_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            for connection in connections.all(initialized_only=True):
                if connection.vendor == "sqlite" and connection.connection is not None:
                    connection.close_at = None  # see the module docstring
            close_old_connections()


def database_sync_to_async(function):
    """Channels' ``database_sync_to_async``, keeping the sync thread's SQLite connection."""
    return KeepSQLiteConnection(function)
