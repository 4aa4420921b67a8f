"""Publishing events to WebSocket subscribers: stored with the change, sent after commit.

``send_event_on_commit`` is the one to use. Called inside an action's
transaction, it gives the event the stream's next id and writes it to the
outbox (``realtime.models.Event``) in that same transaction, then sends it to
live sockets once (if) the transaction commits. A rolled-back write leaves
neither the event nor its id behind.

Ids within a stream follow commit order and have no gaps: the stream's
counter row is incremented by an upsert that keeps it locked until commit, so
a second writer to the same stream waits for the first to finish. Actions
lock their domain rows (the thread) before publishing, which is what keeps
two writers from taking two stream counters in opposite orders.

``rewrite_stored`` keeps replays to what pages show now: the action that edits
or removes something rewrites, in its transaction, the stored payloads of the
earlier events about it (never deleting a row, so ids keep no gaps).

``send_ephemeral`` is for typing and presence: no id, not stored, lost if
nobody listens. ``send_event_rollback_unsafe`` announces its danger in its name
(as Zulip does): it sends at once and stores nothing; tests use it.

If the channel layer is down the write has already succeeded: the failure is
logged and clients catch up from the outbox when they resubscribe with ``since``.
"""

import json
import logging
from datetime import timedelta
from typing import NamedTuple

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from realtime import events
from realtime.models import Event, StreamCounter
from realtime.streams import audience_group, group_for, public_name, user_group

logger = logging.getLogger(__name__)


def dumps(payload):
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def stream_message(address, event, event_id, data):
    """The channel layer message for one event: the client's frame serialised once.

    Every subscriber of ``address`` receives the same text, so fan-out to a
    thousand sockets costs one ``json.dumps``, not a thousand.
    """
    frame = {"stream": public_name(address), "event": event, "id": event_id, "data": data}
    return {
        "type": "stream.event",
        "group": group_for(address),
        "stream": address,
        "id": event_id,
        "text": dumps(frame),
    }


def _group_send(message):
    """Send ``message`` to the group it names (the hubs route by that name: realtime/hub.py)."""
    group = message["group"]
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # Never let a broken layer undo or fail a committed write.
        logger.exception("Could not publish %s to %s", message.get("type"), group)


def _next_id(address):
    """The stream's next event id; the counter row stays locked until commit."""
    table = StreamCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (stream, last_id) VALUES (%s, 1) "  # noqa: S608 (model's table)
            f"ON CONFLICT (stream) DO UPDATE SET last_id = {table}.last_id + 1 "
            "RETURNING last_id",
            [address],
        )
        return cursor.fetchone()[0]


def send_event_on_commit(address, event, data, *, subject=None):
    """Store ``event`` for the stream at ``address`` now; send it once the transaction commits.

    ``subject`` names what the event is about (``post:12``) when its payload
    quotes content that may later be edited or removed: see ``rewrite_stored``.
    Returns the event's id within its stream.
    """
    events.check(address, event, data)
    with transaction.atomic():
        event_id = _next_id(address)
        Event.objects.create(
            stream=address,
            seq=event_id,
            event=event,
            data=data,
            created_at=timezone.now(),
            subject=subject,
        )
        message = stream_message(address, event, event_id, data)
        transaction.on_commit(lambda: _group_send(message))
    return event_id


def rewrite_stored(address, subject, rewrite):
    """Rewrite the stored payloads of the events about ``subject`` on ``address``.

    ``rewrite(event, data)`` returns the payload the event must carry from now on.
    Call it inside the transaction that changes the subject, after publishing that
    change's own event (so the stream's counter is taken first, as every writer
    takes it): a replay then reads either the old payloads and not the change, or
    the new ones and the change, and a rollback rewrites nothing. Rows are
    rewritten, never deleted, so the stream's ids stay gap-free and a replay
    still delivers every id once, in order. Live sockets are not told again: the
    change's own event brings them up to date. Returns how many rows changed.
    """
    with transaction.atomic():
        stored = list(
            Event.objects.select_for_update()
            .filter(subject=subject, stream=address)
            # Rows locked in one order by every rewrite; by pk, not seq, so that
            # the planner reads the subject's index and not the whole stream's.
            .order_by("pk")
            .only("pk", "event", "data")
        )
        changed = []
        for row in stored:
            data = rewrite(row.event, row.data)
            if data != row.data:
                events.check(address, row.event, data)
                row.data = data
                changed.append(row)
        Event.objects.bulk_update(changed, ["data"])
    return len(changed)


