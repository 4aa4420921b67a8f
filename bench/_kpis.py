"""Shared by the KPI benches (``kpis_report.py``, ``kpis_member_export.py``): the seeded
databases (sizes, seed_scale's options, kept or fresh, SQLite or PostgreSQL), running a
worker per database and scale, and measuring in the worker (statements by section,
memory).

Run as a script with ``--vacuum`` (in a database's environment) it runs ``VACUUM
ANALYZE``, as autovacuum would after a bulk load.
"""

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _server as S  # noqa: E402

POSTS_PER_THREAD = "1-9"  # 5 on average
MIB = 1024 * 1024


def add_common(parser):
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000, help="About this many.")
    parser.add_argument("--reactions", type=int, default=3_000_000, help="About this many.")
    parser.add_argument("--communities", type=int, default=10)
    parser.add_argument("--days", type=int, default=90, help="The report's range, to today.")
    parser.add_argument("--runs", type=int, default=3, help="Timed runs after the warm-up.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse", action="store_true", help="Use (or seed and keep) the database of --dir."
    )
    parser.add_argument("--dir", type=Path, default=Path("/tmp/kpibench"))
    parser.add_argument("--keep", action="store_true", help="Keep a fresh database.")
    parser.add_argument("--seed-only", action="store_true", help="Seed (and keep), time nothing.")
    parser.add_argument(
        "--double",
        action="store_true",
        help="Also at twice the posts and reactions, and print the ratios.",
    )
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")


def sizes(args, factor=1):
    return {
        "members": args.members,
        "posts": args.posts * factor,
        "reactions": args.reactions * factor,
        "communities": args.communities,
        "seed": args.seed,
    }


def key(size):
    return (
        f"{size['members']}m_{size['posts']}p_{size['reactions']}r_{size['communities']}c"
        f"_s{size['seed']}"
    )


def seed_options(size):
    threads = max(1, round(size["posts"] / 5 / size["communities"]))
    return {
        "members": size["members"],
        "communities": size["communities"],
        "threads": threads,
        "threads_per_other": threads,
        "posts_per_thread": POSTS_PER_THREAD,
        "reactions": size["reactions"],
        "ledger": True,
        "join_spread": True,
        "crm_share": 0.9,
        "seed": size["seed"],
        "prefix": "kpi",
    }


def environment(workdir):
    env = S.base_env(workdir)
    (workdir / "bench_settings.py").write_text(S.BENCH_SETTINGS)
    return env


