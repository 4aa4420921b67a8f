"""Community thread list: keyset pagination, page 500 against page 1, SQLite and PostgreSQL.

For each database: seed one community with --threads threads (200,000 by default, one
post each: the list does not read posts), walk the cursors of
``forums.queries.threads(...)`` to page --page (25 threads a page, as the community
home), then time page 1 and page 500 alternately, in-process (a worker subprocess with
the database's environment), anonymous and, if the function takes ``user=``, signed in.
Prints median and p99 of each and their ratio, and the query plans (EXPLAIN QUERY PLAN
on SQLite, EXPLAIN ANALYZE on PostgreSQL) of both pages. Then, over HTTP on daphne,
one client at a time: the API (/api/v1/communities/<slug>/threads?limit=25[&cursor=])
and the community home page (/c/<slug>/[?cursor=]).

    .venv/bin/python bench/thread_list.py                       # both, 200,000 threads
    .venv/bin/python bench/thread_list.py --database sqlite --threads 20000 --page 100
"""

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _server as S  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--threads", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--page", type=int, default=500, help="The far page (default 500).")
    parser.add_argument("--limit", type=int, default=25, help="Threads per page (default 25).")
    parser.add_argument("--iterations", type=int, default=300, help="Timed calls per page.")
    parser.add_argument("--http-seconds", type=float, default=5.0, help="0: no HTTP part.")
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.25,
        help="Before timing, wait until other work keeps at most this many cores busy "
        "(-1: don't wait).",
    )
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.threads < args.page * args.limit:
        sys.exit(f"--threads must be at least page x limit = {args.page * args.limit}.")

    print(f"# thread list bench, {date.today()}, {S.machine()}")
    report = {"date": str(date.today()), "machine": S.machine(), "engines": {}}
    for engine in S.engines_from(args.database):
        report["engines"][engine] = bench_engine(engine, args)
    print_report(report, args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))


def bench_engine(engine, args):
    print(f"\n== {engine}: seeding {args.threads} threads")
    db = S.make_database(engine, "bench_list")
    try:
        summary = db.seed(members=args.members, threads=args.threads, posts_per_thread=1, pinned=2)
        print(
            f"   {summary['threads']} threads, {summary['posts']} posts, {summary['users']} "
            f"members in {summary['seconds']} s (seed_scale; {summary['wall_seconds']} s wall)"
        )
        slug = summary["big_community"]
        print(f"== {engine}: timing forums.queries.threads in-process")
        worker_args = [
            "--worker",
            slug,
            str(args.page),
            str(args.limit),
            str(args.iterations),
            summary["sample_user"]["username"],
        ]
        if args.quiet >= 0:
            S.wait_quiet(args.quiet)
        result = json.loads(db.run_python(Path(__file__), *worker_args))
        result["seed"] = summary
        if args.http_seconds:
            result["http"] = http_part(db, slug, result["cursor"], args)
        return result
    finally:
        if args.keep:
            print(f"   kept: {db.workdir} {db.pg_name}")
        else:
            db.drop()


def http_part(db, slug, cursor, args):
    print(f"== {db.engine}: over HTTP (daphne, 1 client)")
    cases = {
        "/healthz": "/healthz",
        "API page 1": f"/api/v1/communities/{slug}/threads?limit={args.limit}",
        f"API page {args.page}": (
            f"/api/v1/communities/{slug}/threads?limit={args.limit}&cursor={quote(cursor)}"
        ),
        "home page 1": f"/c/{slug}/",
        f"home page {args.page}": f"/c/{slug}/?cursor={quote(cursor)}",
    }
    out = {}
    with S.server(db, "daphne") as srv:
        for name, path in cases.items():
            status, _ = S.get(srv, path)
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}")
            r = S.load(
                srv,
                path,
                concurrency=1,
                duration=args.http_seconds,
                warmup=1.0,
                quiet=args.quiet if args.quiet >= 0 else None,
            )
            out[name] = r.__dict__
            print(
                f"   {name:<16} {r.rps:7.1f} req/s  p50 {r.p50_ms:6.2f} ms  p99 {r.p99_ms:6.2f} ms"
            )
    return out


