"""The site-wide KPI report at scale: time per section, queries, memory; SQLite and PostgreSQL.

For each database: ``seed_scale`` data with reactions and the activity ledger
(``--reactions --ledger --join-spread --crm-share 0.9``: 100,000 members, about
1,000,000 posts and 3,000,000 reactions over 10 communities by default, every member in
every community, half of them founders and half joining over the year), then, in a
worker process with the database's environment (production settings, DEBUG off):

- ``report.build(scope.site(), period.parse(start, end, "day"), communities=True)`` for
  the ``--days`` days to today: a warm-up run, instrumented (seconds and SQL statements
  per section function of ``community.kpis``, the slowest statements with their plans),
  then ``--runs`` clean runs (the median is the figure), then one run under tracemalloc
  (peak of Python allocations) and the process's peak RSS growth;
- the sections of the other engine on their own (``support.questions``, ``support.series``,
  ``sections.ideas/content/moderation/social``), each timed apart.

Targets (issue 17): under 10 s on SQLite, 5 s on PostgreSQL; at twice the posts and
reactions (``--double``), at most 2.2 times the time and 1.1 times the memory.

    .venv/bin/python bench/kpis_report.py --reuse                  # seed once, keep, time
    .venv/bin/python bench/kpis_report.py --reuse --db sqlite --double   # and the 2x ratio
    .venv/bin/python bench/kpis_report.py --members 5000 --posts 50000 --reactions 150000
    .venv/bin/python bench/kpis_report.py --reuse --seed-only --db postgres

Databases: without ``--reuse``, a fresh SQLite file in a temporary directory or a
PostgreSQL database ``kpibench`` (127.0.0.1:5432, user postgres), dropped afterwards
(``--keep`` keeps it). With ``--reuse``, the database kept for these sizes: a directory
under ``--dir`` (default /tmp/kpibench) for SQLite, a database ``kpib_<sizes>`` for
PostgreSQL, seeded and kept on first use (a marker file under ``--dir`` says the seeding
finished). On PostgreSQL the bench runs ``VACUUM ANALYZE`` on the ledger after seeding,
as autovacuum would after a bulk load.
"""

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _kpis as K  # noqa: E402
import _server as S  # noqa: E402

TARGETS = {"sqlite": 10.0, "postgres": 5.0}
MIB = K.MIB


# --- the report worker ------------------------------------------------------------------


def worker(days, runs, explain_top):
    K.worker_env()
    import gc
    import tracemalloc
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from community.kpis import period, report, scope
    from community.kpis.period import site_zone

    today = timezone.now().astimezone(site_zone()).date()
    start, end = (today - timedelta(days=days - 1)).isoformat(), today.isoformat()

    def build():
        return report.build(
            scope.site(), period.parse(start, end, "day"), goals=True, communities=True
        )

    out = {"vendor": connection.vendor, "start": start, "end": end, "days": days}
    watch = K.Watch()
    stats = K.instrument(watch)
    rss_before = K.rss_mib()
    peak_before = K.peak_rss_mib()
    with connection.execute_wrapper(watch):
        started = time.perf_counter()
        result = build()
        out["warmup_seconds"] = time.perf_counter() - started
    out["queries"] = len(watch.queries)
    out["query_seconds"] = sum(q[0] for q in watch.queries)
    by_section = {}
    for seconds, section, _sql, _params in watch.queries:
        entry = by_section.setdefault(section, [0, 0.0])
        entry[0] += 1
        entry[1] += seconds
    out["sections"] = [
        {
            "name": name,
            "calls": calls,
            "seconds": seconds,
            "top": top,
            "queries": by_section.get(name, [0, 0.0])[0],
            "query_seconds": by_section.get(name, [0, 0.0])[1],
        }
        for name, (calls, seconds, top) in sorted(stats.items(), key=lambda kv: -kv[1][1])
    ]
    out["outside_sections"] = by_section.get("report", [0, 0.0])
    slowest = sorted(watch.queries, key=lambda q: -q[0])[:explain_top]
    out["slowest"] = []
    for seconds, section, sql, params in slowest:
        try:
            plan = K.explain(connection, sql, params)
        except Exception as error:
            plan = [f"(no plan: {error})"]
        out["slowest"].append(
            {
                "seconds": seconds,
                "section": section,
                "sql": sql,
                "params": repr(params)[:300],
                "plan": plan,
            }
        )
    out["figures"] = {
        "members": result.get("members"),
        "interactions": result.get("interactions"),
        "questions": result.get("questions"),
        "communities": len(result.get("communities") or []),
        "series": len(result.get("series") or []),
    }
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        build()
        times.append(time.perf_counter() - started)
    out["runs"] = times
    out["median_seconds"] = statistics.median(times)
    gc.collect()
    tracemalloc.start()
    build()
    out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / MIB
    tracemalloc.stop()
    out["rss_growth_mib"] = K.peak_rss_mib() - peak_before
    out["rss_before_mib"] = rss_before
    out["engine_b"] = engine_b(start, end)
    return out


