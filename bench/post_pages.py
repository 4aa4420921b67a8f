"""Pages of one long thread: any page against page 1, SQLite and PostgreSQL.

For each database: seed one thread of --posts posts (200,000 by default) with
seed_scale, then, in-process (a worker subprocess with the database's environment),
time alternately page 1, page 2, the middle page and the last page of the thread:

- ``forums.queries.post_rows`` (what the thread page reads, 50 posts) and
  ``forums.queries.posts`` (the API's ``GET /threads/{id}/posts?after=``);
- the whole thread page through the middleware (``/c/<slug>/t/<id>/?after=<post id>``,
  anonymous, DEBUG=0), rendering included;

and, for comparison, ``post_rows`` as it was before (``id > cursor ORDER BY number``).
Prints medians, p99 and each page's ratio to page 1 (the target: at most 1.5), and
the query plans of the middle page.

    .venv/bin/python bench/post_pages.py                          # both, 200,000 posts
    .venv/bin/python bench/post_pages.py --database sqlite --posts 1000000
"""

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _server as S  # noqa: E402

TARGET = 1.5


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--posts", type=int, default=200_000, help="Posts in the long thread.")
    parser.add_argument("--iterations", type=int, default=200, help="Timed calls per page.")
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

    print(f"# post pages bench, {date.today()}, {S.machine()}")
    report = {"date": str(date.today()), "machine": S.machine(), "engines": {}}
    for engine in S.engines_from(args.database):
        report["engines"][engine] = bench_engine(engine, args)
    print_report(report, args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))
    failed = [
        (engine, what, page)
        for engine, r in report["engines"].items()
        for what, pages in r["timings"].items()
        for page, t in pages.items()
        if t["ratio"] > TARGET
    ]
    if failed:
        print(f"\nOVER {TARGET}x page 1: {failed}")


def bench_engine(engine, args):
    print(f"\n== {engine}: seeding a thread of {args.posts} posts")
    db = S.make_database(engine, "bench_post_pages")
    try:
        summary = db.seed(
            members=2000, threads=100, posts_per_thread=1, big_thread_posts=args.posts
        )
        print(
            f"   {summary['posts']} posts, {summary['threads']} threads in "
            f"{summary['seconds']} s (seed_scale; {summary['wall_seconds']} s wall)"
        )
        if args.quiet >= 0:
            S.wait_quiet(args.quiet)
        print(f"== {engine}: timing in-process")
        result = json.loads(
            db.run_python(
                Path(__file__), "--worker", str(summary["big_thread"]), str(args.iterations)
            )
        )
        result["seed"] = summary
        return result
    finally:
        if args.keep:
            print(f"   kept: {db.workdir} {db.pg_name}")
        else:
            db.drop()


def print_report(report, args):
    for engine, r in report["engines"].items():
        n = r["posts"]
        print(f"\n## {engine}: a thread of {n} posts, 50 a page, ms (ratio = median / page 1's)")
        rows = []
        for what, pages in r["timings"].items():
            for page, t in pages.items():
                rows.append(
                    (
                        what,
                        page,
                        f"{t['median']:.2f}",
                        f"{t['p99']:.2f}",
                        f"{t['ratio']:.2f}",
                        "ok" if t["ratio"] <= TARGET else "OVER",
                    )
                )
        print(S.fmt_table(("what", "page", "median", "p99", "ratio", f"<= {TARGET}"), rows))
        before = ", ".join(f"page {name} {ms:.2f}" for name, ms in r["before"].items())
        print(f"\nBefore (post_rows keyed on id > cursor, ORDER BY number), median ms: {before}")
        for name, plan in r["plans"].items():
            print(f"\n## {engine} plan, {name}:\n{plan}")


# --- worker: runs with the database's environment --------------------------------------


def worker(thread_id, iterations):
    import django

    django.setup()
    from django.core.handlers.base import BaseHandler
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from forums import queries
    from forums.models import Post, Thread

    thread = Thread.objects.select_related("community").get(pk=thread_id)
    n = thread.post_count
    per_page = 50

    def cursor(number):  # the id of the post that ends the page before
        return Post.objects.values_list("pk", flat=True).get(thread=thread, number=number)

    pages = {
        "1": None,
        "2": cursor(per_page),
        "middle": cursor((n // 2 // per_page) * per_page),
        "last": cursor(((n - 1) // per_page) * per_page),
    }
    # Each page starts where it should.
    for name, after in pages.items():
        rows, _next = queries.post_rows(thread, after=after, limit=per_page)
        first = 1 if after is None else Post.objects.get(pk=after).number + 1
        assert rows and rows[0]["number"] == first, (name, rows[:1])

    handler = BaseHandler()
    handler.load_middleware()
    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    url = f"/c/{thread.community.slug}/t/{thread.pk}/"

    def page(after):
        response = handler.get_response(factory.get(url + (f"?after={after}" if after else "")))
        assert response.status_code == 200, response.status_code
        response.close()

    cases = {
        "post_rows (page's query)": lambda after: queries.post_rows(
            thread, after=after, limit=per_page
        ),
        "posts (API's query)": lambda after: queries.posts(thread, after=after, limit=per_page),
        "thread page (whole view)": page,
    }
    timings = {}
    for what, call in cases.items():
        samples = {name: [] for name in pages}
        for _ in range(5):  # warm
            for after in pages.values():
                call(after)
        runs = iterations if "view" not in what else max(20, iterations // 4)
        for _ in range(runs):
            for name, after in pages.items():
                began = time.perf_counter()
                call(after)
                samples[name].append((time.perf_counter() - began) * 1000)
        one = S.percentile(samples["1"], 0.5)
        timings[what] = {
            name: {
                "median": S.percentile(values, 0.5),
                "p99": S.percentile(values, 0.99),
                "ratio": S.percentile(values, 0.5) / one,
            }
            for name, values in samples.items()
        }

    # What the pages ran before: the cursor's id compared with ids, sorted by number
    # (the same post_rows, with the former cursor condition swapped in).
    keyed_on_number = queries._after_post

    def keyed_on_id(queryset, _thread, after):
        return queryset.filter(pk__gt=after) if after else queryset

    before = {}
    queries._after_post = keyed_on_id
    try:
        for name, after in pages.items():
            runs = []
            for _ in range(3 if n > 100_000 else 10):
                began = time.perf_counter()
                queries.post_rows(thread, after=after, limit=per_page)
                runs.append((time.perf_counter() - began) * 1000)
            before[name] = S.percentile(runs, 0.5)
        with CaptureQueriesContext(connection) as ctx:
            queries.post_rows(thread, after=pages["middle"], limit=per_page)
        old_plan = explain(connection, ctx.captured_queries[-1]["sql"])
    finally:
        queries._after_post = keyed_on_number

    plans = {}
    with CaptureQueriesContext(connection) as ctx:
        queries.post_rows(thread, after=pages["middle"], limit=per_page)
    plans["middle page, post_rows"] = explain(connection, ctx.captured_queries[-1]["sql"])
    plans["middle page, before (id > cursor)"] = old_plan
    return {
        "vendor": connection.vendor,
        "posts": n,
        "timings": timings,
        "before": before,
        "plans": plans,
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
        print(json.dumps(worker(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        main()
