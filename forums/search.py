"""Forum search: thread titles and post bodies, only where the searcher may read.

Why not Wagtail's search index: it refreshes title norms over the whole index
on every save (about a second per post at a million entries on PostgreSQL)
and has no snippets; see ``/work/shared/research/wagtail8.md`` section 1.
Here each engine's own full-text search is kept in step by the database
itself, and one function, ``search()``, asks ``community.permissions`` who
may read what.

Public API
----------

``search(user, q, *, community=None, kind=None, limit=20, offset=0) -> list[SearchHit]``
    The hits, best first. ``community`` (a slug or a Community) narrows to one
    community; a community the user may not read gives no hits. ``kind`` (a
    ``Thread.Kind`` value) narrows to threads of that kind.
``search_page(...) -> (hits, next_offset or None)``: the same, for pagination.
``parse_query(q) -> list[str]``: the sanitized terms (what is searched).
``install(connection)`` / ``uninstall(connection)``: the index, its triggers,
backfill (called by migration ``forums.0002_search``, idempotent);
``ensure_installed(connection)`` re-creates missing triggers and rebuilds
(see "SQLite table rebuilds" below); ``rebuild(connection)`` re-indexes all.

What is searched
----------------

- A post matches when its body (the Markdown source) contains every term; a
  thread matches when its title does. A thread hit is shown as its opening
  post (number 1). Deleted posts (``deleted_at`` set) are out of the index.
- The query is plain words, never syntax: it is NFKC-normalised, cut to
  ``MAX_QUERY_CHARS`` characters, split on white space into at most
  ``MAX_TERMS`` terms; quotes and control characters are dropped and a term
  with no letter or digit is ignored. Each term is then quoted, so that the
  engine tokenizes it exactly as it tokenized the documents: ``l'atelier``
  and ``vélo-cargo`` become phrases, ``NEAR``, ``OR``, ``-x``, ``a:b``, ``*``
  and parentheses are ordinary text. Nothing a user types can raise.
- Accents and case are folded on both engines (``vélo`` finds ``Velo``).

Visibility before ranking
-------------------------

The candidate rows are restricted, in the same SQL statement as the match,
to threads whose community is in ``filter_readable_communities(user)`` (a
subquery). Only then are candidates windowed, scored and paged; snippets are
made for the returned page only. So a community the searcher cannot read is
never ranked, counted or snippeted, and a query matching only hidden content
returns exactly what a query matching nothing returns.

Scores use only the document itself, never corpus statistics: FTS5's
``bm25()`` weighs terms by how many documents in the *whole* table contain
them (and by the average length of all of them), so the order of two visible
posts could reveal whether a word occurs in a hidden community. We count the
matched terms instead (``highlight()`` marks on SQLite, ``ts_rank`` on
PostgreSQL, which also reads one document only). A title match weighs ten
times a body match (PostgreSQL weight A against D).

Window: scoring every match of a common word ("vélo" is in nearly a quarter
of the posts) costs hundreds of milliseconds at a million posts, so each
query scores the ``WINDOW`` newest readable matching posts and the
``WINDOW`` newest readable matching threads (a rarer word: all its
matches), ranks those, ties broken by recency, and pages through them
(``search_page`` stops at the window's end). Recent posts first among the
many matches of a common word is also what forum readers expect.

PostgreSQL bounds the work of finding those newest matches, whatever its
planner estimates (see ``PostgresEngine._newest``): it looks at the newest
``RECENT_ROWS`` posts (and threads) first, and further back only when they
hold fewer than ``ENOUGH`` readable matches. So where the newest 50,000
posts hold between ``ENOUGH`` and ``WINDOW`` readable matches, only those
are ranked and older matches are not found, even on later pages: a deliberate
trade (two common words together fetched thousands of older matches from
the table to keep a few dozen; a hundred recent matches rank as good a page),
which SQLite, whose index walks newest first at no such cost, does not make.
The ranking query runs with PostgreSQL's JIT compiler off, whose 50 ms of
compiling a large estimate could trigger for a 5 ms query.

What stays slower: a common word searched in one small community, or by
someone who may read only a small part of a big site, has to go through many
matches to find its few readable ones (``bench/search.py`` prints these "hard
cases" apart).

Engines
-------

SQLite (the embedded default): two external-content FTS5 tables,
``forums_post_fts(body)`` on ``forums_post`` and ``forums_thread_fts(title)``
on ``forums_thread``, tokenizer ``unicode61 remove_diacritics 2``. They store
only the index (the text stays in the content tables, where ``snippet()``
reads it), and no per-document sizes (``columnsize=0``: only ``bm25()``
reads them). AFTER INSERT / UPDATE OF body, deleted_at / DELETE triggers on
``forums_post`` (and on ``forums_thread`` for titles) keep them in step inside
the writing transaction: a post is searchable as soon as it commits. Each
trigger refers only to its own table and its FTS table, never to the other
content table (see below). Snippets: ``snippet()`` with control-character
markers that Python escapes and turns into ``<mark>``.

PostgreSQL: two side tables, ``forums_post_search(post_id, thread_id,
community_id, vector)`` (posts not deleted) and ``forums_thread_search(
thread_id, community_id, vector)`` (titles, weight A), each with a GIN index
(``fastupdate = off``: no pending-list flush making one write in thousands
slow), kept by AFTER INSERT / UPDATE OF ... / DELETE / TRUNCATE triggers on
``forums_post`` and ``forums_thread`` (a thread moved to another community
carries its posts' ``community_id`` along). Why not a column on
``forums_post``: the newest-matches scan then reads wide rows (body, html)
and the backfill rewrites every post (bloat, and an exclusive lock on the
table); the narrow side table halved the p99 at a million posts, and
Django's own tables get no column it does not know. ``community_id`` is a
copy, so the rows shown are checked again against the live tables. A
``(community_id, key)`` index serves searches in one community, and word
statistics are kept finer (``SET STATISTICS 1000``) so that rare words are
estimated as rare. Text
search configuration ``forums_search``: ``simple`` (no stemming, no stop
words: the forums mix French and English) behind the ``unaccent``
dictionary, so the migration creates the ``unaccent`` extension (trusted
since PostgreSQL 13: the database owner may create it; otherwise the
migration stops and says so). Queries use ``websearch_to_tsquery`` on the
quoted terms, ``ts_rank``, and ``ts_headline`` on the page only (it leaves
out anything that looks like an HTML tag; what remains is escaped as on
SQLite).

SQLite table rebuilds: Django alters a SQLite table by copying it to a new
one and dropping the old, which drops that table's triggers silently (and
would fail outright if a trigger on another table referred to it, hence the
rule above). The FTS index itself stays valid (same ids, same text), but
later writes would not be indexed. ``ensure_installed()`` (cheap when all is
in place) re-creates what is missing and rebuilds the index; connect
``on_post_migrate`` to ``post_migrate`` in ``ForumsConfig.ready()`` so that
it runs after every ``migrate``. The search tests fail too if a later
migration leaves the triggers missing.

Cost (``bench/search.py`` measures it at a million posts): indexing runs in
the post's own INSERT, well under the 2 ms budget, so there is no background
job and no delay before a post is findable. The migration indexes what is
already there (about 20 s on SQLite and a minute on PostgreSQL per million
posts; writes to posts wait meanwhile, reads go on).

OpenSearch, for very large sites
--------------------------------

Past tens of millions of posts, or for fuzzy matching, language analysers and
facets, move the index out of the database, keeping this module's contract:

1. Index documents ``{post_id, thread_id, community_id, number, title, body,
   created_at, deleted}`` from a ``transaction.on_commit`` hook in the forum
   actions (a django-tasks job, retried; a full re-index command pages
   through posts by id). A thread moved to another community re-indexes its
   posts; visibility needs no re-indexing (it is asked at query time); a
   nightly reconciliation by id catches what was lost.
2. Query with a ``bool`` whose ``filter`` clause is ``terms: {community_id:
   [ids of filter_readable_communities(user)]}`` (``filter`` runs before
   scoring; keep ``track_total_hits`` off so no count is exposed), a
   ``simple_query_string`` (or ``multi_match`` with ``operator: and``) on
   the sanitized terms, an ``asciifolding`` + ``lowercase`` analyser, and
   ``highlight`` with ``pre_tags``/``post_tags`` set to the markers used here
   so ``_marked_to_html`` stays the only HTML-producing code.
3. BM25 statistics are per shard and index-wide: to keep hidden communities
   from influencing scores, give private and hidden communities their own
   index (or route them to their own shards), or rank with a function score
   that ignores IDF.
4. Choose the backend in ``search()`` by a setting; the PostgreSQL side
   tables can stay as the fallback while the OpenSearch index is rebuilt.
"""