def print_report(report, args):
    far = args.page
    print(f"\n## forums.queries.threads(): page 1 vs page {far} ({args.limit} a page), ms")
    rows = []
    for engine, r in report["engines"].items():
        for who, t in r["timings"].items():
            one, other = t["1"], t[str(far)]
            rows.append(
                (
                    engine,
                    who,
                    f"{one['median']:.2f}",
                    f"{one['p99']:.2f}",
                    f"{other['median']:.2f}",
                    f"{other['p99']:.2f}",
                    f"{other['median'] / one['median']:.2f}",
                    f"{r['walk_seconds']:.1f} s",
                )
            )
    print(
        S.fmt_table(
            (
                "engine",
                "reader",
                "p1 median",
                "p1 p99",
                f"p{far} median",
                f"p{far} p99",
                "ratio (median)",
                f"walk to p{far}",
            ),
            rows,
        )
    )
    if any("http" in r for r in report["engines"].values()):
        print("\n## Over HTTP (daphne, DEBUG=0, 1 client, keep-alive)")
        rows = []
        for engine, r in report["engines"].items():
            for name, h in r.get("http", {}).items():
                rows.append(
                    (engine, name, f"{h['rps']:.1f}", f"{h['p50_ms']:.2f}", f"{h['p99_ms']:.2f}")
                )
        print(S.fmt_table(("engine", "URL", "rps", "p50 ms", "p99 ms"), rows))
    print("\n## Every sort of the list: page 1 and page 2, median ms (needs a matching index)")
    rows = []
    for engine, r in report["engines"].items():
        for sort, t in r["sorts"].items():
            plan = t["plan"]
            sorted_all = "TEMP B-TREE" in plan or "Sort Method" in plan or "Sort Key" in plan
            rows.append(
                (
                    engine,
                    sort,
                    f"{t['page 1']:.2f}",
                    f"{t['page 2']:.2f}" if t["page 2"] is not None else "-",
                    "sorts the rows" if sorted_all else "index order",
                )
            )
    print(S.fmt_table(("engine", "sort", "page 1", "page 2", "plan"), rows))
    for engine, r in report["engines"].items():
        for sort, t in r["sorts"].items():
            if sort != "latest":
                head = "\n".join(t["plan"].splitlines()[:14])
                print(f"\n## {engine} plan, sort={sort}, page 1 (first lines):\n{head}")
    for engine, r in report["engines"].items():
        for page, plan in r["plans"].items():
            print(f"\n## {engine} plan, page {page}:\n{plan}")
        print(f"\n## {engine} SQL, page {far}:\n{r['sql']}")


# --- worker: runs with the database's environment --------------------------------------


def worker(slug, far, limit, iterations, username):
    import inspect

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from community.models import Community, User
    from forums import queries

    community = Community.objects.get(slug=slug)
    takes_user = "user" in inspect.signature(queries.threads).parameters
    member = User.objects.get(username=username)
    readers = {"anonymous": {}}
    if takes_user:
        readers["member"] = {"user": member}

    # The cursor of page ``far``: the "next" of page far - 1.
    started = time.perf_counter()
    cursor, seen = None, set()
    for _page in range(far - 1):
        rows, cursor = queries.threads(community, cursor=cursor, limit=limit)
        seen.update(t.pk for t in rows)
    walk_seconds = time.perf_counter() - started
    assert len(seen) == (far - 1) * limit, "pages overlap or are short"
    far_rows, _ = queries.threads(community, cursor=cursor, limit=limit)
    assert len(far_rows) == limit and not seen & {t.pk for t in far_rows}

    timings = {}
    for who, extra in readers.items():
        samples = {1: [], far: []}
        for _ in range(10):  # warm
            queries.threads(community, limit=limit, **extra)
            queries.threads(community, cursor=cursor, limit=limit, **extra)
        for _ in range(iterations):
            for page, page_cursor in ((1, None), (far, cursor)):
                began = time.perf_counter()
                queries.threads(community, cursor=page_cursor, limit=limit, **extra)
                samples[page].append((time.perf_counter() - began) * 1000)
        timings[who] = {
            str(page): {
                "median": S.percentile(values, 0.5),
                "p99": S.percentile(values, 0.99),
                "min": min(values),
            }
            for page, values in samples.items()
        }

    # Page 1 and 2 of every sort (the home page's sort menu): is there an index for each?
    sorts = {}
    for sort in queries.SORTS:
        values = {1: [], 2: []}
        for _ in range(max(3, iterations // 30)):
            began = time.perf_counter()
            _rows, next_cursor = queries.threads(community, sort=sort, limit=limit)
            values[1].append((time.perf_counter() - began) * 1000)
            if next_cursor:
                began = time.perf_counter()
                queries.threads(community, sort=sort, cursor=next_cursor, limit=limit)
                values[2].append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            queries.threads(community, sort=sort, limit=limit)
        sorts[sort] = {
            "page 1": S.percentile(values[1], 0.5),
            "page 2": S.percentile(values[2], 0.5) if values[2] else None,
            "plan": explain(connection, ctx.captured_queries[-1]["sql"]),
        }

    plans, sql = {}, ""
    for page, page_cursor in ((1, None), (far, cursor)):
        with CaptureQueriesContext(connection) as ctx:
            queries.threads(community, cursor=page_cursor, limit=limit)
        sql = [q["sql"] for q in ctx.captured_queries if "forums_thread" in q["sql"]][-1]
        plans[str(page)] = explain(connection, sql)
    return {
        "vendor": connection.vendor,
        "cursor": cursor,
        "walk_seconds": walk_seconds,
        "timings": timings,
        "plans": plans,
        "sql": sql,
        "sorts": sorts,
    }


def explain(connection, sql):
    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            c.execute("EXPLAIN QUERY PLAN " + sql)
            return "\n".join(f"  {row[-1]}" for row in c.fetchall())
        c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(f"  {row[0]}" for row in c.fetchall())


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        slug, far, limit, iterations, username = sys.argv[2:7]
        print(json.dumps(worker(slug, int(far), int(limit), int(iterations), username)))
    else:
        main()
