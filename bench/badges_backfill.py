"""Backfill of 10 rule badges at scale: time and SQL statements per badge, SQLite and PostgreSQL.

For each database: a fresh one (a SQLite file in a temporary directory, or a throwaway
PostgreSQL database ``bench_badges``), seeded by seed_scale (100,000 members, about
1,000,000 posts in 4 communities by default), plus, written set-based in SQL so that
every template has work:

- reactions: a "like" on every other post, "helpful" on every 5th, "love" on every 10th
  (from members computed from the post id, rarely the author), and the author's own
  "funny" on every 50th (self-reactions, which count for nothing);
- their ``reaction.added`` ledger entries and +2 reputation entries (from others only);
- ``answer.accepted`` ledger entries for half of the accepted answers (the others are
  data from before the ledger: their post's date counts);
- edits: the author edits every 7th post once and every 14th twice; a moderator edits
  every 21st (not the author's);
- endorsements: 3 per member on average in the big community, of its 4 qualities;
- each member's standing (points and rank, default ladder), as ``badges.reputation``
  keeps it.

Then 10 enabled rule badges (first post site-wide, 3 accepted answers, a post with 3
reactions, 2 first replies to newcomers, 3 days in a row, level 1, endorsed 3 times,
night owl, perfectionist, globe-trotter) and, in a worker process with the database's
environment, ``badges.awarding.backfill()`` timed and its statements counted per badge
(CaptureQueriesContext; savepoints apart), then timed again (nothing left to award:
the templates' queries alone). ``--post-index`` first adds a covering index on the
live posts (author, date, thread) that the post templates can read instead of the
table, to compare.
Targets: under 12 s on SQLite, under 5 s on PostgreSQL, at most 3 statements per badge.

    .venv/bin/python bench/badges_backfill.py                          # SQLite, full size
    .venv/bin/python bench/badges_backfill.py --database postgres
    .venv/bin/python bench/badges_backfill.py --members 5000 --threads 20000   # quick
    .venv/bin/python bench/badges_backfill.py --seed-only   # seed and keep the database...
    .venv/bin/python bench/badges_backfill.py --reuse /tmp/bench-sqlite-xxxx   # ...time it
    .venv/bin/python bench/badges_backfill.py --database postgres --reuse bench_badges

The default database is PostgreSQL when DATABASE_URL is set, else SQLite. A kept
PostgreSQL database keeps its name, ``bench_badges``: the next run that seeds drops it.
``--reuse`` removes what an earlier run awarded before timing again.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _server as S  # noqa: E402

BADGES = (
    # slug, rule, params, scope ("big" community or site-wide)
    ("first-post", "first_post", {}, "site"),
    ("answers-3", "accepted_answers", {"n": 3}, "big"),
    ("popular-3", "post_reactions", {"n": 3}, "site"),
    ("welcomer-2", "newcomer_first_replies", {"n": 2}, "big"),
    ("streak-3", "active_streak", {"days": 3}, "site"),
    ("level-1", "level_reached", {"rank": 1}, "big"),
    ("endorsed-3", "endorsed", {"n": 3}, "site"),
    ("night-owl", "night_owl", {"min_posts": 5, "share": 50}, "site"),
    ("perfectionist", "perfectionist", {"edits": 3}, "site"),
    ("globe-trotter", "globe_trotter", {"communities": 3}, "site"),
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = "postgres" if os.environ.get("DATABASE_URL") else "sqlite"
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default=default)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=140_000, help="In the big community.")
    parser.add_argument("--communities", type=int, default=4)
    parser.add_argument(
        "--threads-per-other", type=int, default=20_000, help="In each other community."
    )
    parser.add_argument("--posts-per-thread", default="1-9", help="seed_scale's spec.")
    parser.add_argument(
        "--post-index",
        action="store_true",
        help="First add an index on forums_post (author_id, created_at, thread_id) "
        "WHERE deleted_at IS NULL (and VACUUM ANALYZE it on PostgreSQL).",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the database.")
    parser.add_argument(
        "--seed-only", action="store_true", help="Seed (and keep) the database, time nothing."
    )
    parser.add_argument(
        "--reuse", default="", help="A kept database: its directory (SQLite) or name (PostgreSQL)."
    )
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")
    args = parser.parse_args()
    print(f"# badges backfill bench, {date.today()}, {S.machine()}")
    report = {}
    engines = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for engine in engines:
        report[engine] = bench_engine(engine, args)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))


def reused(engine, where):
    if engine == "sqlite":
        workdir = Path(where)
        return S.Database(engine, workdir, S.base_env(workdir))
    workdir = Path(tempfile.mkdtemp(prefix="bench-postgres-"))
    env = S.base_env(workdir)
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{where}"
    return S.Database(engine, workdir, env, pg_name=where)


def prepared(engine, args, name):
    """The database to measure: ``--reuse``'s, or a new one of ``name`` seeded by seed_scale.
    Returns ``(db, summary)``. Shared with ``badges_incremental.py``."""
    if args.reuse:
        print(f"\n== {engine}: reusing {args.reuse}")
        return reused(engine, args.reuse), {"reused": args.reuse}
    print(f"\n== {engine}: seeding")
    db = S.make_database(engine, name)
    summary = db.seed(
        members=args.members,
        communities=args.communities,
        threads=args.threads,
        threads_per_other=args.threads_per_other,
        posts_per_thread=args.posts_per_thread,
        pinned=0,
    )
    print(
        f"   {summary['users']} members, {summary['threads']} threads, "
        f"{summary['posts']} posts in {summary['seconds']} s (seed_scale)"
    )
    return db, summary


def bench_engine(engine, args):
    db, summary = prepared(engine, args, "bench_badges")
    try:
        options = ["--post-index"] if args.post_index else []
        if args.seed_only:
            args.keep = True
            print(db.run_python(Path(__file__), "--extras"))
            return {}
        result = json.loads(db.run_python(Path(__file__), "--worker", *options))
        result["seed"] = summary
        for line in result.pop("log"):
            print(f"   {line}")
        return result
    finally:
        if args.reuse and engine == "postgres":
            shutil.rmtree(db.workdir, ignore_errors=True)  # settings only; the database stays
        if args.keep or args.reuse:
            print(f"   kept: {db.pg_name or db.workdir}")
        else:
            db.drop()


def print_report(report):
    for engine, result in report.items():
        if not result:
            continue
        print(f"\n## {engine}: backfill() of {len(result['badges'])} rule badges")
        rows = [
            (
                b["slug"],
                b["rule"],
                b["scope"],
                f"{b['awarded']:,}",
                f"{b['seconds']:.2f}",
                str(b["statements"]),
                f"{b['again_seconds']:.2f}",
            )
            for b in result["badges"]
        ]
        headers = ("badge", "rule", "scope", "awarded", "s", "statements", "again s")
        print(S.fmt_table(headers, rows))
        target = 12 if engine == "sqlite" else 5
        worst = max(b["statements"] for b in result["badges"])
        print(
            f"total: {result['seconds']:.2f} s (target < {target} s: "
            f"{'met' if result['seconds'] < target else 'NOT met'}), "
            f"{result['statements']} statements in all, at most {worst} per badge "
            f"(target <= 3: {'met' if worst <= 3 else 'NOT met'}), "
            f"{result['members']:,} members told in {result['summary_seconds']:.2f} s; "
            f"again (nothing new): {result['again_seconds']:.2f} s"
        )
        print(f"data: {json.dumps(result['data'])}")


# --- worker: runs with the database's environment ---------------------------------------


def worker(post_index):
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from badges import awarding
    from badges.models import Badge

    log = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM badges_reputation)")
        if _has_extras(connection) and not cursor.fetchone()[0]:
            standings(cursor)  # a database kept by an earlier version of this bench
    if not _has_extras(connection):
        started = time.perf_counter()
        extras(connection)
        log.append(f"reactions, ledger, edits, endorsements: {time.perf_counter() - started:.1f} s")
    else:
        reset(connection)
        log.append("extras already there; badges of an earlier run removed")
    if post_index:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS bench_post_author_time ON forums_post "
                "(author_id, created_at, thread_id) WHERE deleted_at IS NULL"
            )
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE forums_post")
        log.append("indexed forums_post (author_id, created_at, thread_id), live posts")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    big = _big_community()
    badges = []
    for slug, rule, params, scope in BADGES:
        badges.append(
            Badge.objects.create(
                slug=f"bench-{slug}",
                name=slug,
                rule=rule,
                params=params,
                community=big if scope == "big" else None,
                enabled=True,
            )
        )
    marks = []
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = awarding.backfill(
            on_badge=lambda badge, count, seconds: marks.append(
                (badge.slug, count, seconds, len(captured.captured_queries))
            )
        )
        seconds = time.perf_counter() - started
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    ]
    per_badge, before = [], 0
    for slug, count, took, upto in marks:
        queries = captured.captured_queries[before:upto]
        before = upto
        badge = next(b for b in badges if b.slug == slug)
        per_badge.append(
            {
                "slug": slug,
                "rule": badge.rule,
                "scope": "big community" if badge.community_id else "site",
                "awarded": count,
                "seconds": took,
                "statements": sum(
                    1
                    for q in queries
                    if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
                ),
            }
        )
    summary_seconds = seconds - sum(b["seconds"] for b in per_badge)
    again_marks = {}
    started = time.perf_counter()
    awarding.backfill(on_badge=lambda badge, count, took: again_marks.__setitem__(badge.slug, took))
    again = time.perf_counter() - started
    for entry in per_badge:
        entry["again_seconds"] = again_marks[entry["slug"]]
    return {
        "vendor": connection.vendor,
        "seconds": seconds,
        "statements": len(statements),
        "members": result["members"],
        "summary_seconds": summary_seconds,
        "again_seconds": again,
        "badges": per_badge,
        "data": _counts(connection),
        "log": log,
    }


def _big_community():
    from community.models import Community

    return Community.objects.filter(slug__endswith="-0").order_by("pk").first()


def _has_extras(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM forums_reaction)")
        return bool(cursor.fetchone()[0])


def reset(connection):
    """Remove what an earlier run of this bench awarded (the bench database only)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM community_activity WHERE verb = 'badge.awarded'")
        cursor.execute("DELETE FROM badges_notice")
        cursor.execute(
            "DELETE FROM badges_award WHERE badge_id IN "
            "(SELECT id FROM badges_badge WHERE slug LIKE 'bench-%%')"
        )
        cursor.execute("DELETE FROM badges_badge WHERE slug LIKE 'bench-%%'")