import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection as default_connection
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe

from community import permissions as community_permissions
from community.models import Community
from forums.models import Post, Thread

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MAX_TERMS = 20
MAX_LIMIT = 100
WINDOW = 300
# PostgreSQL: older posts are searched only when the newer ones matched fewer times.
ENOUGH = 100
# PostgreSQL: the newest rows searched first, then the rest (see PostgresEngine._newest).
RECENT_ROWS = (50_000,)
TITLE_WEIGHT, BODY_WEIGHT = 1.0, 0.1
SNIPPET_TOKENS = 24
PLAIN_SNIPPET_CHARS = 200
MARK_OPEN, MARK_CLOSE = "\x01", "\x02"

TOKENIZER = "unicode61 remove_diacritics 2"
PG_CONFIG = "forums_search"

_QUOTES = re.compile(r"[\"\u201c\u201d\u201e\u00ab\u00bb]")
_HAS_WORD = re.compile(r"[^\W_]")
_MARKERS = re.compile(f"([{MARK_OPEN}{MARK_CLOSE}])")
_MARKDOWN_NOISE = re.compile(r"\*{2,}|_{2,}|~~|`+")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\s]*\)?")  # the closing ")" may be cut off
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    thread_id: int
    thread_title: str
    title_html: SafeString  # the title, escaped, matched words in <mark>
    community_slug: str
    number: int
    author: str | None  # username; None once the account is gone
    author_display_name: str | None
    created_at: datetime
    snippet_html: SafeString  # safe HTML: escaped text, matched words in <mark>
    rank: float


