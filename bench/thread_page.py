"""Thread page throughput and query budget, on SQLite and PostgreSQL.

For each database: seed with seed_scale (threads with exactly 1, 20 and 100 posts among
the bulk), count the SQL queries of the thread page in-process (through the middleware,
with CaptureQueriesContext, anonymous and signed in: those before the response and those
its closers run after it), then start the server and measure
requests/s and latency at 16 concurrent keep-alive readers for:

- /healthz, the minimal Django view (same process, settings and middleware): the baseline;
- the 1-post and the 20-post thread pages;
- the 100-post thread page: the page shows 50 posts (POSTS_PER_PAGE), so this is its
  first page, 50 posts rendered; the queries table also shows its second page (?after=);

anonymous and signed in (a session from a real login through /accounts/login/).
ratio = rps(page) / rps(/healthz) from the same run.

    .venv/bin/python bench/thread_page.py        # both databases, daphne and gunicorn
    .venv/bin/python bench/thread_page.py --server daphne --members 20000 --threads 20000
    .venv/bin/python bench/thread_page.py --database sqlite --duration 5
"""

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path

import _server as S

HERE = Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--server",
        choices=["daphne", "gunicorn", "both"],
        default="both",
        help="daphne (the shipped ASGI server) and/or gunicorn (WSGI, 1 sync worker; only "
        "if installed in .venv). Default: both.",
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds measured per case.")
    parser.add_argument("--warmup", type=float, default=2.0, help="Seconds not counted per case.")
    parser.add_argument("--repeat", type=int, default=1, help="Rounds; the median is shown.")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=50_000)
    parser.add_argument("--posts-per-thread", default="1-39", help="seed_scale's spec.")
    parser.add_argument("--tool", choices=["auto", "python", "wrk"], default="auto")
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.25,
        help="Before each case, wait until other work keeps at most this many cores busy "
        "(-1: don't wait).",
    )
    parser.add_argument("--redis", default="", help="REDIS_URL for the server (default: none).")
    parser.add_argument("--keep", action="store_true", help="Keep the databases.")
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")
    args = parser.parse_args()

    servers = ["daphne", "gunicorn"] if args.server == "both" else [args.server]
    if "gunicorn" in servers and not S.have_gunicorn():
        if args.server == "gunicorn":
            sys.exit("gunicorn is not installed in .venv (pip install gunicorn).")
        servers.remove("gunicorn")
        print("note: gunicorn is not installed, daphne only")
    print(f"# thread page bench, {date.today()}, {S.machine()}")
    print(
        f"# {args.concurrency} concurrent keep-alive clients, {args.duration:g} s per case "
        f"(+{args.warmup:g} s warm-up), {args.repeat} round(s), DEBUG=0, 1 server process"
    )
    report = {"date": str(date.today()), "machine": S.machine(), "engines": {}}
    for engine in S.engines_from(args.database):
        report["engines"][engine] = bench_engine(engine, servers, args)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))


def bench_engine(engine, servers, args):
    print(f"\n== {engine}: seeding")
    db = S.make_database(engine, "bench_pages", redis_url=args.redis)
    try:
        summary = db.seed(
            members=args.members,
            threads=args.threads,
            posts_per_thread=args.posts_per_thread,
            page_threads="1,20,100",
        )
        print(
            f"   {summary['users']} members, {summary['threads']} threads, "
            f"{summary['posts']} posts in {summary['seconds']} s (seed_scale)"
        )
        slug = summary["big_community"]
        ids = summary["page_threads"]
        pages = {
            "1 post": f"/c/{slug}/t/{ids['1']}/",
            "20 posts": f"/c/{slug}/t/{ids['20']}/",
            "100 posts, page 1 (50 shown)": f"/c/{slug}/t/{ids['100']}/",
        }
        hundred = pages["100 posts, page 1 (50 shown)"]
        result = {"seed": summary, "queries": {}, "load": {}}
        # The second page of the 100-post thread: its ?after= link, read from page one.
        with S.server(db, servers[0]) as base:
            status, body = S.get(base, hundred)
            after = re.search(rb"\?after=(\d+)", body)
            if status != 200 or not after:
                raise RuntimeError(f"100-post thread page: HTTP {status}, no next link")
        pages["100 posts, page 2 (?after=)"] = hundred + f"?after={after.group(1).decode()}"

        print(f"== {engine}: counting queries in-process")
        counted = json.loads(
            db.run_python(
                HERE / "_server.py", "queries", summary["sample_user"]["username"], *pages.values()
            )
        )
        for name, path in pages.items():
            result["queries"][name] = counted[path]

        cases = [("/healthz", "anonymous", "/healthz")]
        for who in ("anonymous", "member"):
            cases += [
                ("1 post", who, pages["1 post"]),
                ("20 posts", who, pages["20 posts"]),
                ("100 posts (p1: 50)", who, hundred),
            ]
        for kind in servers:
            print(f"== {engine}: load on {kind}")
            with S.server(db, kind) as srv:
                cookie = S.login(srv, summary["sample_user"]["email"], summary["password"])
                runs = {case[:2]: [] for case in cases}
                for _round in range(args.repeat):
                    for name, who, path in cases:
                        measured = S.load(
                            srv,
                            path,
                            concurrency=args.concurrency,
                            duration=args.duration,
                            warmup=args.warmup,
                            cookie=cookie if who == "member" else "",
                            tool=args.tool,
                            quiet=args.quiet if args.quiet >= 0 else None,
                        )
                        runs[(name, who)].append(measured)
                        print(
                            f"   {name:<20} {who:<9} {measured.rps:8.1f} req/s  "
                            f"p50 {measured.p50_ms:6.1f} ms  p99 {measured.p99_ms:6.1f} ms  "
                            f"server CPU {measured.server_cpu_ms:5.2f} ms/req  "
                            f"other work {measured.busy_before:.2f} before, "
                            f"{measured.other_cores:.2f} during (cores)"
                            + (f"  errors {measured.statuses}" if measured.errors else "")
                        )
                result["load"][kind] = {
                    f"{name}|{who}": {
                        **S.median_result(rs).__dict__,
                        "rounds_rps": [round(r.rps, 1) for r in rs],
                    }
                    for (name, who), rs in runs.items()
                }
        return result
    finally:
        if args.keep:
            print(f"   kept: {db.workdir} {db.pg_name}")
        else:
            db.drop()


