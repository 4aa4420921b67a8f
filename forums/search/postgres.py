"""Forum search on PostgreSQL: tsvector side tables kept in step by triggers.

``forums_post_search`` (posts not deleted) and ``forums_thread_search`` (titles,
weight A) each carry a copy of ``community_id`` and a GIN index; triggers on
``forums_post`` and ``forums_thread`` keep them in step inside the writing
transaction. The text search configuration ``forums_search`` is ``simple``
behind ``unaccent`` (no stemming: the forums mix French and English). Finding
the newest matches is bounded work whatever the planner estimates (see
``PostgresEngine._newest``). The why of all this is in ``docs/search.md``.
"""

from django.db import transaction

from forums.search.common import MARK_CLOSE, MARK_OPEN, SNIPPET_TOKENS, WINDOW, in_list

PG_CONFIG = "forums_search"
# Older posts are searched only when the newer ones matched fewer times than this.
ENOUGH = 100
# The newest rows searched first, then the rest (see PostgresEngine._newest).
RECENT_ROWS = (50_000,)


class PostgresEngine:
    """Side tables of tsvectors kept by triggers, with GIN indexes (see ``docs/search.md``)."""

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
        sql = f"SELECT tgname FROM pg_trigger WHERE tgname IN ({in_list(names)})"  # noqa: S608
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
