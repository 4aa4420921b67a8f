"""One member's incremental badge evaluation after one event: median time, SQLite and PostgreSQL.

For each database: seeded as ``badges_backfill.py`` does (seed_scale, then reactions,
their ledger and reputation, edits, endorsements; 20,000 members and about 200,000 posts
by default), the same 10 enabled rule badges, backfilled first (the steady state: most
qualifying members already hold their badges). Then, in a worker process with the
database's environment, for random members: a real action (a reply, a reaction from
someone else, an edit of their own post, an accepted answer), and, timed alone, what the
background task does with its activity entry: ``badges.awarding.on_activity`` on the
entry's portable copy (find the enabled badges whose template listens to the verb, in
its community and site-wide, and evaluate them for the entry's actor and target member).
The receiver is disconnected while the actions run, so that each entry is evaluated
once, by the timed call. Also an ``endorsement.added`` and a ``level.changed`` entry.
Prints the median, p95 and max per verb, and the queries per evaluation.
Target: under 20 ms median.

    .venv/bin/python bench/badges_incremental.py
    .venv/bin/python bench/badges_incremental.py --database postgres --samples 300
    .venv/bin/python bench/badges_incremental.py --reuse /tmp/bench-sqlite-xxxx  # a kept one
"""

import argparse
import json
import os
import random
import shutil
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _server as S  # noqa: E402
import badges_backfill as B  # noqa: E402

VERBS = (
    "post.created",
    "reaction.added",
    "post.edited",
    "answer.accepted",
    "endorsement.added",
    "level.changed",
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = "postgres" if os.environ.get("DATABASE_URL") else "sqlite"
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default=default)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=30_000, help="In the big community.")
    parser.add_argument("--communities", type=int, default=4)
    parser.add_argument("--threads-per-other", type=int, default=3_000)
    parser.add_argument("--posts-per-thread", default="1-9")
    parser.add_argument("--samples", type=int, default=100, help="Events per verb.")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", default="", help="A kept database (directory or name).")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print(f"# badges incremental bench, {date.today()}, {S.machine()}")
    report = {}
    for engine in ["sqlite", "postgres"] if args.database == "both" else [args.database]:
        report[engine] = bench_engine(engine, args)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))


def bench_engine(engine, args):
    db, _summary = B.prepared(engine, args, "bench_badges_incremental")
    try:
        return json.loads(db.run_python(Path(__file__), "--worker", str(args.samples)))
    finally:
        if args.reuse and engine == "postgres":
            shutil.rmtree(db.workdir, ignore_errors=True)  # settings only; the database stays
        if args.keep or args.reuse:
            print(f"   kept: {db.pg_name or db.workdir}")
        else:
            db.drop()


def print_report(report):
    for engine, result in report.items():
        print(
            f"\n## {engine}: one member's evaluation after one event, ms "
            f"({result['members']:,} members, {result['posts']:,} posts, "
            f"{result['badges']} enabled rule badges; backfill first: {result['backfill']:.1f} s)"
        )
        rows = [
            (
                verb,
                str(r["n"]),
                f"{r['median']:.2f}",
                f"{r['p95']:.2f}",
                f"{r['max']:.2f}",
                f"{r['queries']}",
                str(r["awarded"]),
            )
            for verb, r in result["verbs"].items()
        ]
        every = result["all"]
        rows.append(
            (
                "all",
                str(every["n"]),
                f"{every['median']:.2f}",
                f"{every['p95']:.2f}",
                f"{every['max']:.2f}",
                "",
                str(every["awarded"]),
            )
        )
        headers = ("verb", "events", "median", "p95", "max", "queries", "awarded")
        print(S.fmt_table(headers, rows))
        print(
            f"target: median < 20 ms: {'met' if every['median'] < 20 else 'NOT met'} "
            f"({every['median']:.2f} ms)"
        )


# --- worker: runs with the database's environment ---------------------------------------


