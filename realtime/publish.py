"""Publishing events to WebSocket subscribers, only after commit.

``send_event_on_commit`` is the one to use: actions call it inside their
transaction and the event leaves when (if) the transaction commits. The
other one, ``send_event_rollback_unsafe``, announces its danger in its name
(as Zulip does): it sends at once, even if the caller's transaction later
rolls back.

If the channel layer is down the write has already succeeded: the failure is
logged and clients catch up when they reconnect.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from realtime import events
from realtime.streams import group_for, user_group

logger = logging.getLogger(__name__)


def _group_send(group, message):
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # Never let a broken layer undo or fail a committed write.
        logger.exception("Could not publish %s to %s", message.get("event"), group)


def send_event_rollback_unsafe(address, event, data, *, event_id=None):
    events.check(address, event, data)
    _group_send(
        group_for(address),
        {"type": "stream.event", "stream": address, "event": event, "id": event_id, "data": data},
    )


def send_event_on_commit(address, event, data, *, event_id=None):
    """Publish ``event`` on the stream at ``address`` once the current transaction commits."""
    events.check(address, event, data)
    transaction.on_commit(
        lambda: send_event_rollback_unsafe(address, event, data, event_id=event_id)
    )


def access_changed_on_commit(user_id):
    """Tell every open socket of the user to re-check its subscriptions after commit."""
    transaction.on_commit(lambda: _group_send(user_group(user_id), {"type": "access.changed"}))


def recheck_stream_on_commit(address):
    """Make every socket subscribed to ``address`` re-check its subscriptions after commit.

    For changes that alter who may read a stream for everyone at once (a
    community turning private), whoever the subscribers are, anonymous ones too.
    """
    transaction.on_commit(lambda: _group_send(group_for(address), {"type": "access.changed"}))


def close_user_sockets(user_id, *, session_key_hash=None):
    """Close the user's sockets now (logout); only those of one session if given."""
    message = {"type": "session.closed", "session": session_key_hash}
    _group_send(user_group(user_id), message)
