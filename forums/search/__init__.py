"""Forum search: thread titles and post bodies, only where the searcher may read.

How it works and why (visibility before ranking, scores that ignore corpus
statistics, the window of newest matches, both engines, their cost at a million
posts): ``docs/search.md``. Each engine keeps its own full-text index in step
with triggers (``forums.search.sqlite``, ``forums.search.postgres``); this
module asks ``community.permissions`` who may read what and builds the hits.

``search(user, q, *, community=None, kind=None, limit=20, offset=0) -> list[SearchHit]``
    The hits, best first. ``community`` (a slug or a Community) narrows to one
    community; a community the user may not read gives no hits. ``kind`` (a
    ``Thread.Kind`` value) narrows to threads of that kind.
``search_page(...) -> (hits, next_offset or None)``: the same, for pagination.
``parse_query(q) -> list[str]``: the sanitized terms (what is searched).
``install(connection)`` / ``uninstall(connection)``: the index, its triggers,
backfill (called by migration ``forums.0002_search``, idempotent);
``ensure_installed(connection)`` re-creates missing triggers and re-indexes
(a SQLite table rebuild drops them); ``rebuild(connection)`` re-indexes all.
"""

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection as default_connection
from django.db import transaction
from django.utils.safestring import mark_safe

from community import permissions as community_permissions
from community.models import Community
from forums.models import Post, Status, Thread
from forums.search.common import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    WINDOW,
    SearchHit,
    marked_to_html,
    parse_query,
    plain_snippet,
    quoted,
    tidy,
)
from forums.search.postgres import PostgresEngine
from forums.search.sqlite import SQLiteEngine

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "WINDOW",
    "SearchHit",
    "ensure_installed",
    "install",
    "on_post_migrate",
    "parse_query",
    "rebuild",
    "search",
    "search_page",
    "uninstall",
]

logger = logging.getLogger(__name__)

_ENGINES = {"sqlite": SQLiteEngine(), "postgresql": PostgresEngine()}


def _engine_for(connection):
    engine = _ENGINES.get(connection.vendor)
    if engine is None:
        raise NotImplementedError(f"Forum search does not support {connection.vendor}.")
    return engine


# --- Searching ---------------------------------------------------------------


def search(user, q, *, community=None, kind=None, limit=20, offset=0):
    """What ``user`` may read that matches ``q``, best first (see ``docs/search.md``)."""
    return search_page(user, q, community=community, kind=kind, limit=limit, offset=offset)[0]


def search_page(user, q, *, community=None, kind=None, limit=20, offset=0, using=None):
    """``(hits, next_offset)``; ``next_offset`` is None on the last page."""
    terms = parse_query(q)
    if kind is not None and kind not in Thread.Kind.values:
        return [], None
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    if not terms or offset >= 2 * WINDOW:
        return [], None
    connection = _connection(using)
    readable = community_permissions.filter_readable_communities(user, Community.objects.all())
    community_id = None
    if community is not None:
        if isinstance(community, Community):
            community_id = community.pk
        else:
            community_id = Community.objects.filter(slug=str(community)).values("id").first()
            if community_id is None:
                return [], None
            community_id = community_id["id"]
        readable = readable.filter(pk=community_id)
    readable_sql, readable_params = readable.values("id").query.sql_with_params()
    engine = _engine_for(connection)
    match = quoted(terms)
    ranked = engine.rank(
        connection,
        match,
        (readable_sql, tuple(readable_params)),
        limit + 1,
        offset,
        community_id=community_id,
        kind=kind,
    )
    next_offset = offset + limit if len(ranked) > limit else None
    ranked = ranked[:limit]
    if not ranked:
        return [], None
    return _hits(connection, engine, match, ranked, readable), next_offset


def _connection(using):
    if using is None:
        return default_connection
    from django.db import connections

    return connections[using]


def _hits(connection, engine, match, ranked, readable):
    ids = [post_id for post_id, _score in ranked]
    posts = {
        post.pk: post
        for post in Post.objects.using(connection.alias)
        # Checked again on the live rows (PostgreSQL ranks on a copy of community_id).
        .filter(pk__in=ids, thread__community__in=readable)
        # Moderation: held and hidden posts and threads are found by no one (moderators
        # reach them through the queue and the thread page).
        .filter(status=Status.PUBLISHED, thread__status=Status.PUBLISHED)
        .select_related("thread__community", "author__profile")
        .only(
            "id",
            "number",
            "body",
            "created_at",
            "deleted_at",
            "thread__id",
            "thread__title",
            "thread__community__slug",
            "author__username",
            "author__profile__display_name",
        )
    }
    snippets = engine.snippets(connection, match, ids)
    titles = engine.titles(connection, match, sorted({p.thread_id for p in posts.values()}))
    hits = []
    for post_id, score in ranked:
        post = posts.get(post_id)
        if post is None:  # deleted, or moved out of reach, since the ranking query
            continue
        if post.deleted_at is not None:
            snippet = mark_safe("")
        elif post_id in snippets:
            snippet = marked_to_html(tidy(snippets[post_id]))
        else:  # a thread found by its title: the start of its opening post
            snippet = plain_snippet(post.body)
        title = post.thread.title
        author = post.author
        try:
            display_name = author.profile.name if author else None
        except ObjectDoesNotExist:
            display_name = author.username
        hits.append(
            SearchHit(
                post_id=post_id,
                thread_id=post.thread_id,
                thread_title=title,
                title_html=marked_to_html(titles.get(post.thread_id, title)),
                community_slug=post.thread.community.slug,
                number=post.number,
                author=author.username if author else None,
                author_display_name=display_name,
                created_at=post.created_at,
                snippet_html=snippet,
                rank=float(score),
            )
        )
    return hits


# --- Schema management (the migration, repairs) ----------------------------------


def install(connection):
    """Create the index and its triggers and index what is there (idempotent)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        _engine_for(connection).install(cursor)


def uninstall(connection):
    """Drop the index, its triggers and functions (PostgreSQL's ``unaccent`` stays)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        _engine_for(connection).uninstall(cursor)


def rebuild(connection=None):
    """Re-index every thread and post (minutes at a million posts; locks writes meanwhile)."""
    connection = connection or default_connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        _engine_for(connection).rebuild(cursor)


def ensure_installed(connection=None):
    """Re-create missing triggers (a SQLite table rebuild drops them) and re-index.

    Returns True if something had to be repaired. Does nothing before the
    search migration has run.
    """
    connection = connection or default_connection
    engine = _ENGINES.get(connection.vendor)
    if engine is None:
        return False
    with connection.cursor() as cursor:
        if "forums_post" not in connection.introspection.table_names(cursor):
            return False
        tables, missing = engine.installed(cursor)
    if not tables or not missing:
        return False
    logger.warning("Forum search: %s missing, re-installing and re-indexing.", sorted(missing))
    install(connection)
    return True


def on_post_migrate(sender=None, using="default", **kwargs):
    """``post_migrate`` receiver: keep the search triggers in place after any migration."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return
    if ("forums", "0002_search") not in recorder.applied_migrations():
        return
    ensure_installed(connection)