def send_event_rollback_unsafe(address, event, data):
    """Send at once, unnumbered and unstored (tests and diagnostics)."""
    events.check(address, event, data)
    _group_send(stream_message(address, event, None, data))


async def send_ephemeral(layer, address, event, data):
    """Send an ephemeral event (typing, presence) from async code; failures are logged."""
    events.check(address, event, data, stored=False)
    try:
        message = stream_message(address, event, None, data)
        await layer.group_send(message["group"], message)
    except Exception:
        logger.exception("Could not send %s to %s", event, address)


def _control(kind, group, **extra):
    return {"type": kind, "group": group, **extra}


def access_changed_on_commit(user_id):
    """Tell every open socket of the user to re-check its subscriptions after commit."""
    transaction.on_commit(lambda: _group_send(_control("access.changed", user_group(user_id))))


def recheck_community_on_commit(slug):
    """Make every socket on any stream of a community re-check its subscriptions after commit.

    For changes that alter who may read a community for everyone at once (it
    turned private): its thread list, its threads and its moderation stream,
    whoever the subscribers are, anonymous ones too.
    """
    transaction.on_commit(lambda: _group_send(_control("access.changed", audience_group(slug))))


def close_user_sockets(user_id, *, session_key_hash=None):
    """Close the user's sockets now (logout); only those of one session if given."""
    _group_send(_control("session.closed", user_group(user_id), session=session_key_hash))


# --- Reading the outbox back ------------------------------------------------------


class TooFarBehind(Exception):
    """The client missed more than the outbox can replay: it must reload."""


class Stored(NamedTuple):
    """One event read back from the outbox."""

    seq: int
    event: str
    data: object

    def frame(self, name):
        """The frame a client subscribed to the public stream ``name`` receives."""
        return {"stream": name, "event": self.event, "id": self.seq, "data": self.data}


# Both are read on every subscription and every page that shows a live stream, so
# they are written in SQL (the tables are this app's own): through the ORM, building
# each statement cost ten times what running it did (bench/README.md, "Reconnecting").
_LAST_ID = "SELECT last_id FROM {counter} WHERE stream = %s"
# The counter and the events after ``since`` in one statement, hence one snapshot:
# every id up to the counter is committed, so the rows hold them all unless they
# were pruned, and no row past it is seen.
_REPLAY = (
    "SELECT 0, last_id, NULL, NULL FROM {counter} WHERE stream = %s "
    "UNION ALL SELECT 1, seq, event, data FROM ("
    "SELECT seq, event, data FROM {event} WHERE stream = %s AND seq > %s ORDER BY seq LIMIT %s"
    ") AS newer"
)


def _sql(template):
    quote = connection.ops.quote_name
    return template.format(
        counter=quote(StreamCounter._meta.db_table), event=quote(Event._meta.db_table)
    )


def last_id(address):
    """The id of the stream's last event, 0 if it has none."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(_LAST_ID), [address])
        row = cursor.fetchone()
    return row[0] if row else 0


def replay(address, since):
    """The stored events of ``address`` after id ``since``, in order, and the stream's last id.

    Raises TooFarBehind when some of them were pruned, when there are more
    than ``REALTIME_REPLAY_MAX``, or when ``since`` is ahead of the stream (the
    client saw ids from another database): a page reload is the only honest
    answer in each case.
    """
    limit = settings.REALTIME_REPLAY_MAX
    with connection.cursor() as cursor:
        cursor.execute(_sql(_REPLAY), [address, address, since, limit + 1])
        found = cursor.fetchall()
    current = next((value for kind, value, _event, _data in found if kind == 0), 0)
    decode = Event._meta.get_field("data").from_db_value
    rows = sorted(
        (
            Stored(seq, event, decode(data, None, connection))
            for kind, seq, event, data in found
            if kind == 1
        ),
        key=lambda row: row.seq,  # a union promises no order
    )
    if since > current:
        raise TooFarBehind
    if len(rows) > limit or (since < current and (not rows or rows[0].seq != since + 1)):
        raise TooFarBehind
    return rows, max(current, rows[-1].seq if rows else 0)


def prune(*, now=None):
    """Delete stored events older than the retention window; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.REALTIME_RETENTION_DAYS)
    deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
    return deleted