def _counts(connection):
    tables = {
        "members": "community_user",
        "posts": "forums_post",
        "reactions": "forums_reaction",
        "revisions": "forums_postrevision",
        "endorsements": "badges_endorsement",
        "reputation entries": "badges_reputationentry",
        "activity": "community_activity",
        "awards": "badges_award",
    }
    counts = {}
    with connection.cursor() as cursor:
        for name, table in tables.items():
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[name] = cursor.fetchone()[0]
    return counts


def standings(cursor):
    """Each member's points and rank per community (default ladder), from the ledger, as
    ``badges.reputation`` keeps them."""
    from badges.levels import DEFAULTS

    ranks = " ".join(
        f"WHEN SUM(points) >= {threshold} THEN {rank}"
        for rank, (_name, threshold) in reversed(list(enumerate(DEFAULTS)))
    )
    cursor.execute(
        "INSERT INTO badges_reputation (user_id, community_id, points, rank, updated_at) "
        f"SELECT user_id, community_id, SUM(points), CASE {ranks} ELSE 0 END, MAX(created_at) "
        "FROM badges_reputationentry GROUP BY user_id, community_id"
    )


def extras(connection):
    """Reactions, their ledger and reputation, accepted-answer entries, edits, endorsements."""
    from django.db import transaction

    from badges import qualities
    from badges.models import Endorsement

    pg = connection.vendor == "postgresql"

    def later(column, hours):
        if pg:
            return f"{column} + ({hours}) * interval '1 hour'"
        return f"datetime({column}, '+' || ({hours}) || ' hours')"

    def obj(*pairs):
        inner = ", ".join(pairs)
        return f"jsonb_build_object({inner})" if pg else f"json_object({inner})"

    kind_of = "(a.data->>'kind')" if pg else "json_extract(a.data, '$.kind')"
    kind_data = obj("'kind'", "r.kind")
    thread_data = obj("'thread'", "t.id")
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM community_user")
        low, high = cursor.fetchone()
    n = high - low + 1
    statements = [
        # Reactions from members computed from the post id; the author's own on every 50th.
        *(
            "INSERT INTO forums_reaction (post_id, user_id, kind, created_at) "
            f"SELECT id, {low} + ((id * {prime} + {salt}) % {n}), '{kind}', "
            f"{later('created_at', f'id % {spread} + 1')} "
            f"FROM forums_post WHERE id % {every} = 0 "
            f"AND {low} + ((id * {prime} + {salt}) % {n}) <> author_id"
            for kind, prime, salt, every, spread in (
                ("like", 7919, 11, 2, 48),
                ("helpful", 104729, 17, 5, 72),
                ("love", 1299709, 23, 10, 96),
            )
        ),
        "INSERT INTO forums_reaction (post_id, user_id, kind, created_at) "
        f"SELECT id, author_id, 'funny', {later('created_at', '1')} "
        "FROM forums_post WHERE id % 50 = 0 AND author_id IS NOT NULL",
        # Their ledger entries (from others) and reputation.
        "INSERT INTO community_activity (created_at, verb, actor_id, community_id, "
        "target_user_id, object_type, object_id, data) "
        "SELECT r.created_at, 'reaction.added', r.user_id, t.community_id, p.author_id, "
        f"'post', p.id, {kind_data} "
        "FROM forums_reaction r JOIN forums_post p ON p.id = r.post_id "
        "JOIN forums_thread t ON t.id = p.thread_id WHERE r.user_id <> p.author_id",
        "INSERT INTO badges_reputationentry (user_id, community_id, points, reason, key, "
        "activity_id, created_at) "
        "SELECT a.target_user_id, a.community_id, 2, 'reaction', "
        f"'reaction:' || a.object_id || ':' || a.actor_id || ':' || {kind_of}, a.id, "
        "a.created_at FROM community_activity a WHERE a.verb = 'reaction.added'",
        # Half of the accepted answers have their ledger entry, a day after the post.
        "INSERT INTO community_activity (created_at, verb, actor_id, community_id, "
        "target_user_id, object_type, object_id, data) "
        f"SELECT {later('p.created_at', '24')}, 'answer.accepted', t.author_id, "
        f"t.community_id, p.author_id, 'post', p.id, {thread_data} "
        "FROM forums_thread t JOIN forums_post p ON p.id = t.accepted_post_id "
        "WHERE t.id % 2 = 0",
        # Edits: by the author (every 7th post once, every 14th twice), by someone else.
        *(
            "INSERT INTO forums_postrevision (post_id, body, html, editor_id, created_at) "
            f"SELECT id, 'Before.', '<p>Before.</p>', {editor}, {later('created_at', hours)} "
            f"FROM forums_post WHERE id % {every} = 0 AND author_id IS NOT NULL"
            for every, editor, hours in (
                (7, "author_id", "2"),
                (14, "author_id", "5"),
                (21, f"{low} + (id % {n})", "7"),
            )
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        standings(cursor)
    big = _big_community()
    found = qualities.for_community(big)
    start = big.created_at.replace(microsecond=0)
    rows = []
    for index in range(3 * n):
        endorsee = low + (index * 7919) % n
        endorser = low + (index * 104729 + 1) % n
        if endorser == endorsee:
            continue
        rows.append(
            Endorsement(
                endorser_id=endorser,
                endorsee_id=endorsee,
                community=big,
                quality=found[(index // n) % len(found)],
                created_at=start + timedelta(hours=index % 8760),
            )
        )
    with transaction.atomic():
        Endorsement.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--extras":
        import django

        django.setup()
        from django.db import connection

        began = time.perf_counter()
        extras(connection)
        print(f"   reactions, ledger, edits, endorsements: {time.perf_counter() - began:.1f} s")
    elif len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker("--post-index" in sys.argv), default=str))
    else:
        main()
