"""Who is viewing a stream now, shared by every server process through Django's cache.

Each socket that views a stream has an entry ``socket id -> [username,
display name, expiry]`` in one cache value per stream (local memory on the
embedded default, Redis in production, so that all daphne processes see the
same viewers). Entries expire on their own when a process dies without saying
goodbye; live sockets refresh theirs every ``REFRESH_SECONDS``.

Updates are read-modify-write without a lock: two processes changing the same
stream at the same instant can drop one entry, which its next refresh puts
back. Presence is a hint, not a ledger, and never stored in the database.
"""

import time

from django.core.cache import cache

TTL_SECONDS = 60
REFRESH_SECONDS = 25
MAX_LISTED = 50  # viewers named in an event; ``count`` has them all


def _key(address):
    return f"presence:{address}"


def _alive(entries, now):
    return {channel: entry for channel, entry in (entries or {}).items() if entry[2] > now}


def _people(entries):
    return {entry[0] for entry in (entries or {}).values()}


def summary(entries):
    """The ``presence`` event's data: distinct viewers by name, and how many."""
    people = {}
    for username, display_name, _expiry in entries.values():
        people[username] = display_name
    ordered = sorted(people.items(), key=lambda item: (item[1].casefold(), item[0]))
    return {
        "viewers": [{"username": u, "display_name": d} for u, d in ordered[:MAX_LISTED]],
        "count": len(people),
    }


async def join(address, socket_id, username, display_name):
    """Add (or refresh) a viewer; return (summary, changed)."""
    now = time.time()
    entries = await cache.aget(_key(address))
    alive = _alive(entries, now)
    alive[socket_id] = [username, display_name, now + TTL_SECONDS]
    await cache.aset(_key(address), alive, TTL_SECONDS)
    # Changed for the others when the set of people differs (a newcomer, an expiry).
    changed = _people(entries) != _people(alive)
    return summary(alive), changed


async def leave(address, socket_id):
    """Remove a viewer; return the summary, or None if they were not listed."""
    now = time.time()
    entries = await cache.aget(_key(address))
    if not entries or socket_id not in entries:
        return None
    alive = _alive(entries, now)
    alive.pop(socket_id, None)
    if alive:
        await cache.aset(_key(address), alive, TTL_SECONDS)
    else:
        await cache.adelete(_key(address))
    return summary(alive)


async def viewers(address):
    return summary(_alive(await cache.aget(_key(address)), time.time()))
