"""SQL pieces the rule templates need that Django does not give as such, per engine."""

from django.db.models import Func, IntegerField, Window


class UtcDay(Func):
    """Whole days since 1970-01-01 of a datetime, in UTC: consecutive days differ by 1.

    Written per engine because Django's date functions run as Python functions on
    SQLite, a hundred times slower over a million posts than its own julianday().
    """

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        return super().as_sql(
            compiler,
            connection,
            template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s) / 86400)::integer",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores UTC text ("2026-01-31 23:59:59.5"), which julianday() reads.
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
            **extra,
        )


class UtcHour(Func):
    """The hour (0-23) of a datetime, in UTC (see ``UtcDay`` for why per engine)."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        return super().as_sql(
            compiler,
            connection,
            template="EXTRACT(HOUR FROM %(expressions)s AT TIME ZONE 'UTC')::integer",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            # %%%% becomes % once Django's SQLite backend has put its parameters in.
            template="CAST(strftime('%%%%H', %(expressions)s) AS INTEGER)",
            **extra,
        )


class Scanned(Func):
    """A column that SQLite's planner must not reach through an index.

    SQLite has no statistics (nobody runs ANALYZE here). To get a million posts in
    member order it walks the author index and fetches each row at random: five to ten
    times slower than reading the table in order and sorting. To find a few members'
    posts in one community it walks all the community's threads instead of the
    members' posts. An expression has no index, so it does neither. PostgreSQL plans
    with statistics and gets the column itself.
    """

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        return super().as_sql(compiler, connection, template="%(expressions)s", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="(%(expressions)s + 0)", **extra)


class GroupedWindow(Window):
    """A window over a grouped query (``values(...).annotate(Min(...))``).

    Django adds a window annotation of a grouped query to its GROUP BY, which SQL
    refuses ("misuse of window function"); the columns it partitions and orders by are
    already grouped on, so it adds nothing to the grouping.
    """

    def get_group_by_cols(self):
        return []