# --- The query ---------------------------------------------------------------


def parse_query(q):
    """The terms to search for: plain text, each safe to quote for either engine."""
    if not isinstance(q, str):
        return []
    q = unicodedata.normalize("NFKC", q[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS]
    q = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in q)  # controls, NUL
    q = _QUOTES.sub(" ", q)
    terms = []
    for chunk in q.split():
        if _HAS_WORD.search(chunk) and chunk not in terms:
            terms.append(chunk)
        if len(terms) == MAX_TERMS:
            break
    return terms


def _quoted(terms):
    """``"a" "b"``: each term a phrase, all of them required (FTS5 and websearch alike)."""
    return " ".join(f'"{term}"' for term in terms)


# --- Snippets ----------------------------------------------------------------


def _marked_to_html(text):
    """Escape ``text`` and turn the engine's markers into <mark>; never trust the text."""
    out, open_ = [], False
    for part in _MARKERS.split(text or ""):
        if part == MARK_OPEN:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif part == MARK_CLOSE:
            if open_:
                out.append("</mark>")
                open_ = False
        elif part:
            out.append(html.escape(part, quote=True))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out).replace("<mark></mark>", ""))  # noqa: S308 (escaped above)


def _tidy(text):
    """Markdown source made readable in one line: links to their text, no emphasis marks."""
    text = _LINK.sub(r"\1", text or "")
    text = _MARKDOWN_NOISE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _plain_snippet(body):
    text = _tidy(body.replace(MARK_OPEN, "").replace(MARK_CLOSE, ""))
    if len(text) > PLAIN_SNIPPET_CHARS:
        text = text[:PLAIN_SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
    return _marked_to_html(text)


# --- Searching ---------------------------------------------------------------


def search(user, q, *, community=None, kind=None, limit=20, offset=0):
    """What ``user`` may read that matches ``q``, best first (see the module docstring)."""
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
    engine = _ENGINES.get(connection.vendor)
    if engine is None:
        raise NotImplementedError(f"Forum search does not support {connection.vendor}.")
    match = _quoted(terms)
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
            snippet = _marked_to_html(_tidy(snippets[post_id]))
        else:  # a thread found by its title: the start of its opening post
            snippet = _plain_snippet(post.body)
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
                title_html=_marked_to_html(titles.get(post.thread_id, title)),
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


def _in_list(values):
    return ", ".join(["%s"] * len(values))


class SQLiteEngine:
    """FTS5: external-content tables kept by triggers (see the module docstring)."""

    # Body score: matched term occurrences, saturating, mildly shortened by length
    # (fixed constants: nothing from other documents). Title: occurrences, saturating.
    RANK_SQL = f"""
        WITH post_hits AS MATERIALIZED (
            SELECT forums_post_fts.rowid AS post_id,
                   highlight(forums_post_fts, 0, char(1), '') AS h
            FROM forums_post_fts
            JOIN forums_post AS p ON p.id = forums_post_fts.rowid
            JOIN forums_thread AS t ON t.id = p.thread_id
            WHERE forums_post_fts MATCH %s AND p.deleted_at IS NULL
              AND t.community_id IN ({{readable}}){{kind}}
            ORDER BY forums_post_fts.rowid DESC LIMIT {WINDOW}
        ),
        title_hits AS MATERIALIZED (
            SELECT p.id AS post_id, highlight(forums_thread_fts, 0, char(1), '') AS h
            FROM forums_thread_fts
            JOIN forums_thread AS t ON t.id = forums_thread_fts.rowid
            JOIN forums_post AS p ON p.thread_id = t.id AND p.number = 1
            WHERE forums_thread_fts MATCH %s AND t.community_id IN ({{readable}}){{kind}}
            ORDER BY forums_thread_fts.rowid DESC LIMIT {WINDOW}
        ),
        counted AS (
            SELECT post_id, {BODY_WEIGHT} AS weight, length(h) - length(replace(h, char(1), ''))
                AS n, length(h) AS size FROM post_hits
            UNION ALL
            SELECT post_id, {TITLE_WEIGHT}, length(h) - length(replace(h, char(1), '')), 0
                FROM title_hits
        )
        SELECT post_id, sum(weight * n / (n + 1.0 + size / 2000.0)) AS score
        FROM counted GROUP BY post_id
        ORDER BY score DESC, post_id DESC LIMIT %s OFFSET %s
    """  # noqa: S608

    def rank(self, connection, match, readable, limit, offset, community_id=None, kind=None):
        readable_sql, readable_params = readable
        kind_sql, kind_params = (" AND t.kind = %s", (kind,)) if kind else ("", ())
        sql = self.RANK_SQL.format(readable=readable_sql, kind=kind_sql)
        params = (
            *(match, *readable_params, *kind_params),
            *(match, *readable_params, *kind_params),
            limit,
            offset,
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def snippets(self, connection, match, post_ids):
        sql = (
            "SELECT rowid, "  # noqa: S608
            f"snippet(forums_post_fts, 0, char(1), char(2), '…', {SNIPPET_TOKENS}) "
            f"FROM forums_post_fts WHERE forums_post_fts MATCH %s "
            f"AND rowid IN ({_in_list(post_ids)})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (match, *post_ids))
            return dict(cursor.fetchall())

    def titles(self, connection, match, thread_ids):
        sql = (
            "SELECT rowid, highlight(forums_thread_fts, 0, char(1), char(2)) "  # noqa: S608
            "FROM forums_thread_fts WHERE forums_thread_fts MATCH %s "
            f"AND rowid IN ({_in_list(thread_ids)})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (match, *thread_ids))
            return dict(cursor.fetchall())

    # --- Schema ---

    TRIGGERS = {
        "forums_post_fts_ai": """
            CREATE TRIGGER IF NOT EXISTS forums_post_fts_ai AFTER INSERT ON forums_post
            WHEN new.deleted_at IS NULL BEGIN
                INSERT INTO forums_post_fts(rowid, body) VALUES (new.id, new.body);
            END""",
        "forums_post_fts_ad": """
            CREATE TRIGGER IF NOT EXISTS forums_post_fts_ad AFTER DELETE ON forums_post
            WHEN old.deleted_at IS NULL BEGIN
                INSERT INTO forums_post_fts(forums_post_fts, rowid, body)
                VALUES ('delete', old.id, old.body);
            END""",
        "forums_post_fts_au": """
            CREATE TRIGGER IF NOT EXISTS forums_post_fts_au
            AFTER UPDATE OF id, body, deleted_at ON forums_post
            WHEN old.id IS NOT new.id OR old.body IS NOT new.body
                OR (old.deleted_at IS NULL) IS NOT (new.deleted_at IS NULL) BEGIN
                INSERT INTO forums_post_fts(forums_post_fts, rowid, body)
                SELECT 'delete', old.id, old.body WHERE old.deleted_at IS NULL;
                INSERT INTO forums_post_fts(rowid, body)
                SELECT new.id, new.body WHERE new.deleted_at IS NULL;
            END""",
        "forums_thread_fts_ai": """
            CREATE TRIGGER IF NOT EXISTS forums_thread_fts_ai AFTER INSERT ON forums_thread
            BEGIN
                INSERT INTO forums_thread_fts(rowid, title) VALUES (new.id, new.title);
            END""",
        "forums_thread_fts_ad": """
            CREATE TRIGGER IF NOT EXISTS forums_thread_fts_ad AFTER DELETE ON forums_thread
            BEGIN
                INSERT INTO forums_thread_fts(forums_thread_fts, rowid, title)
                VALUES ('delete', old.id, old.title);
            END""",
        "forums_thread_fts_au": """
            CREATE TRIGGER IF NOT EXISTS forums_thread_fts_au
            AFTER UPDATE OF id, title ON forums_thread
            WHEN old.id IS NOT new.id OR old.title IS NOT new.title BEGIN
                INSERT INTO forums_thread_fts(forums_thread_fts, rowid, title)
                VALUES ('delete', old.id, old.title);
                INSERT INTO forums_thread_fts(rowid, title) VALUES (new.id, new.title);
            END""",
    }

    # columnsize=0: no per-document length table (only bm25() reads it, and we do not
    # rank with bm25), one B-tree less to write per post.
    TABLES = (
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS forums_post_fts USING fts5(
            body, content='forums_post', content_rowid='id', tokenize='{TOKENIZER}',
            columnsize=0)""",
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS forums_thread_fts USING fts5(
            title, content='forums_thread', content_rowid='id', tokenize='{TOKENIZER}',
            columnsize=0)""",
    )

    def installed(self, cursor):
        wanted = ("forums_post_fts", "forums_thread_fts", *self.TRIGGERS)
        sql = f"SELECT name FROM sqlite_master WHERE name IN ({_in_list(wanted)})"  # noqa: S608
        cursor.execute(sql, wanted)
        names = {name for (name,) in cursor.fetchall()}
        tables = {"forums_post_fts", "forums_thread_fts"} <= names
        return tables, set(self.TRIGGERS) - names

    def install(self, cursor):
        for sql in self.TABLES:
            cursor.execute(sql)
        self.rebuild(cursor)
        for sql in self.TRIGGERS.values():
            cursor.execute(sql)

    def rebuild(self, cursor):
        """Index every post not deleted and every thread, from scratch."""
        cursor.execute("INSERT INTO forums_post_fts(forums_post_fts) VALUES ('delete-all')")
        cursor.execute(
            "INSERT INTO forums_post_fts(rowid, body) "
            "SELECT id, body FROM forums_post WHERE deleted_at IS NULL ORDER BY id"
        )
        cursor.execute("INSERT INTO forums_thread_fts(forums_thread_fts) VALUES ('rebuild')")
        cursor.execute("INSERT INTO forums_post_fts(forums_post_fts) VALUES ('optimize')")

    def uninstall(self, cursor):
        for name in self.TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute("DROP TABLE IF EXISTS forums_post_fts")
        cursor.execute("DROP TABLE IF EXISTS forums_thread_fts")


class PostgresEngine:
    """Side tables of tsvectors kept by triggers, with GIN indexes (see the module docstring)."""

    @staticmethod
    def _tsquery():
        return f"websearch_to_tsquery('{PG_CONFIG}', %s)"

    def _newest(self, table, key, newest_key, match, readable, community_id, kind=None):
        """The newest readable matches (at most ``WINDOW``), newest first, with bounded work.

        PostgreSQL's planner picks between walking the table backwards by primary
        key until ``WINDOW`` rows pass the filter (right for common words) and
        fetching every match through the GIN index (right for rare ones). When it
        overestimates the matches (two words that rarely meet, such as a French
        and an English one, or a search in one small community) the walk reads
        the whole table: half a second at a million posts. So the walk is
        bounded: one slice of keys at a time, newest first, the first walking
        at most ``RECENT_ROWS[0]`` rows, the others through the index (``key +
        0`` cannot be walked in order).

        An older slice is read only while the newer ones gave fewer than
        ``ENOUGH`` matches: its matches are all fetched from the table before the
        newest are kept, thousands of rows for two common words, and a page
        ranked from a hundred recent matches is as good a page.
        """
        readable_sql, readable_params = readable
        one = "" if community_id is None else "AND s.community_id = %s "
        extra = () if community_id is None else (community_id,)
        if kind:
            # Both side tables carry thread_id; the kind lives on the thread only.
            one += "AND s.thread_id IN (SELECT id FROM forums_thread WHERE kind = %s) "
            extra += (kind,)
        match_sql = f"s.vector @@ {self._tsquery()} AND s.community_id IN ({readable_sql}) {one}"
        cuts = sorted({max(newest_key - size, 0) for size in RECENT_ROWS}, reverse=True)
        bounds = list(zip([None, *cuts], [*cuts, None], strict=True))
        slices, params = [], []
        for index, (upper, lower) in enumerate(bounds):
            where, values = [], []
            if lower is not None:
                where.append(f"s.{key} >= %s")
                values.append(lower)
            if upper is not None:
                where.append(f"s.{key} < %s")
                values.append(upper)
            if index:
                # A condition on the slices before only: evaluated once, and
                # when false this slice's scan does not run at all.
                counts = (f"(SELECT count(*) FROM slice{i})" for i in range(index))  # noqa: S608
                found = " + ".join(counts)
                where.append(f"{found} < {ENOUGH}")
            order = f"s.{key}" if index == 0 else f"s.{key} + 0"
            slices.append(
                f"slice{index} AS MATERIALIZED (SELECT s.{key} AS key, s.vector AS v "  # noqa: S608
                f"FROM {table} AS s WHERE {' AND '.join([*where, match_sql])}"
                f"ORDER BY {order} DESC LIMIT {WINDOW})"
            )
            params.extend([*values, match, *readable_params, *extra])
        union = " UNION ALL ".join(f"SELECT * FROM slice{i}" for i in range(len(slices)))  # noqa: S608
        sql = f"WITH {', '.join(slices)} SELECT * FROM ({union}) AS newest LIMIT {WINDOW}"  # noqa: S608
        return sql, tuple(params)

    def rank(self, connection, match, readable, limit, offset, community_id=None, kind=None):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # JIT off until the transaction ends (inside a request's transaction,
            # for the rest of it): the planner's estimate for an older slice that
            # will not run (see _newest) can pass jit_above_cost, and compiling
            # then took 50 ms for a query that runs in 5.
            cursor.execute(
                "SELECT set_config('jit', 'off', true), "
                "(SELECT max(post_id) FROM forums_post_search), "
                "(SELECT max(thread_id) FROM forums_thread_search)"
            )
            _, max_post, max_thread = cursor.fetchone()
            posts, post_params = self._newest(
                "forums_post_search",
                "post_id",
                max_post or 0,
                match,
                readable,
                community_id,
                kind,
            )
            threads, thread_params = self._newest(
                "forums_thread_search",
                "thread_id",
                max_thread or 0,
                match,
                readable,
                community_id,
                kind,
            )
            tsq = self._tsquery()
            cursor.execute(
                f"""
                WITH post_hits AS MATERIALIZED ({posts}),
                title_hits AS MATERIALIZED (
                    SELECT p.id AS key, newest.v FROM ({threads}) AS newest
                    JOIN forums_post AS p ON p.thread_id = newest.key AND p.number = 1
                )
                SELECT key, sum(score) AS score FROM (
                    SELECT key, ts_rank(v, {tsq}) AS score FROM post_hits
                    UNION ALL
                    SELECT key, ts_rank(v, {tsq}) FROM title_hits
                ) AS hits
                GROUP BY key ORDER BY score DESC, key DESC LIMIT %s OFFSET %s
                """,  # noqa: S608
                (*post_params, *thread_params, match, match, limit, offset),
            )
            return cursor.fetchall()

    # One fragment (MaxFragments=0), as FTS5's snippet() gives.
    HEADLINE = f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords={SNIPPET_TOKENS}, MinWords=12"
    TITLE_HEADLINE = f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, HighlightAll=true"

    def snippets(self, connection, match, post_ids):
        tsq = self._tsquery()
        sql = (
            f"SELECT p.id, ts_headline('{PG_CONFIG}', p.body, {tsq}, %s) "  # noqa: S608
            "FROM forums_post AS p JOIN forums_post_search AS s ON s.post_id = p.id "
            f"WHERE p.id = ANY(%s) AND s.vector @@ {tsq}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (match, self.HEADLINE, list(post_ids), match))
            return dict(cursor.fetchall())

    def titles(self, connection, match, thread_ids):
        tsq = self._tsquery()
        sql = (
            f"SELECT t.id, ts_headline('{PG_CONFIG}', t.title, {tsq}, %s) "  # noqa: S608
            "FROM forums_thread AS t JOIN forums_thread_search AS s ON s.thread_id = t.id "
            f"WHERE t.id = ANY(%s) AND s.vector @@ {tsq}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (match, self.TITLE_HEADLINE, list(thread_ids), match))
            return dict(cursor.fetchall())

    # --- Schema ---

    TABLES = (
        """CREATE TABLE IF NOT EXISTS forums_post_search (
            post_id bigint PRIMARY KEY,
            thread_id bigint NOT NULL,
            community_id bigint NOT NULL,
            vector tsvector NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS forums_thread_search (
            thread_id bigint PRIMARY KEY,
            community_id bigint NOT NULL,
            vector tsvector NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS forums_post_search_thread ON forums_post_search (thread_id)",
        # Searching one community walks its own rows, newest first.
        "CREATE INDEX IF NOT EXISTS forums_post_search_community "
        "ON forums_post_search (community_id, post_id)",
        "CREATE INDEX IF NOT EXISTS forums_thread_search_community "
        "ON forums_thread_search (community_id, thread_id)",
        # Finer statistics on words: rare words are estimated as rare.
        "ALTER TABLE forums_post_search ALTER COLUMN vector SET STATISTICS 1000",
        "ALTER TABLE forums_thread_search ALTER COLUMN vector SET STATISTICS 1000",
    )
    GIN_INDEXES = (
        "CREATE INDEX IF NOT EXISTS forums_post_search_vector ON forums_post_search "
        "USING gin (vector) WITH (fastupdate = off)",
        "CREATE INDEX IF NOT EXISTS forums_thread_search_vector ON forums_thread_search "
        "USING gin (vector) WITH (fastupdate = off)",
    )

    @staticmethod
    def _functions(config):
        post_vector = f"to_tsvector({config}, coalesce(NEW.body, ''))"
        title_vector = f"setweight(to_tsvector({config}, coalesce(NEW.title, '')), 'A')"
        return (
            f"""CREATE OR REPLACE FUNCTION forums_post_search_sync() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    DELETE FROM forums_post_search WHERE post_id = OLD.id;
                END IF;
                IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN
                    INSERT INTO forums_post_search (post_id, thread_id, community_id, vector)
                    SELECT NEW.id, NEW.thread_id, t.community_id, {post_vector}
                    FROM forums_thread AS t WHERE t.id = NEW.thread_id;
                END IF;
                RETURN NULL;
            END $$""",  # noqa: S608
            f"""CREATE OR REPLACE FUNCTION forums_thread_search_sync() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    DELETE FROM forums_thread_search WHERE thread_id = OLD.id;
                END IF;
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM forums_post_search WHERE thread_id = OLD.id;
                ELSE
                    INSERT INTO forums_thread_search (thread_id, community_id, vector)
                    VALUES (NEW.id, NEW.community_id, {title_vector});
                    IF TG_OP = 'UPDATE' AND NEW.community_id <> OLD.community_id THEN
                        UPDATE forums_post_search SET community_id = NEW.community_id
                        WHERE thread_id = NEW.id;
                    END IF;
                END IF;
                RETURN NULL;
            END $$""",  # noqa: S608
            """CREATE OR REPLACE FUNCTION forums_search_truncate() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                TRUNCATE forums_post_search;
                IF TG_TABLE_NAME = 'forums_thread' THEN
                    TRUNCATE forums_thread_search;
                END IF;
                RETURN NULL;
            END $$""",
        )

    TRIGGERS = {
        "forums_post_search_insert": """
            CREATE TRIGGER forums_post_search_insert AFTER INSERT ON forums_post
            FOR EACH ROW WHEN (NEW.deleted_at IS NULL)
            EXECUTE FUNCTION forums_post_search_sync()""",
        "forums_post_search_update": """
            CREATE TRIGGER forums_post_search_update
            AFTER UPDATE OF id, body, deleted_at, thread_id ON forums_post FOR EACH ROW
            WHEN (OLD.id <> NEW.id OR OLD.body IS DISTINCT FROM NEW.body
                  OR OLD.thread_id <> NEW.thread_id
                  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
            EXECUTE FUNCTION forums_post_search_sync()""",
        "forums_post_search_delete": """
            CREATE TRIGGER forums_post_search_delete AFTER DELETE ON forums_post
            FOR EACH ROW EXECUTE FUNCTION forums_post_search_sync()""",
        "forums_post_search_truncate": """
            CREATE TRIGGER forums_post_search_truncate AFTER TRUNCATE ON forums_post
            FOR EACH STATEMENT EXECUTE FUNCTION forums_search_truncate()""",
        "forums_thread_search_insert": """
            CREATE TRIGGER forums_thread_search_insert AFTER INSERT ON forums_thread
            FOR EACH ROW EXECUTE FUNCTION forums_thread_search_sync()""",
        "forums_thread_search_update": """
            CREATE TRIGGER forums_thread_search_update
            AFTER UPDATE OF id, title, community_id ON forums_thread FOR EACH ROW
            WHEN (OLD.id <> NEW.id OR OLD.title IS DISTINCT FROM NEW.title
                  OR OLD.community_id <> NEW.community_id)
            EXECUTE FUNCTION forums_thread_search_sync()""",
        "forums_thread_search_delete": """
            CREATE TRIGGER forums_thread_search_delete AFTER DELETE ON forums_thread
            FOR EACH ROW EXECUTE FUNCTION forums_thread_search_sync()""",
        "forums_thread_search_truncate": """
            CREATE TRIGGER forums_thread_search_truncate AFTER TRUNCATE ON forums_thread
            FOR EACH STATEMENT EXECUTE FUNCTION forums_search_truncate()""",
    }

    @staticmethod
    def _table(trigger):
        return "forums_post" if trigger.startswith("forums_post") else "forums_thread"

    @staticmethod
    def _config(cursor):
        cursor.execute("SELECT current_schema()")
        return f"'{cursor.fetchone()[0]}.{PG_CONFIG}'::regconfig"

    def _existing_triggers(self, cursor):
        names = tuple(self.TRIGGERS)
        sql = f"SELECT tgname FROM pg_trigger WHERE tgname IN ({_in_list(names)})"  # noqa: S608
        cursor.execute(sql, names)
        return {name for (name,) in cursor.fetchall()}

    def installed(self, cursor):
        cursor.execute("SELECT to_regclass('forums_post_search') IS NOT NULL")
        tables = cursor.fetchone()[0]
        return tables, set(self.TRIGGERS) - self._existing_triggers(cursor)

    def install(self, cursor):
        try:
            with transaction.atomic(using=cursor.db.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        except Exception as error:
            raise RuntimeError(
                "Forum search needs PostgreSQL's unaccent extension (accent folding for "
                "French). Run `CREATE EXTENSION unaccent;` in this database as its owner or a "
                f"superuser, then migrate again. ({error})"
            ) from error
        cursor.execute(
            "SELECT 1 FROM pg_ts_config AS c JOIN pg_namespace AS n ON n.oid = c.cfgnamespace "
            "WHERE c.cfgname = %s AND n.nspname = current_schema()",
            (PG_CONFIG,),
        )
        if cursor.fetchone() is None:
            cursor.execute(
                f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = pg_catalog.simple)"
            )
            cursor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG} "
                "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
            )
        for sql in self.TABLES:
            cursor.execute(sql)
        for sql in self._functions(self._config(cursor)):
            cursor.execute(sql)
        # Triggers first: they lock out writers until commit, so nothing is missed.
        existing = self._existing_triggers(cursor)
        for name, sql in self.TRIGGERS.items():
            if name not in existing:
                cursor.execute(sql)
        self.rebuild(cursor)

    def rebuild(self, cursor):
        """Fill the side tables from scratch; GIN indexes are built after, in one go."""
        config = self._config(cursor)
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("DROP INDEX IF EXISTS forums_post_search_vector")
        cursor.execute("DROP INDEX IF EXISTS forums_thread_search_vector")
        cursor.execute("TRUNCATE forums_post_search, forums_thread_search")
        cursor.execute(
            "INSERT INTO forums_post_search (post_id, thread_id, community_id, vector) "  # noqa: S608
            f"SELECT p.id, p.thread_id, t.community_id, to_tsvector({config}, p.body) "
            "FROM forums_post AS p JOIN forums_thread AS t ON t.id = p.thread_id "
            "WHERE p.deleted_at IS NULL ORDER BY p.id"
        )
        cursor.execute(
            "INSERT INTO forums_thread_search (thread_id, community_id, vector) "  # noqa: S608
            f"SELECT id, community_id, setweight(to_tsvector({config}, title), 'A') "
            "FROM forums_thread ORDER BY id"
        )
        for sql in self.GIN_INDEXES:
            cursor.execute(sql)
        cursor.execute("ANALYZE forums_post_search")
        cursor.execute("ANALYZE forums_thread_search")

    def uninstall(self, cursor):
        for name in self.TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {self._table(name)}")
        for function in ("forums_post_search_sync", "forums_thread_search_sync"):
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        cursor.execute("DROP FUNCTION IF EXISTS forums_search_truncate()")
        cursor.execute("DROP TABLE IF EXISTS forums_post_search, forums_thread_search")
        cursor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}")
        # The unaccent extension stays: other code may use it, and it costs nothing.


_ENGINES = {"sqlite": SQLiteEngine(), "postgresql": PostgresEngine()}


# --- Schema management (the migration, repairs) ----------------------------------


def _engine_for(connection):
    engine = _ENGINES.get(connection.vendor)
    if engine is None:
        raise NotImplementedError(f"Forum search does not support {connection.vendor}.")
    return engine


def install(connection):
    """Create the index and its triggers and index what is there (idempotent)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        _engine_for(connection).install(cursor)


def uninstall(connection):
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
