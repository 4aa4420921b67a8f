"""The WebSocket side keeps its SQLite connection between database calls (realtime/db.py)."""

import pytest
from channels.db import database_sync_to_async as channels_database_sync_to_async
from django.db import connection

from realtime.db import database_sync_to_async

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL reuses through its pool"),
]


def obsolete_now():
    """Mark the thread's connection as CONN_MAX_AGE=0 does when it connects."""
    connection.ensure_connection()
    connection.close_at = 0.0


def close_at():
    return connection.close_at


async def test_the_sync_thread_keeps_its_sqlite_connection():
    await database_sync_to_async(obsolete_now)()
    # Marked persistent on the way out: Django's close_old_connections() keeps it.
    assert await database_sync_to_async(close_at)() is None
    # Channels' own calls in that thread (AuthMiddleware's) find it so and reuse it.
    assert await channels_database_sync_to_async(close_at)() is None


async def test_channels_alone_would_drop_it():
    await channels_database_sync_to_async(obsolete_now)()
    assert await channels_database_sync_to_async(close_at)() == 0.0  # closed, were it a file