def engine_b(start, end):
    """The other engine's sections on their own (their API is fixed by the contract)."""
    from community.kpis import period, scope

    try:
        from community.kpis import sections, support
    except ImportError as error:
        return {"error": str(error)}
    site = scope.site()
    span = period.parse(start, end, "day")
    calls = {
        "support.questions": lambda: support.questions(site, span),
        "support.series (days)": lambda: support.series(site, span.buckets()),
        "sections.ideas": lambda: sections.ideas(site, span),
        "sections.content": lambda: sections.content(site, span),
        "sections.moderation": lambda: sections.moderation(site, span),
        "sections.social": lambda: sections.social(site, span),
    }
    timings = {}
    for name, call in calls.items():
        try:
            call()  # warm
            started = time.perf_counter()
            call()
            timings[name] = time.perf_counter() - started
        except Exception as error:
            timings[name] = f"error: {error!r}"[:200]
    return timings


# --- printing -------------------------------------------------------------------------


def print_result(label, result):
    seed = result["seed"]
    engine = result["engine"]
    print(
        f"\n## {label}: site-wide report, {result['days']} days ({result['start']} to "
        f"{result['end']}), by day, communities side by side"
    )
    print(
        f"data: {seed['users']:,} members, {seed['posts']:,} posts, {seed['reactions']:,} "
        f"reactions, {seed['activity']:,} ledger entries, {seed['communities']} communities"
    )
    runs = ", ".join(f"{t:.2f}" for t in result["runs"])
    target = TARGETS[engine]
    median = result["median_seconds"]
    print(
        f"report.build: median {median:.2f} s of [{runs}] (warm-up, instrumented: "
        f"{result['warmup_seconds']:.2f} s) -> target < {target:.0f} s: "
        f"{'met' if median < target else 'NOT met'}"
    )
    print(
        f"queries: {result['queries']} ({result['query_seconds']:.2f} s executing); memory: "
        f"tracemalloc peak {result['tracemalloc_peak_mib']:.1f} MiB, peak RSS growth "
        f"{result['rss_growth_mib']:.1f} MiB (RSS before {result['rss_before_mib']:.0f} MiB)"
    )
    rows = [
        (
            s["name"] + ("" if s["top"] else " (nested)"),
            str(s["calls"]),
            f"{s['seconds']:.3f}",
            str(s["queries"]) if s["top"] else "",
            f"{s['query_seconds']:.3f}" if s["top"] else "",
        )
        for s in result["sections"]
    ]
    outside = result["outside_sections"]
    rows.append(("(report.py itself)", "", "", str(outside[0]), f"{outside[1]:.3f}"))
    print(S.fmt_table(("section (warm-up run)", "calls", "s", "queries", "SQL s"), rows))
    b = result.get("engine_b") or {}
    if b:
        print("engine B's sections alone (second call):")
        print(
            S.fmt_table(
                ("function", "s"),
                [(k, f"{v:.3f}" if isinstance(v, float) else str(v)) for k, v in b.items()],
            )
        )
    print("slowest statements (execute time):")
    for number, q in enumerate(result["slowest"], 1):
        sql = " ".join(q["sql"].split())
        print(f" {number}. {q['seconds']:.3f} s  [{q['section']}]  {sql[:400]}")
        print(f"    params: {q['params'][:200]}")
        for line in q["plan"][:14]:
            print(f"      {line}")
    print(f"figures: {json.dumps(result['figures'], default=str)[:600]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    K.add_common(parser)
    parser.add_argument("--explain", type=int, default=5, help="Plans of the N slowest.")
    args = parser.parse_args()
    print(f"# KPI report bench, {date.today()}, {S.machine()}")

    def measure(db, size, summary):
        raw = db.run_python(
            Path(__file__), "--worker", str(args.days), str(args.runs), str(args.explain)
        )
        result = json.loads(raw.strip().splitlines()[-1])
        result["engine"] = db.engine
        print_result(f"{db.engine}, {K.key(size)}", {**result, "seed": summary})
        return result

    results = K.each_run(args, measure)
    if args.seed_only:
        return
    print("\n## summary")
    rows = []
    for label, r in results.items():
        rows.append(
            (
                label,
                f"{r['seed']['posts']:,}",
                f"{r['seed']['reactions']:,}",
                f"{r['median_seconds']:.2f}",
                f"< {TARGETS[r['engine']]:.0f}",
                str(r["queries"]),
                f"{r['tracemalloc_peak_mib']:.1f}",
                f"{r['rss_growth_mib']:.1f}",
            )
        )
    print(
        S.fmt_table(
            ("run", "posts", "reactions", "median s", "target", "queries", "py MiB", "RSS+ MiB"),
            rows,
        )
    )
    for line in K.ratio_lines(results, "median_seconds", "tracemalloc_peak_mib"):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        days, runs, top = (int(x) for x in sys.argv[2:5])
        print(json.dumps(worker(days, runs, top), default=str))
    elif sys.argv[1:] == ["--vacuum"]:
        K.vacuum()  # as _kpis.py --vacuum
    else:
        main()
