"""What the forum pages and endpoints read: thread lists by keyset, posts in order."""

import base64
import json
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from community import permissions as community_permissions
from community.models import Community, Membership, Profile, User
from community.validators import MAX_DB_INT, parse_int
from forums import permissions as forum_permissions
from forums.models import (
    IdeaVote,
    PollVote,
    Post,
    Reaction,
    ReadState,
    Status,
    Subscription,
    Thread,
)
from forums.payloads import poll_data
from realtime.models import StreamCounter

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
                if parse_int(value, minimum=-MAX_DB_INT) is None:
                    raise ValueError  # not an int, or one no column holds
                decoded.append(value)
        return decoded
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError({"cursor": _("This cursor is not valid.")}) from None


def _after(fields, values):
    """Rows strictly after ``values`` in descending order of ``fields``, as index ranges.

    The textbook predicate, ``f1 < v1 OR (f1 = v1 AND f2 < v2) OR ...``, is right but
    gives the planner no bound: only the community seeks into the index, and page 500
    reads (and throws away) the 12,000 rows of the pages before it. So every step is
    bounded by its leading field, ``f1 <= v1 AND (f1 < v1 OR (f1 = v1 AND ...))``,
    which SQLite and PostgreSQL both read as a range of the sort's index. ``pinned``
    has two values, spelt as equalities the planners seek on: past an unpinned row come
    only unpinned ones; past a pinned one, the pinned ones after it, then all unpinned.
    """
    first, value = fields[0], values[0]
    if len(fields) == 1:
        return Q(**{f"{first}__lt": value})
    rest = _after(fields[1:], values[1:])
    if first == "pinned":
        # ``pinned=False`` compiles to ``NOT pinned``, which SQLite cannot seek on;
        # ``IN (false)`` is the equality ``pinned = 0`` to both databases.
        same = Q(pinned__in=[value]) & rest
        return Q(pinned__in=[False]) | same if value else same
    return Q(**{f"{first}__lte": value}) & (
        Q(**{f"{first}__lt": value}) | (Q(**{first: value}) & rest)
    )


def threads(
    community,
    *,
    sort="latest",
    kind=None,
    solved=None,
    tag=None,
    cursor=None,
    limit=20,
    user=None,
    activity=False,
):
    """A page of the community's threads; returns (threads, next_cursor or None).

    With a signed-in ``user``, each thread carries ``last_read`` (the number of
    the last post they read, None if never opened), in the same query. With
    ``activity``, each also carries ``last_poster`` (see ``with_last_poster``),
    still in the same query.

    Keyset pagination: page 500 costs what page 1 costs, and a new post
    while reading moves a thread up without shifting the pages after it.
    """
    fields = SORTS[sort]
    queryset = (
        Thread.objects.filter(community=community)
        .filter(visible_threads(user, community))
        .select_related("author__profile")
    )
    if sort == "unanswered":
        queryset = queryset.filter(kind=Thread.Kind.QUESTION, post_count=1)
    if kind:
        queryset = queryset.filter(kind=kind)
    if solved is not None:
        queryset = queryset.filter(accepted_post__isnull=not solved)
    if tag is not None:  # a forums.models.Tag of this community (curation's filter)
        queryset = queryset.filter(tags=tag)
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
    if activity:
        queryset = queryset.annotate(**LAST_POSTER_ANNOTATIONS)
    rows = list(queryset.order_by(*(f"-{f}" for f in fields))[: limit + 1])
    for thread in rows:  # the one community: no join, no copy of it per row
        thread.community = community
        if activity:
            with_last_poster(thread)
    next_cursor = encode_cursor(rows[limit - 1], sort) if len(rows) > limit else None
    return rows[:limit], next_cursor


