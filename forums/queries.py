"""What the forum pages and endpoints read: thread lists by keyset, posts in order."""

import base64
import json
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Q, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from community import permissions as community_permissions
from forums.models import PollVote, Post, ReadState, Subscription, Thread

# Each sort: the fields of its keyset, all descending, ending with the id.
SORTS = {
    "latest": ("pinned", "last_activity_at", "id"),
    "newest": ("pinned", "created_at", "id"),
    "top": ("pinned", "vote_count", "reaction_count", "id"),
    "unanswered": ("created_at", "id"),
}
DATETIME_FIELDS = {"last_activity_at", "created_at"}


def encode_cursor(thread, sort):
    values = []
    for field in SORTS[sort]:
        value = getattr(thread, field)
        values.append(value.isoformat() if field in DATETIME_FIELDS else value)
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor, sort):
    """Return the keyset values a cursor carries, or raise ValidationError."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        fields = SORTS[sort]
        if not isinstance(values, list) or len(values) != len(fields):
            raise ValueError
        decoded = []
        for field, value in zip(fields, values, strict=True):
            if field in DATETIME_FIELDS:
                decoded.append(datetime.fromisoformat(value))
            elif field == "pinned":
                if not isinstance(value, bool):
                    raise ValueError
                decoded.append(value)
            else:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError
                decoded.append(value)
        return decoded
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError({"cursor": _("This cursor is not valid.")}) from None


def _after(fields, values):
    """Rows strictly after ``values`` in descending order of ``fields``."""
    condition = Q()
    for index, field in enumerate(fields):
        step = Q(**{f"{field}__lt": values[index]})
        for previous, value in zip(fields[:index], values[:index], strict=True):
            step &= Q(**{previous: value})
        condition |= step
    return condition


def threads(community, *, sort="latest", kind=None, solved=None, cursor=None, limit=20, user=None):
    """A page of the community's threads; returns (threads, next_cursor or None).

    With a signed-in ``user``, each thread carries ``last_read`` (the number of
    the last post they read, None if never opened), in the same query.

    Keyset pagination: page 500 costs what page 1 costs, and a new post
    while reading moves a thread up without shifting the pages after it.
    """
    fields = SORTS[sort]
    queryset = Thread.objects.filter(community=community).select_related(
        "author__profile", "community"
    )
    if sort == "unanswered":
        queryset = queryset.filter(kind=Thread.Kind.QUESTION, post_count=1)
    if kind:
        queryset = queryset.filter(kind=kind)
    if solved is not None:
        queryset = queryset.filter(accepted_post__isnull=not solved)
    if cursor:
        queryset = queryset.filter(_after(fields, decode_cursor(cursor, sort)))
    if user is not None and user.is_authenticated:
        queryset = queryset.annotate(
            last_read=Subquery(
                ReadState.objects.filter(user=user, thread=OuterRef("pk")).values(
                    "last_read_number"
                )[:1]
            )
        )
    rows = list(queryset.order_by(*(f"-{f}" for f in fields))[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1], sort) if len(rows) > limit else None
    return rows[:limit], next_cursor


def thread_for(user, thread_id):
    """One thread the user may read, or 404/403 as its community decides."""
    thread = (
        Thread.objects.select_related(
            "community", "author__profile", "accepted_post__author", "poll"
        )
        .filter(pk=thread_id)
        .first()
    )
    if thread is None:
        raise Http404(_("No thread found."))
    community_permissions.check_read(user, thread.community)
    return thread


def posts(thread, *, after=None, limit=50):
    """Posts of ``thread`` in order after the post id ``after``; returns (posts, next)."""
    queryset = Post.objects.filter(thread=thread).select_related("author__profile")
    if after:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("number")[: limit + 1])
    for post in rows:
        post.thread = thread
    next_after = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], next_after


def post_for(user, post_id):
    post = (
        Post.objects.select_related("thread__community", "author__profile")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise Http404(_("No post found."))
    community_permissions.check_read(user, post.thread.community)
    return post


def poll_for(user, thread):
    """The thread's poll shaped for ``user`` (two queries), or None for other kinds."""
    from forums.actions import poll_data

    if thread.kind != Thread.Kind.POLL:
        return None
    poll = thread.poll
    options = list(poll.options.all())
    mine = set()
    if user.is_authenticated:
        mine = set(
            PollVote.objects.filter(poll=poll, user=user).values_list("option_id", flat=True)
        )
    return poll_data(poll, options, mine)


def read_state(user, thread):
    """The number of the last post ``user`` read in ``thread`` (0 if never opened)."""
    if not user.is_authenticated:
        return 0
    return (
        ReadState.objects.filter(user=user, thread=thread)
        .values_list("last_read_number", flat=True)
        .first()
        or 0
    )


def unread_thread_count(user):
    """Threads the member opened before and that have posts they have not read since."""
    if not user.is_authenticated:
        return 0
    readable = community_permissions.filter_readable_communities(user)
    return ReadState.objects.filter(
        user=user,
        thread__community__in=readable,
        thread__post_count__gt=F("last_read_number"),
    ).count()


def is_watching(user, thread):
    """Whether ``user`` watches the thread or its community."""
    return Subscription.objects.filter(
        Q(thread=thread) | Q(community_id=thread.community_id), user=user
    ).exists()
