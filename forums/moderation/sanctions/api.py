"""The sanctions part's API: warnings, moderators' notes, the audit log.

Moderators of the community and staff only; others get the same 404 as for a missing
community when they cannot see it, 403 when they can (``community.permissions``).
"""

from datetime import UTC, datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from community import permissions, queries
from community.apitools import MAX_ID, Slug, Username, error
from community.models import User
from forums.moderation.models import Notice
from forums.moderation.sanctions import actions, audit
from forums.moderation.sanctions.models import ModeratorNote

router = Router(tags=["moderation"])


class TextIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000)


class WarningOut(Schema):
    id: int
    username: str
    text: str
    by: str | None
    created_at: datetime
    read: bool


class NoteOut(Schema):
    id: int
    username: str
    text: str
    author: str | None
    created_at: datetime


class AuditObject(Schema):
    type: str
    id: int | None


class AuditEntry(Schema):
    id: int
    verb: str
    actor: str | None
    target: str | None
    object: AuditObject | None
    reason: str
    before: bool | int | str | dict | list | None
    after: bool | int | str | dict | list | None
    created_at: datetime


class AuditPage(Schema):
    items: list[AuditEntry]
    next: str | None


def _moderated(request, slug):
    community = queries.community_for(request.user, slug)
    permissions.check_moderate(request.user, community)
    return community


def warning_out(notice, username):
    return {
        "id": notice.pk,
        "username": username,
        "text": notice.text,
        "by": notice.actor.username if notice.actor_id else None,
        "created_at": notice.created_at,
        "read": notice.read_at is not None,
    }


def note_out(note, username):
    return {
        "id": note.pk,
        "username": username,
        "text": note.text,
        "author": note.author.username if note.author_id else None,
        "created_at": note.created_at,
    }


@router.post(
    "/communities/{slug}/members/{username}/warnings",
    response={201: WarningOut},
)
def warn(request, slug: Slug, username: Username, payload: TextIn):
    """Warn a member privately (they get a notice; the audit log keeps it)."""
    community = _moderated(request, slug)
    user = get_object_or_404(User, username=username)
    notice = actions.warn(request.user, community, user, text=payload.text)
    return Status(201, warning_out(notice, user.username))


@router.get("/communities/{slug}/members/{username}/warnings", response=list[WarningOut])
def list_warnings(request, slug: Slug, username: Username):
    """The warnings the member was given in this community, newest first."""
    community = _moderated(request, slug)
    user = get_object_or_404(User, username=username)
    rows = (
        Notice.objects.filter(community=community, user=user, kind=Notice.Kind.WARNING)
        .select_related("actor")
        .order_by("-created_at", "-pk")[:200]
    )
    return [warning_out(notice, user.username) for notice in rows]


@router.post("/communities/{slug}/members/{username}/notes", response={201: NoteOut})
def add_note(request, slug: Slug, username: Username, payload: TextIn):
    """Write a private note on a member, for this community's moderators only."""
    community = _moderated(request, slug)
    user = get_object_or_404(User, username=username)
    note = actions.add_note(request.user, community, user, text=payload.text)
    return Status(201, note_out(note, user.username))


@router.get("/communities/{slug}/members/{username}/notes", response=list[NoteOut])
def list_notes(request, slug: Slug, username: Username):
    """This community's moderators' notes on the member, newest first."""
    community = _moderated(request, slug)
    user = get_object_or_404(User, username=username)
    rows = ModeratorNote.objects.filter(community=community, user=user).select_related("author")[
        :200
    ]
    return [note_out(note, user.username) for note in rows]


@router.get("/communities/{slug}/audit", response=AuditPage)
def audit_log(
    request,
    slug: Slug,
    verb: str | None = Query(None, max_length=64),
    actor: str | None = Query(None, max_length=150),
    since: datetime | None = None,
    cursor: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Query(50, ge=1, le=audit.MAX_LIMIT),
):
    """The community's moderation entries (the activity ledger, filtered), newest first.

    ``verb``: one moderation verb; ``actor``: a username; ``since``: a date and time.
    ``next`` is the next (older) page's cursor.
    """
    community = _moderated(request, slug)
    try:
        if since is not None and timezone.is_naive(since):
            since = timezone.make_aware(since)
        if since is not None:
            since.astimezone(UTC)  # the database compares in UTC: 0001-01-01 has none
    except (OverflowError, ValueError):
        message = _("since: enter a later date and time.")
        return error(
            request, 422, message, "invalid", errors=[{"field": "since", "message": message}]
        )
    rows, next_cursor = audit.entries(
        community, verb=verb, actor=actor, since=since, before=cursor, limit=limit
    )
    return {
        "items": [audit.entry_data(entry) for entry in rows],
        "next": str(next_cursor) if next_cursor else None,
    }