def visible_threads(user, community=None):
    """The threads ``user`` sees in lists (a ``Q``): published ones, and held ones for their
    author and (with ``community``) its moderators. Hidden and merged ones: in no list."""
    visible = Q(status=Status.PUBLISHED)
    if user is None or not user.is_authenticated:
        return visible
    if community is not None and community_permissions.can_moderate(user, community):
        return visible | Q(status=Status.HELD)
    return visible | Q(status=Status.HELD, author=user)


def visible_posts(user, *, moderator):
    """The posts ``user`` sees in a thread (a ``Q``): published and hidden ones (those as a
    placeholder, but for moderators), held ones for their author and moderators.

    A hidden post that is also removed (``deleted_at``) is one refused while held
    (``forums.actions.moderation.reject_held``), never published, or one its author
    removed while hidden: its author (as a removed post) and moderators only.
    """
    if moderator:
        return Q()
    visible = Q(status=Status.PUBLISHED) | Q(status=Status.HIDDEN, deleted_at__isnull=True)
    if user is not None and user.is_authenticated:
        visible |= Q(status__in=[Status.HELD, Status.HIDDEN], author=user)
    return visible


def _post_shown(user, post, *, moderator):
    """``visible_posts`` for one post already loaded (``post_for``)."""
    if moderator or post.status == Status.PUBLISHED:
        return True
    mine = user.is_authenticated and post.author_id is not None and post.author_id == user.pk
    if post.status == Status.HIDDEN:
        return mine or not post.is_deleted
    return mine


def _no_such(kind):
    """The one "not found" of each kind of object, for a missing id and a hidden object alike."""
    return Http404({"thread": _("No thread found."), "post": _("No post found.")}[kind])


def check_found(user, found, community, kind):
    """Raise the 404 of a missing ``kind`` unless ``found`` exists and ``user`` may know it does.

    An object of a community the user may not see answers byte for byte as a missing
    one: asking the community first would say "no community" for a hidden thread and
    "no thread" for a missing one, and so tell them apart (docs/security.md, "Hidden
    answers as missing"). Past this point the community decides as usual (a private
    community's reader who is not a member gets its 403).
    """
    if found is None or not community_permissions.can_see_community(user, community):
        raise _no_such(kind)
    community_permissions.check_read(user, community)


def _id_in_range(object_id):
    # A path's <int:...> takes any length of digits; past a 64-bit column's range no row
    # can match, and SQLite refuses to bind the number at all.
    return 0 < object_id <= MAX_ID


def thread_for(user, thread_id):
    """One thread the user may read: 404 (as missing) if they may not know it, 403 as its
    community decides if they may know it but not read it."""
    thread = None
    if _id_in_range(thread_id):
        thread = (
            Thread.objects.select_related(
                "community", "author__profile", "accepted_post__author", "poll"
            )
            .filter(pk=thread_id)
            .first()
        )
    check_found(user, thread, thread and thread.community, "thread")
    if not forum_permissions.can_see_thread(user, thread):
        raise _no_such("thread")
    return thread


def thread_page(user, thread_id):
    """The thread of a thread page, with what its page says about the reader.

    Answers as ``thread_for`` does (404, or 403 as the community decides), and sets
    on the thread ``last_read`` (number of the last post the reader read, None if
    never opened), ``last_read_post_id`` (that post's id), ``watching`` (the thread
    or its community) and ``voted`` (ideas), and ``stream_last_id``, the last event id
    of the thread's live stream (static/js/realtime.js goes on from there, None if
    it has none yet). A signed-in reader costs one more query, which also brings their
    membership of the community for ``community.permissions``; an anonymous one none.
    """
    if not _id_in_range(thread_id):
        raise _no_such("thread")
    rows = (
        Thread.objects.select_related("community", "accepted_post", "poll")
        # A fixed statement and a parameter (RawSQL: no subquery to build per request).
        .annotate(stream_last_id=RawSQL(STREAM_LAST_ID_SQL, (f"thread:{thread_id}",)))  # noqa: S611
        .filter(pk=thread_id)
    )
    # A slice rather than first(): no ORDER BY to build for a primary key lookup.
    thread = next(iter(rows[:1]), None)
    if thread is None:
        raise _no_such("thread")
    state = (
        _reader_state(user, thread)  # before the check, which needs the membership
        if user.is_authenticated
        else (None, None, False, False)
    )
    check_found(user, thread, thread.community, "thread")
    # Held: its author and moderators; hidden: moderators. A merged thread (hidden too)
    # goes on to its page's redirect for whoever may read its community.
    if not forum_permissions.can_see_thread(user, thread) and thread.merged_into_id is None:
        raise _no_such("thread")
    thread.last_read, thread.last_read_post_id, watching, voted = state
    thread.watching, thread.voted = bool(watching), bool(voted)
    return thread


