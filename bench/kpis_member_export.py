"""The member-level KPI export (the CRM's) at scale: seconds and memory, SQLite and PostgreSQL.

The same databases as ``kpis_report.py`` (seed_scale with reactions and the ledger,
``--reuse`` shares the kept ones; 90 % of the members consent to the CRM export). In a
worker process with the database's environment (production settings):
``exports.member_rows(scope, period, pseudonymise=False)`` written as CSV by
``exports.write("csv", ...)`` into a sink that counts the bytes and keeps none (so the
rows are streamed end to end), for the ``--days`` days to today:

- **one community of 100,000 members** (every seeded member is in every community):
  the issue's "member-level export of 100,000 members", against the targets; a warm-up,
  ``--runs`` timed runs (the median is the figure), one under tracemalloc (peak of Python
  allocations during the export), and the process's peak RSS growth over all of them;
- the same pseudonymised (an HMAC per row), for information;
- **site-wide** (every community: a row per member and community, about ten times the
  rows), for information: timed once, with its memory.

Targets (issue 17): under 3 s on SQLite, 2.5 s on PostgreSQL, memory growth under
64 MiB; at twice the posts and reactions (``--double``) at most 2.2 times the time and
1.1 times the memory.

    .venv/bin/python bench/kpis_member_export.py --reuse
    .venv/bin/python bench/kpis_member_export.py --reuse --db sqlite --double
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

TARGETS = {"sqlite": 3.0, "postgres": 2.5}
MEMORY_TARGET_MIB = 64
MIB = 1024 * 1024


class Sink:
    """A binary file that keeps nothing: counts bytes and writes."""

    def __init__(self):
        self.bytes = 0
        self.writes = 0

    def write(self, data):
        self.bytes += len(data)
        self.writes += 1
        return len(data)


def worker(days, runs):
    K.worker_env()
    import gc
    import tracemalloc
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from community.kpis import exports, period, scope
    from community.kpis.period import site_zone
    from community.models import Community

    today = timezone.now().astimezone(site_zone()).date()
    start, end = (today - timedelta(days=days - 1)).isoformat(), today.isoformat()
    span = period.parse(start, end, "day")
    big = Community.objects.order_by("pk").first()
    one = scope.of(big)
    site = scope.site()

    def export(where, pseudonymise=False):
        watch = K.Watch()
        with connection.execute_wrapper(watch):
            started = time.perf_counter()
            header, rows = exports.member_rows(where, span, pseudonymise=pseudonymise)
            manifest = exports.manifest(
                "members",
                where,
                span,
                rows=None,
                generated_at=timezone.now(),
                pseudonymised=pseudonymise,
            )
            sink = Sink()
            written = exports.write("csv", manifest, header, rows, sink)
            seconds = time.perf_counter() - started
        return {
            "seconds": seconds,
            "rows": written,
            "bytes": sink.bytes,
            "queries": len(watch.queries),
            "query_seconds": sum(q[0] for q in watch.queries),
            "slowest": [
                (round(q[0], 3), " ".join(q[2].split())[:300])
                for q in sorted(watch.queries, key=lambda q: -q[0])[:3]
            ],
        }

    out = {"vendor": connection.vendor, "start": start, "end": end, "days": days}
    out["community"] = big.slug
    peak_before = K.peak_rss_mib()
    out["rss_before_mib"] = K.rss_mib()
    out["warmup"] = export(one)
    times = []
    for _ in range(runs):
        gc.collect()
        times.append(export(one)["seconds"])
    out["runs"] = times
    out["median_seconds"] = statistics.median(times)
    gc.collect()
    tracemalloc.start()
    export(one)
    out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / MIB
    tracemalloc.stop()
    out["rss_growth_mib"] = K.peak_rss_mib() - peak_before
    gc.collect()
    out["pseudonymised"] = export(one, pseudonymise=True)
    gc.collect()
    peak_site = K.peak_rss_mib()
    out["site"] = export(site)
    tracemalloc.start()
    export(site)
    out["site"]["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / MIB
    tracemalloc.stop()
    out["site"]["rss_growth_mib"] = K.peak_rss_mib() - peak_site
    return out


def print_result(label, result):
    seed = result["seed"]
    engine = result["engine"]
    warm = result["warmup"]
    print(
        f"\n## {label}: member-level CSV export, {result['days']} days ({result['start']} to "
        f"{result['end']})"
    )
    print(
        f"data: {seed['users']:,} members, {seed['posts']:,} posts, {seed['reactions']:,} "
        f"reactions, {seed['activity']:,} ledger entries, {seed['communities']} communities"
    )
    target = TARGETS[engine]
    median = result["median_seconds"]
    memory = max(result["tracemalloc_peak_mib"], result["rss_growth_mib"])
    runs = ", ".join(f"{t:.2f}" for t in result["runs"])
    print(
        f"one community ({result['community']}): {warm['rows']:,} rows, "
        f"{warm['bytes'] / MIB:.1f} MiB of CSV, {warm['queries']} queries"
    )
    print(
        f"  median {median:.2f} s of [{runs}] (warm-up {warm['seconds']:.2f} s, SQL executing "
        f"{warm['query_seconds']:.2f} s) -> target < {target} s: "
        f"{'met' if median < target else 'NOT met'}"
    )
    print(
        f"  memory: tracemalloc peak {result['tracemalloc_peak_mib']:.1f} MiB, peak RSS growth "
        f"{result['rss_growth_mib']:.1f} MiB -> target < {MEMORY_TARGET_MIB} MiB: "
        f"{'met' if memory < MEMORY_TARGET_MIB else 'NOT met'}"
    )
    pseudo = result["pseudonymised"]
    print(f"  pseudonymised: {pseudo['seconds']:.2f} s, {pseudo['rows']:,} rows")
    site = result["site"]
    print(
        f"site-wide (information): {site['rows']:,} rows, {site['bytes'] / MIB:.1f} MiB, "
        f"{site['seconds']:.2f} s, {site['queries']} queries, tracemalloc peak "
        f"{site['tracemalloc_peak_mib']:.1f} MiB, peak RSS growth {site['rss_growth_mib']:.1f} MiB"
    )
    print("slowest statements (one community, warm-up, execute time):")
    for seconds, sql in warm["slowest"]:
        print(f"  {seconds:.3f} s  {sql}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    K.add_common(parser)
    args = parser.parse_args()
    print(f"# KPI member export bench, {date.today()}, {S.machine()}")

    def measure(db, size, summary):
        raw = db.run_python(Path(__file__), "--worker", str(args.days), str(args.runs))
        result = json.loads(raw.strip().splitlines()[-1])
        result["engine"] = db.engine
        print_result(f"{db.engine}, {K.key(size)}", {**result, "seed": summary})
        return result

    results = K.each_run(args, measure)
    if args.seed_only:
        return
    print("\n## summary (one community of the members, CSV)")
    rows = []
    for label, r in results.items():
        rows.append(
            (
                label,
                f"{r['seed']['posts']:,}",
                f"{r['warmup']['rows']:,}",
                f"{r['median_seconds']:.2f}",
                f"< {TARGETS[r['engine']]}",
                f"{r['tracemalloc_peak_mib']:.1f}",
                f"{r['rss_growth_mib']:.1f}",
                f"{r['site']['seconds']:.2f}",
            )
        )
    print(
        S.fmt_table(
            ("run", "posts", "rows", "median s", "target", "py MiB", "RSS+ MiB", "site s"), rows
        )
    )
    for line in K.ratio_lines(results, "median_seconds", "tracemalloc_peak_mib"):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(int(sys.argv[2]), int(sys.argv[3])), default=str))
    else:
        main()
