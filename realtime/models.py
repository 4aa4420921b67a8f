"""The outbox: every state-changing event, numbered per stream, written with its change.

An action that changes state calls ``realtime.publish.send_event_on_commit``
inside its transaction. That allocates the stream's next id from
``StreamCounter`` (the row stays locked until commit, so ids within a stream
follow commit order and have no gaps) and writes an ``Event`` row in the same
transaction; the broadcast to live sockets leaves after commit. A client that
missed events (network cut, server restart, channel layer down) subscribes
with ``since`` and the consumer replays them from this table.

Typing and presence are ephemeral and never stored here.

Stored events are history, but a replay must show only what the page would
show now: an event about one object carries its ``subject`` (``post:12``), so
that the action that edits or removes the object rewrites the payloads of the
object's earlier events in its own transaction (``publish.rewrite_stored``).
Rows are rewritten, never deleted, so ids stay gap-free.
"""

from django.db import models


class StreamCounter(models.Model):
    """The last event id given out on one stream (its address: ``thread:42``, ``me:7``)."""

    stream = models.CharField(max_length=100, primary_key=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.stream} @ {self.last_id}"


class Event(models.Model):
    stream = models.CharField(max_length=100)
    seq = models.BigIntegerField()  # the id clients see: 1, 2, 3... within the stream
    event = models.CharField(max_length=60)
    data = models.JSONField()
    created_at = models.DateTimeField(db_index=True)
    # What the event is about (``post:12``), for events whose payload quotes content
    # that may later change or go. Null, not "", for the others: they then stay out of
    # the partial index below, which SQLite uses for ``subject = ?`` only when its
    # condition is ``IS NOT NULL``. The replay never reads it.
    subject = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="unique_event_seq"),
        ]
        indexes = [
            # Partial: events about nothing in particular cost no index entry.
            models.Index(
                fields=["subject"],
                condition=models.Q(subject__isnull=False),
                name="event_subject",
            ),
        ]

    def __str__(self):
        return f"{self.stream}#{self.seq} {self.event}"