def merged_target(user, thread):
    """The thread ``thread`` was merged into, if ``user`` may see it (its community and the
    thread itself, as ``thread_for`` asks); None otherwise, or if it was not merged.

    Merges may cross communities: a reader of the source must not be sent to (nor told
    the address of) a thread of a community they may not read.
    """
    if thread.merged_into_id is None:
        return None
    into = Thread.objects.select_related("community").filter(pk=thread.merged_into_id).first()
    if (
        into is None
        or not community_permissions.can_read(user, into.community)
        or not forum_permissions.can_see_thread(user, into)
    ):
        return None
    return into


STREAM_LAST_ID_SQL = f"SELECT last_id FROM {StreamCounter._meta.db_table} WHERE stream = %s"  # noqa: S608


# What a thread page says about its signed-in reader, in one round trip. Raw SQL on
# purpose: it runs on every page a member reads, and building the same as ORM
# subqueries cost about 2 ms of Python per request here, the database's work a few
# hundredths of that (bench/README.md).
READER_STATE_SQL = f"""
    SELECT r.last_read_number, p.id,
        EXISTS (SELECT 1 FROM {Subscription._meta.db_table} WHERE user_id = %s AND thread_id = %s)
            OR EXISTS (SELECT 1 FROM {Subscription._meta.db_table}
                       WHERE user_id = %s AND community_id = %s),
        EXISTS (SELECT 1 FROM {IdeaVote._meta.db_table} WHERE user_id = %s AND thread_id = %s),
        m.id, m.community_id, m.user_id, m.role, m.state, m.silenced_until
    FROM (SELECT 1) AS one
    LEFT JOIN {ReadState._meta.db_table} r ON r.user_id = %s AND r.thread_id = %s
    LEFT JOIN {Post._meta.db_table} p
        ON p.thread_id = r.thread_id AND p.number = r.last_read_number
    LEFT JOIN {Membership._meta.db_table} m ON m.user_id = %s AND m.community_id = %s
"""  # noqa: S608 (table names from the models, values as parameters)
# The membership's columns above, in model order: what permissions need (role, state),
# the other fields deferred, as with .only().
MEMBERSHIP_FIELDS = ("id", "community_id", "user_id", "role", "state", "silenced_until")


