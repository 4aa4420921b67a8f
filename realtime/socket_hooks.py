"""Registries of the WebSocket consumer for the apps above (realtime imports no domain).

- ``register_write(op, answer, write)``: a client write over the socket (posting,
  reacting) handed to the owning app's action; refusals become error frames.
- ``on_connect`` / ``on_disconnect`` / ``on_heartbeat``: who has a socket open in this
  process, for the apps that care (customer care's "online" experts).
"""

import asyncio
import logging
import weakref
from collections import Counter

from channels.db import database_sync_to_async

logger = logging.getLogger(__name__)

# How often ``on_heartbeat`` hooks hear who has a socket open in this process.
HOOK_HEARTBEAT_SECONDS = 30.0

# op -> (the answer's op, ``write(user, frame)`` returning the answer's data)
client_writes = {}


def register_write(op, answer, write):
    """Let clients send ``{"op": op, ...}``: ``write(user, frame)`` runs in a worker thread
    (it calls an action) and its dict is sent back as ``{"op": answer, "ref", ...}``;
    refusals become error frames (see ``_client_write``). Call from AppConfig.ready()."""
    client_writes[op] = (answer, write)


# --- Socket hooks: who is connected, for the apps that care (realtime imports no domain) ---

connect_hooks = []
disconnect_hooks = []
heartbeat_hooks = []


def on_connect(callback):
    """Call ``callback(user_id)`` when an authenticated socket opens (each one).

    Hooks run in the sync worker thread (``database_sync_to_async``), one after the
    other; one that raises is logged and the socket goes on. Call from AppConfig.ready().
    """
    if callback not in connect_hooks:
        connect_hooks.append(callback)


def on_disconnect(callback):
    """Call ``callback(user_id)`` when the user's last socket in this process closes."""
    if callback not in disconnect_hooks:
        disconnect_hooks.append(callback)


def on_heartbeat(callback):
    """Call ``callback(user_ids)`` every HOOK_HEARTBEAT_SECONDS with the users that have
    a socket open in this process (one call a process, not one a socket)."""
    if callback not in heartbeat_hooks:
        heartbeat_hooks.append(callback)


class _LocalUsers:
    __slots__ = ("counts", "task")

    def __init__(self):
        self.counts = Counter()  # user id -> sockets open on this event loop
        self.task = None  # the heartbeat, while someone is connected


_local = weakref.WeakKeyDictionary()  # event loop -> _LocalUsers


def local_users():
    loop = asyncio.get_running_loop()
    local = _local.get(loop)
    if local is None:
        local = _local[loop] = _LocalUsers()
    return local


async def run_hooks(hooks, argument):
    for hook in list(hooks):
        try:
            await database_sync_to_async(hook)(argument)
        except Exception:
            logger.exception("Socket hook %r failed", hook)


async def heartbeat(local):
    try:
        while local.counts:
            await asyncio.sleep(HOOK_HEARTBEAT_SECONDS)
            if local.counts:
                await run_hooks(heartbeat_hooks, frozenset(local.counts))
    finally:
        local.task = None
