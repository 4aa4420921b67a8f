"""Community home and site home at 100 and at 100,000 members, SQLite and PostgreSQL.

For each database engine, two databases seeded by seed_scale: one community with
--small members (100 by default) and one with --large (100,000), 200 threads each.
In each, in-process through the middleware (DEBUG=0; a worker subprocess with the
database's environment), time the site home (``/``) and the community home
(``/c/<slug>/``), anonymous and signed in, alternately; and, for comparison, what
each page paid before per request: counting the community's active memberships (the
annotation that ``community.queries`` ran). Prints medians, p99 and the ratio
large / small (the target: the same cost, about 1).

    .venv/bin/python bench/community_pages.py                       # both engines
    .venv/bin/python bench/community_pages.py --database sqlite --large 20000
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=100, help="Timed requests per page.")
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

    print(f"# community pages bench, {date.today()}, {S.machine()}")
    report = {"date": str(date.today()), "machine": S.machine(), "engines": {}}
    for engine in S.engines_from(args.database):
        report["engines"][engine] = {
            size: bench_size(engine, size, args) for size in (args.small, args.large)
        }
    print_report(report, args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))


def bench_size(engine, members, args):
    print(f"\n== {engine}: seeding {members} members")
    db = S.make_database(engine, f"bench_community_{members}")
    try:
        summary = db.seed(members=members, threads=args.threads, posts_per_thread="1-5")
        print(
            f"   {summary['users']} members, {summary['threads']} threads in "
            f"{summary['seconds']} s (seed_scale; {summary['wall_seconds']} s wall)"
        )
        if args.quiet >= 0:
            S.wait_quiet(args.quiet)
        print(f"== {engine}: timing in-process")
        result = json.loads(
            db.run_python(
                Path(__file__),
                "--worker",
                summary["big_community"],
                summary["sample_user"]["username"],
                str(args.iterations),
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
    small, large = args.small, args.large
    print(f"\n## In-process, DEBUG=0: median (p99) ms; ratio = {large} / {small} members")
    rows = []
    for engine, sizes in report["engines"].items():
        for key in sizes[small]["timings"]:
            a, b = sizes[small]["timings"][key], sizes[large]["timings"][key]
            rows.append(
                (
                    engine,
                    key,
                    f"{a['median']:.2f} ({a['p99']:.2f})",
                    f"{b['median']:.2f} ({b['p99']:.2f})",
                    f"{b['median'] / a['median']:.2f}",
                    f"{a['queries']} / {b['queries']}",
                )
            )
    print(
        S.fmt_table(
            ("engine", "page", f"{small} members", f"{large} members", "ratio", "queries"), rows
        )
    )
    print("\n## What each page paid before: COUNT of the community's active memberships, ms")
    rows = [
        (
            engine,
            f"{sizes[small]['count_before']:.2f}",
            f"{sizes[large]['count_before']:.2f}",
            str(sizes[large]["member_count"]),
        )
        for engine, sizes in report["engines"].items()
    ]
    print(S.fmt_table(("engine", f"{small} members", f"{large} members", "member_count"), rows))


# --- worker: runs with the database's environment --------------------------------------


def worker(slug, username, iterations):
    import django

    django.setup()
    from django.core.handlers.base import BaseHandler
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext

    from community.models import Community, Membership, User

    community = Community.objects.get(slug=slug)
    active = Membership.objects.filter(community=community, state="active").count()
    assert community.member_count == active, (community.member_count, active)

    handler = BaseHandler()
    handler.load_middleware()
    login = Client(HTTP_HOST="127.0.0.1")
    login.force_login(User.objects.get(username=username))
    readers = {"anonymous": RequestFactory(HTTP_HOST="127.0.0.1")}
    readers["member"] = RequestFactory(HTTP_HOST="127.0.0.1")
    readers["member"].cookies["sessionid"] = login.cookies["sessionid"].value
    pages = {"site home": "/", "community home": f"/c/{slug}/"}

    def get(factory, path):
        response = handler.get_response(factory.get(path))
        assert response.status_code == 200, (path, response.status_code)
        response.close()

    cases = [(page, who) for page in pages for who in readers]
    samples = {case: [] for case in cases}
    counts = {}
    for page, who in cases:
        for _ in range(3):  # warm: caches, read markers
            get(readers[who], pages[page])
        with CaptureQueriesContext(connection) as ctx:
            get(readers[who], pages[page])
        counts[(page, who)] = len(ctx.captured_queries)
    for _ in range(iterations):
        for page, who in cases:
            began = time.perf_counter()
            get(readers[who], pages[page])
            samples[(page, who)].append((time.perf_counter() - began) * 1000)

    # The annotation every community page ran before (community.queries._annotated).
    counting = Community.objects.filter(pk=community.pk).annotate(
        counted=Count("memberships", filter=Q(memberships__state="active"))
    )
    runs = []
    for _ in range(max(10, iterations // 5)):
        began = time.perf_counter()
        list(counting.values_list("counted", flat=True))
        runs.append((time.perf_counter() - began) * 1000)
    return {
        "vendor": connection.vendor,
        "member_count": community.member_count,
        "timings": {
            f"{page}, {who}": {
                "median": S.percentile(values, 0.5),
                "p99": S.percentile(values, 0.99),
                "queries": counts[(page, who)],
            }
            for (page, who), values in samples.items()
        },
        "count_before": S.percentile(runs, 0.5),
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        main()