def _aware(value):
    """A datetime read by raw SQL as the ORM reads it (SQLite hands back text or naive)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _reader_state(user, thread):
    """(last read number or None, its post's id or None, watching, voted) for ``user``,
    and their membership of the thread's community remembered for ``community.permissions``.
    """
    user_id, thread_id, community_id = user.pk, thread.pk, thread.community_id
    params = (user_id, thread_id, user_id, community_id, user_id, thread_id)
    with connection.cursor() as cursor:
        cursor.execute(READER_STATE_SQL, (*params, user_id, thread_id, user_id, community_id))
        row = cursor.fetchone()
    membership = None
    if row[4] is not None:
        values = (*row[4:9], _aware(row[9]))
        membership = Membership.from_db(connection.alias, MEMBERSHIP_FIELDS, values)
        membership.community, membership.user = thread.community, user
    community_permissions.remember_membership(thread.community, user, membership)
    return row[:4]


class Row(dict):
    """A dict whose keys also read as attributes (``row.number`` as ``row["number"]``).

    Templates look keys up in a dict before trying attributes, so rows stay on their
    fast path, and Python code reads them as it reads model instances.
    """

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


# The role of a post's author in the community of the thread, while their membership
# is active (a member has one membership per community, found through an index).
# Raw SQL for the same reason as READER_STATE_SQL: the same as an ORM Subquery or
# FilteredRelation cost 0.4 to 0.5 ms of Python on every thread page, this 0.1 ms.
AUTHOR_ROLE_SQL = f"""
    SELECT role FROM {Membership._meta.db_table}
    WHERE user_id = {Post._meta.db_table}.author_id AND community_id = %s AND state = %s
"""  # noqa: S608 (table names from the models, values as parameters)


# The reader's own reactions to a post as one number, a bit per kind in the order of
# Reaction.Kind (forums.thread_page reads it): portable SQL, in the posts' query.
_REACTION_BITS = " ".join(
    f"WHEN '{value}' THEN {1 << bit}" for bit, value in enumerate(Reaction.Kind.values)
)
MY_REACTIONS_SQL = f"""
    SELECT SUM(CASE kind {_REACTION_BITS} ELSE 0 END)
    FROM {Reaction._meta.db_table}
    WHERE post_id = {Post._meta.db_table}.id AND user_id = %s
"""  # noqa: S608 (table names and kinds from the models, the user as a parameter)


# The largest value a 64-bit signed column holds: a cursor past it names no post (and
# SQLite refuses to bind it).
MAX_ID = 2**63 - 1


def _after_post(queryset, thread, after):
    """``queryset`` (posts of ``thread``) narrowed to the posts after the post id ``after``.

    The cursor stays a post id (the public contract of ``?after=``), but the page is
    keyed on the post's number: ``id > after ORDER BY number`` let the database neither
    seek nor stop early, so page 2 of a 1,000,000-post thread sorted the whole rest of
    it (1 s). The id becomes its number in a scalar subquery of the same statement (a
    primary-key lookup, evaluated once), and the page is a range of the unique
    (thread, number) index, read in order up to the limit: any page costs what page 1
    costs. An id that is not a post of this thread names no position: no posts.
    """
    if not after:
        return queryset
    if not 0 < after <= MAX_ID:
        return queryset.none()
    number = Post.objects.filter(pk=after, thread=thread).order_by().values("number")
    return queryset.filter(number__gt=Subquery(number))


def post_rows(thread, *, after=None, limit=50, reader=None, moderator=False):
    """What a thread page shows of its posts, as plain rows; returns (rows, next).

    Like ``posts``, but ``Row`` dicts rather than model instances (a page of 50 posts
    with their authors and profiles would build 150 of them), with the author as
    ``author_username``, ``author_display_name``, ``author_avatar`` (a file name) and
    ``author_role`` (their role in the thread's community, None unless they are an
    active member), and for a signed-in ``reader`` ``my_reactions`` (see
    ``MY_REACTIONS_SQL``), all in the one query.
    """
    queryset = _after_post(
        Post.objects.filter(visible_posts(reader, moderator=moderator), thread=thread),
        thread,
        after,
    )
    fields = (
        "id",
        "number",
        "author_id",
        "html",
        "created_at",
        "edited_at",
        "deleted_at",
        "status",
        "status_reason",
    )
    role = RawSQL(AUTHOR_ROLE_SQL, (thread.community_id, Membership.State.ACTIVE))  # noqa: S611
    extra = {}
    if reader is not None and reader.is_authenticated:
        extra["my_reactions"] = RawSQL(MY_REACTIONS_SQL, (reader.pk,))  # noqa: S611
    values = queryset.order_by("number").values(
        *fields,
        "reaction_counts",
        author_username=F("author__username"),
        author_display_name=F("author__profile__display_name"),
        author_avatar=F("author__profile__avatar"),
        author_role=role,
        **extra,
    )
    rows = [Row(row) for row in values[: limit + 1]]
    next_after = rows[limit - 1]["id"] if len(rows) > limit else None
    return rows[:limit], next_after


def posts(thread, *, after=None, limit=50, reader=None, moderator=False):
    """Posts of ``thread`` in order after the post id ``after``; returns (posts, next).

    Held posts only for their author (``reader``) and moderators (see ``visible_posts``).
    """
    queryset = Post.objects.filter(
        visible_posts(reader, moderator=moderator), thread=thread
    ).select_related("author__profile")
    queryset = _after_post(queryset, thread, after)
    rows = list(queryset.order_by("number")[: limit + 1])
    for post in rows:
        post.thread = thread
    next_after = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], next_after


def post_for(user, post_id):
    """One post the user may read, answering as ``thread_for`` does (404 as missing, or 403)."""
    post = None
    if _id_in_range(post_id):
        post = (
            Post.objects.select_related("thread__community", "author__profile")
            .filter(pk=post_id)
            .first()
        )
    check_found(user, post, post and post.thread.community, "post")
    moderator = forum_permissions.can_moderate_thread(user, post.thread)
    if not forum_permissions.can_see_thread(user, post.thread) or (
        forum_permissions.post_visibility(user, post.status, post.author_id, moderator=moderator)
        is None
        or not _post_shown(user, post, moderator=moderator)
    ):
        raise _no_such("post")
    return post


def poll_for(user, thread):
    """The thread's poll shaped for ``user`` (two queries), or None for other kinds."""
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
        thread__status=Status.PUBLISHED,
        thread__post_count__gt=F("last_read_number"),
    ).count()


