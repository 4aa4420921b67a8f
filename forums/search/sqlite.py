"""Forum search on SQLite: two FTS5 tables kept in step by triggers.

``forums_post_fts(body)`` indexes ``forums_post`` and ``forums_thread_fts(title)``
indexes ``forums_thread`` (external content: the text stays in the content
tables). Each trigger refers only to its own table and its FTS table, never to
the other content table, so that Django's SQLite table rebuilds can drop and
re-create one table (``forums.search.ensure_installed`` puts back what a rebuild
drops). Scores count the matched terms of each document, never corpus
statistics. The why of all this is in ``docs/search.md``.
"""

from forums.search.common import (
    BODY_WEIGHT,
    SNIPPET_TOKENS,
    TITLE_WEIGHT,
    WINDOW,
    in_list,
)

TOKENIZER = "unicode61 remove_diacritics 2"


class SQLiteEngine:
    """FTS5: external-content tables kept by triggers (see ``docs/search.md``)."""

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
            f"AND rowid IN ({in_list(post_ids)})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (match, *post_ids))
            return dict(cursor.fetchall())

    def titles(self, connection, match, thread_ids):
        sql = (
            "SELECT rowid, highlight(forums_thread_fts, 0, char(1), char(2)) "  # noqa: S608
            "FROM forums_thread_fts WHERE forums_thread_fts MATCH %s "
            f"AND rowid IN ({in_list(thread_ids)})"
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
        sql = f"SELECT name FROM sqlite_master WHERE name IN ({in_list(wanted)})"  # noqa: S608
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