def fresh(engine, name):
    """A new migrated database (as ``_server.make_database``, with these settings)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"kpibench-{engine}-"))
    env = environment(workdir)
    db = S.Database(engine=engine, workdir=workdir, env=env)
    if engine == "postgres":
        S._pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        S._pg_admin(f'CREATE DATABASE "{name}"')
        db.pg_name = name
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    db.migrate()
    return db


def database(engine, size, args):
    """``(db, seed summary, fresh)``: the kept database of these sizes, or a fresh one."""
    if args.reuse:
        args.dir.mkdir(parents=True, exist_ok=True)
        name = key(size)
        marker = args.dir / f"{engine}-{name}.json"
        if engine == "sqlite":
            workdir = args.dir / f"sqlite-{name}"
            if marker.exists() and (workdir / "db.sqlite3").exists():
                db = S.Database(engine, workdir, environment(workdir))
                db.migrate()  # a kept database gets the migrations written since (indexes)
                return db, json.loads(marker.read_text()), False
            shutil.rmtree(workdir, ignore_errors=True)
            workdir.mkdir(parents=True)
            db = S.Database(engine, workdir, environment(workdir))
        else:
            pg_name = f"kpib_{name}"
            workdir = Path(tempfile.mkdtemp(prefix="kpibench-pg-"))
            env = environment(workdir)
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
            db = S.Database(engine, workdir, env, pg_name=pg_name)
            if marker.exists() and _pg_exists(pg_name):
                db.migrate()  # a kept database gets the migrations written since (indexes)
                return db, json.loads(marker.read_text()), False
            S._pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            S._pg_admin(f'CREATE DATABASE "{pg_name}"')
        db.migrate()
        summary = _seed(db, size)
        marker.write_text(json.dumps(summary))
        return db, summary, True
    db = fresh(engine, "kpibench")
    return db, _seed(db, size), True


def _pg_exists(name):
    import psycopg

    url = S.PG_ADMIN_URL.replace("postgres://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return found.fetchone() is not None


def _seed(db, size):
    print(f"   seeding {key(size)} ...", flush=True)
    summary = db.seed(**seed_options(size))
    if db.engine == "postgres":
        started = time.perf_counter()
        db.run_python(Path(__file__), "--vacuum")
        summary["vacuum_seconds"] = round(time.perf_counter() - started, 1)
    print(
        f"   seeded: {summary['users']:,} members, {summary['threads']:,} threads, "
        f"{summary['posts']:,} posts, {summary['reactions']:,} reactions, "
        f"{summary['activity']:,} ledger entries in {summary['seconds']} s"
        + (
            f" (+ VACUUM ANALYZE {summary['vacuum_seconds']} s)"
            if "vacuum_seconds" in summary
            else ""
        ),
        flush=True,
    )
    return summary


def release(db, args, fresh):
    if args.reuse or args.keep or args.seed_only:
        if db.engine == "postgres":
            shutil.rmtree(db.workdir, ignore_errors=True)  # settings only; the database stays
        print(f"   kept: {db.pg_name or db.workdir}")
    else:
        db.drop()


def each_run(args, measure):
    """Seed (or reuse) and ``measure(db, size, seed_summary)`` per engine and scale."""
    results = {}
    factors = [1, 2] if args.double else [1]
    for engine in S.engines_from(args.db):
        for factor in factors:
            size = sizes(args, factor)
            label = f"{engine} x{factor}"
            print(f"\n== {label}: {key(size)}", flush=True)
            db, summary, fresh = database(engine, size, args)
            try:
                if args.seed_only:
                    results[label] = {"seed": summary}
                    continue
                result = measure(db, size, summary)
                result["seed"] = summary
                result["engine"] = engine
                result["factor"] = factor
                results[label] = result
            finally:
                release(db, args, fresh)
    return results


def worker_env():
    """Django set up in the worker process, quiet."""
    import logging

    import django

    django.setup()
    logging.getLogger("django").setLevel(logging.ERROR)


def ratio_lines(results, time_key, memory_key, max_time=2.2, max_memory=1.1):
    lines = []
    for engine in ("sqlite", "postgres"):
        one, two = results.get(f"{engine} x1"), results.get(f"{engine} x2")
        if not one or not two or time_key not in one:
            continue
        t = two[time_key] / one[time_key] if one[time_key] else float("inf")
        m = two[memory_key] / one[memory_key] if one[memory_key] else float("inf")
        lines.append(
            f"{engine}: 2x data -> {t:.2f}x time (target <= {max_time}: "
            f"{'met' if t <= max_time else 'NOT met'}), {m:.2f}x memory (target <= {max_memory}: "
            f"{'met' if m <= max_memory else 'NOT met'})"
        )
    return lines


class Watch:
    """Counts and times SQL statements (``connection.execute_wrapper``) by section."""

    def __init__(self):
        self.queries = []  # (seconds, section, sql, params)
        self.section = "report"

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - started, self.section, sql, params))


def instrument(watch):
    """Wrap the functions and methods of the KPI modules to time them, by section.

    Returns ``{name: [calls, seconds, top]}``, filled as the report runs: a function
    called while another wrapped one runs counts inside its caller too (``top`` False
    unless it was also called from ``report.build`` directly). SQL statements count for
    the top-level function running them (``watch.section``).
    """
    import importlib
    import inspect
    import pkgutil

    import community.kpis as package

    skip = {"period", "scope", "definitions", "ledger", "registry", "models", "api", "urls"}
    skip |= {"views", "exports", "formats", "jobs", "forms", "actions", "display", "slots"}
    stats, stack = {}, []

    def wrap(func, label):
        def wrapped(*a, **kw):
            top = not stack
            stack.append(label)
            before = watch.section
            if top:
                watch.section = label
            started = time.perf_counter()
            try:
                return func(*a, **kw)
            finally:
                took = time.perf_counter() - started
                stack.pop()
                watch.section = before
                entry = stats.setdefault(label, [0, 0.0, False])
                entry[0] += 1
                entry[1] += took
                entry[2] = entry[2] or top

        wrapped.__wrapped__ = func
        return wrapped

    def plain(name):
        return name == "__init__" or not name.startswith("__")

    for info in pkgutil.iter_modules(package.__path__):
        if info.name in skip:
            continue
        module = importlib.import_module(f"community.kpis.{info.name}")
        for name, value in list(vars(module).items()):
            if getattr(value, "__module__", None) != module.__name__ or not plain(name):
                continue
            if inspect.isfunction(value) and not (info.name == "report" and name == "build"):
                setattr(module, name, wrap(value, f"{info.name}.{name}"))
            elif inspect.isclass(value):
                for attr, member in list(vars(value).items()):
                    if inspect.isfunction(member) and plain(attr):
                        setattr(value, attr, wrap(member, f"{info.name}.{name}.{attr}"))
    return stats


def explain(connection, sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return [row[0] for row in rows]
    return [str(row[-1]) for row in rows]


def rss_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mib():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vacuum():
    worker_env()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


if __name__ == "__main__" and sys.argv[1:] == ["--vacuum"]:
    vacuum()