# --- Activity cues on lists (the directory, a community's threads) ---------------------

# The author of a thread's latest post, as three columns of the list's own query: a
# correlated lookup per row through the (thread, number) unique index, rather than
# a query per row or a column on Thread that every write would have to keep.
_LATEST_POST = Post.objects.filter(
    thread=OuterRef("pk"), deleted_at__isnull=True, status=Status.PUBLISHED
).order_by("-number")
LAST_POSTER_ANNOTATIONS = {
    "last_poster_username": Subquery(_LATEST_POST.values("author__username")[:1]),
    "last_poster_display_name": Subquery(_LATEST_POST.values("author__profile__display_name")[:1]),
    "last_poster_avatar": Subquery(_LATEST_POST.values("author__profile__avatar")[:1]),
}


def with_last_poster(thread):
    """Set ``thread.last_poster``, an unsaved Profile (``name``, ``avatar``, ``user.username``)
    of the author of its latest post, from ``LAST_POSTER_ANNOTATIONS``; None if they left."""
    username = thread.__dict__.pop("last_poster_username", None)
    display_name = thread.__dict__.pop("last_poster_display_name", None) or ""
    avatar = thread.__dict__.pop("last_poster_avatar", None) or ""
    thread.last_poster = (
        Profile(user=User(username=username), display_name=display_name, avatar=avatar)
        if username
        else None
    )
    return thread


def post_revisions(post):
    """A post's earlier versions, newest first as the model orders them, with their editors."""
    return post.revisions.select_related("editor__profile")


def readable_community_names(user):
    """The communities ``user`` may read, by name (slug and name only): a search filter's menu."""
    return list(
        community_permissions.filter_readable_communities(user, Community.objects.all())
        .order_by("name", "pk")
        .only("slug", "name")
    )


def moderated_communities(user, *, exclude=None):
    """The communities ``user`` moderates (staff: all), by name: where a thread may move."""
    queryset = Community.objects.order_by("name", "pk").only("slug", "name")
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    if community_permissions.is_staff(user):
        return list(queryset[:500])
    return list(
        queryset.filter(
            memberships__user=user,
            memberships__state=Membership.State.ACTIVE,
            memberships__role__in=[Membership.Role.MODERATOR, Membership.Role.MANAGER],
        )[:500]
    )