def print_report(report):
    print("\n## Requests per second (median round), ratio = rps(page) / rps(/healthz)")
    rows = []
    for engine, result in report["engines"].items():
        for kind, cases in result["load"].items():
            base = cases["/healthz|anonymous"]["rps"]
            for key, r in cases.items():
                name, who = key.split("|")
                rows.append(
                    (
                        engine,
                        kind,
                        name,
                        who,
                        f"{r['rps']:.1f}",
                        f"{r['p50_ms']:.1f}",
                        f"{r['p99_ms']:.1f}",
                        f"{r['rps'] / base:.3f}" if base else "-",
                        f"{r['server_cpu_ms']:.2f}",
                        f"{r['db_cpu_ms']:.2f}" if engine == "postgres" else "-",
                        f"{r['client_cpu_ms']:.2f}",
                        f"{r['other_cores']:.2f}",
                        str(r["errors"]),
                    )
                )
    headers = (
        "engine",
        "server",
        "page",
        "reader",
        "rps",
        "p50 ms",
        "p99 ms",
        "ratio",
        "srv ms/req",
        "pg ms/req",
        "cli ms/req",
        "other cores",
        "errors",
    )
    print(S.fmt_table(headers, rows))

    print(
        "\n## SQL queries per thread page view (in-process): first visit / repeat visit;"
        "\n## w = writes before the response, + = queries after it (response closers)"
    )
    rows = []
    for engine, result in report["engines"].items():
        for name, by_who in result["queries"].items():
            cells = []
            for who in ("anonymous", "member"):
                visits = [by_who[who][visit] for visit in ("first", "repeat")]
                cells.append(
                    " / ".join(
                        f"{v['queries']} (w {v['writes']}, +{v.get('after', 0)}"
                        f" w {v.get('writes_after', 0)})"
                        for v in visits
                    )
                )
            size = by_who["anonymous"]["repeat"]["bytes"]
            status = {by_who[w][v]["status"] for w in by_who for v in by_who[w]}
            rows.append(
                (
                    engine,
                    name,
                    *cells,
                    f"{size / 1024:.0f} KiB",
                    ",".join(map(str, status)),
                )
            )
    print(S.fmt_table(("engine", "thread", "anonymous", "member", "html", "http"), rows))
    for engine, result in report["engines"].items():
        for who in ("anonymous", "member"):
            sqls = result["queries"]["20 posts"][who]["repeat"]["sql"]
            print(f"\n## {engine}: the 20-post page's queries, {who}, repeat visit")
            print("\n".join(f"  {i}. {sql[:150]}" for i, sql in enumerate(sqls, 1)))
        after = result["queries"]["20 posts"]["member"]["first"].get("sql_after", [])
        print(f"\n## {engine}: after the response, member, first visit (read marker)")
        print("\n".join(f"  {i}. {sql[:150]}" for i, sql in enumerate(after, 1)) or "  none")
    seeds = {e: r["seed"] for e, r in report["engines"].items()}
    for engine, seed in seeds.items():
        print(
            f"seed ({engine}): {seed['users']} members, {seed['threads']} threads, "
            f"{seed['posts']} posts, {seed['seconds']} s"
        )


if __name__ == "__main__":
    main()
