"""Who has a socket open now, as cheaply as the embedded default allows.

Every authenticated socket joins its user's group (``realtime.streams.user_group``)
on the hub of its process (``realtime.hub``). The embedded default is one
daphne process, so the hubs of this process know every open socket: looking a
group up is a dictionary read, no query and no round trip.

Behind several daphne processes a process sees only its own sockets, so every
process also keeps the shared cache told (``care:online:<user id>`` entries,
alive for TTL_SECONDS): the consumer's socket hooks (``realtime.consumers``,
registered by ``care.setup``) mark a user when a socket opens, mark the
process's connected users again every heartbeat, and unmark a user when their
last socket in the process closes. Both sources are read, the local one first
(no round trip). A user still connected to another process after such an
unmark is marked again by that process's next heartbeat.
"""

import time

from django.core.cache import cache

from realtime import hub, streams

# Three heartbeats (realtime.socket_hooks.HOOK_HEARTBEAT_SECONDS): a process that dies
# leaves its users online at most this long.
TTL_SECONDS = 90


def _key(user_id):
    return f"care:online:{user_id}"


def _local_groups():
    """Groups with a local socket, read from other threads than the hubs' loops.

    A read-only snapshot: a hub changing its dictionaries meanwhile makes the copy
    fail, and it is taken again.
    """
    for _attempt in range(5):
        try:
            groups = set()
            for hubs in list(hub._hubs.values()):
                for each in list(hubs.values()):
                    groups.update(group for group, members in list(each.members.items()) if members)
            return groups
        except RuntimeError:  # changed size during iteration
            continue
    return set()


def online(user_ids):
    """The subset of ``user_ids`` with an open socket."""
    ids = list(user_ids)
    if not ids:
        return set()
    groups = _local_groups()
    found = {pk for pk in ids if streams.user_group(pk) in groups}
    rest = [pk for pk in ids if pk not in found]
    if rest:
        now = time.time()
        marked = cache.get_many([_key(pk) for pk in rest])
        found |= {pk for pk in rest if marked.get(_key(pk), 0) > now}
    return found


def mark(user_id):
    """Say that ``user_id`` has a socket open (for TTL_SECONDS; refresh to keep it)."""
    cache.set(_key(user_id), time.time() + TTL_SECONDS, TTL_SECONDS)


def mark_many(user_ids):
    """``mark`` each of ``user_ids`` in one round trip (the sockets' heartbeat)."""
    until = time.time() + TTL_SECONDS
    cache.set_many({_key(pk): until for pk in user_ids}, TTL_SECONDS)


def unmark(user_id):
    """Say that ``user_id`` has no socket open here any more (their last one closed)."""
    cache.delete(_key(user_id))
