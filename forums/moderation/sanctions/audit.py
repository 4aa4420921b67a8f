"""The audit log: the activity ledger's moderation entries (``Verb.audit``), filtered.

No second log: these read ``community.models.Activity``. Keyset pagination on the entry
id (newest first), the actor and target joined: the same number of queries for 1 or 200
rows. The CSV export neutralises formula cells (OWASP "CSV injection").
"""

import csv
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from community import activity
from community.models import Activity
from community.spreadsheets import neutralise

MAX_LIMIT = 200


def entries(community, *, verb=None, actor=None, since=None, before=None, limit=50):
    """The community's audit entries, newest first, from the cursor ``before`` (an id).

    ``verb``: one audited verb's name; ``actor``: a username; ``since``: a datetime.
    Returns (entries, next_cursor); next_cursor is None on the last page.
    """
    audited = activity.audited()
    if verb:
        if verb not in audited:
            raise ValidationError(
                {"verb": _("“%(verb)s” is not a moderation verb.") % {"verb": verb}}
            )
        verbs = [verb]
    else:
        verbs = audited
    queryset = (
        Activity.objects.filter(community=community, verb__in=verbs)
        .select_related("actor", "target_user")
        .order_by("-pk")
    )
    if actor:
        queryset = queryset.filter(actor__username=actor)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if before:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset[: limit + 1])
    next_cursor = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], next_cursor


def entry_data(entry):
    """One entry as the API, the page and the CSV show it."""
    data = entry.data or {}
    return {
        "id": entry.pk,
        "verb": entry.verb,
        "actor": entry.actor.username if entry.actor_id and entry.actor else None,
        "target": entry.target_user.username
        if entry.target_user_id and entry.target_user
        else None,
        "object": {"type": entry.object_type, "id": entry.object_id} if entry.object_type else None,
        "reason": data.get("reason") or "",
        "before": data.get("before"),
        "after": data.get("after"),
        "created_at": entry.created_at,
    }


CSV_COLUMNS = ("id", "created_at", "verb", "actor", "target", "object", "reason", "before", "after")


def csv_rows(community, **filters):
    """Every matching entry (in pages of MAX_LIMIT), as neutralised CSV lines with a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + _pop(buffer)
    before = None
    while True:
        rows, before = entries(community, before=before, limit=MAX_LIMIT, **filters)
        for entry in rows:
            data = entry_data(entry)
            obj = data["object"]
            data["object"] = f"{obj['type']}:{obj['id']}" if obj else ""
            writer.writerow([neutralise(data[column]) for column in CSV_COLUMNS])
        yield _pop(buffer)
        if before is None:
            return


def _pop(buffer):
    value = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return value