def worker(samples):
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from badges import awarding
    from badges.models import Badge
    from community import activity
    from community.models import Activity, Community, User
    from forums import actions
    from forums.models import Post, Thread

    if not B._has_extras(connection):
        B.extras(connection)
    else:
        B.reset(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    big = B._big_community()
    for slug, rule, params, scope in B.BADGES:
        Badge.objects.create(
            slug=f"bench-{slug}",
            name=slug,
            rule=rule,
            params=params,
            community=big if scope == "big" else None,
            enabled=True,
        )
    started = time.perf_counter()
    awarding.backfill()
    backfill = time.perf_counter() - started

    # The actions record entries; the receiver runs only when timed.
    activity.disconnect(awarding.on_activity)
    rng = random.Random(7)
    member_ids = list(User.objects.filter(username__contains="_").values_list("pk", flat=True))
    communities = list(Community.objects.order_by("pk"))
    threads = list(
        Thread.objects.filter(community=big, kind="discussion").values_list("pk", flat=True)[:5000]
    )

    def member():
        return User.objects.get(pk=rng.choice(member_ids))

    def portable(entry):
        return activity._entry(activity._portable(entry))

    def last_entry(verb):
        return Activity.objects.filter(verb=verb).order_by("-pk").first()

    def reply():
        author = member()
        thread = Thread.objects.get(pk=rng.choice(threads))
        actions.reply(author, thread, body="Benchmark reply.")
        return last_entry("post.created")

    def react():
        post = Post.objects.filter(thread_id=rng.choice(threads)).order_by("number").first()
        giver = member()
        if giver.pk == post.author_id or not actions.react(giver, post, kind="insightful"):
            return None
        return last_entry("reaction.added")

    def edit():
        author = member()
        post = Post.objects.filter(author=author, deleted_at__isnull=True).first()
        if post is None:
            return None
        actions.edit_post(author, post, body=f"Edited {rng.random()}.")
        return last_entry("post.edited")

    def accept():
        asker, helper = member(), member()
        if asker.pk == helper.pk:
            return None
        question = actions.create_thread(asker, big, kind="question", title="Q?", body="How?")
        answer = actions.reply(helper, question, body="Like this.")
        actions.accept_answer(asker, question, answer)
        return last_entry("answer.accepted")

    def endorsed():
        target = member()
        return Activity(
            verb="endorsement.added",
            actor_id=rng.choice(member_ids),
            target_user_id=target.pk,
            community=big,
            data={"quality": "helpful"},
        )

    def level():
        target = member()
        return Activity(
            verb="level.changed",
            target_user_id=target.pk,
            community=rng.choice(communities),
            data={"before": 1, "after": 2, "points": 50},
        )

    makers = {
        "post.created": reply,
        "reaction.added": react,
        "post.edited": edit,
        "answer.accepted": accept,
        "endorsement.added": endorsed,
        "level.changed": level,
    }
    results, every = {}, []
    for verb in VERBS:
        times, queries, awarded = [], [], 0
        while len(times) < samples:
            entry = makers[verb]()
            if entry is None:
                continue
            entry = portable(entry) if entry.pk else entry
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                awarded += awarding.on_activity(entry)
                times.append((time.perf_counter() - began) * 1000)
            queries.append(len(captured.captured_queries))
        every += times
        results[verb] = {
            "n": len(times),
            "median": S.percentile(times, 0.5),
            "p95": S.percentile(times, 0.95),
            "max": max(times),
            "queries": f"{min(queries)}-{max(queries)}",
            "awarded": awarded,
        }
    return {
        "vendor": connection.vendor,
        "members": len(member_ids),
        "posts": Post.objects.count(),
        "badges": len(B.BADGES),
        "backfill": backfill,
        "verbs": results,
        "all": {
            "n": len(every),
            "median": S.percentile(every, 0.5),
            "p95": S.percentile(every, 0.95),
            "max": max(every),
            "awarded": sum(r["awarded"] for r in results.values()),
        },
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(int(sys.argv[2])), default=str))
    else:
        main()
