"""Shared machinery of the benchmarks: databases, seeding, servers, a load generator.

The bench scripts never import Django themselves: each database (a SQLite file in a
temporary directory, or a throwaway PostgreSQL database) is described by an
environment, and everything that needs Django (migrate, seed_scale, counting queries,
timing ORM calls) runs in a subprocess with that environment. So one bench run can
cover SQLite and PostgreSQL in turn.

Servers run with production settings (DJANGO_DEBUG=0) through a small settings module
written to the temporary directory: it imports ``community.site.settings`` and only swaps
the static files storage for the plain one (no collectstatic needed), puts STATIC_ROOT
in the temporary directory and quietens logging. The page and the baseline view are
served by the same process with the same settings and middleware.

Run as a script, this module also answers ``queries`` (query counts of pages,
in-process through the middleware, with CaptureQueriesContext: those the reader waits
for, and those run after the response), used by thread_page.py.
"""

import asyncio
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

BENCH_SETTINGS = '''\
"""Benchmark settings: production settings, plain static storage, quiet logs."""

from community.site.settings import *  # noqa: F403
from community.site.settings import STORAGES, VAR_DIR

STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
'''


# --- databases ------------------------------------------------------------------------


def postgres_answers(port=5432):
    try:
        socket.create_connection((HOST, port), 1).close()
    except OSError:
        return False
    return True


@dataclass
class Database:
    """One database to bench and the environment that points Django at it."""

    engine: str  # "sqlite" or "postgres"
    workdir: Path
    env: dict = field(default_factory=dict)
    pg_name: str = ""

    def manage(self, *args, capture=False, check=True):
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=check,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )

    def migrate(self):
        self.manage("migrate", "-v", "0")

    def seed(self, **options):
        """Run seed_scale with ``options`` (names as the command's, _ for -); return its summary."""
        args = ["seed_scale", "--json", "--force"]
        for name, value in options.items():
            if value is None or value is False:
                continue
            args.append("--" + name.replace("_", "-"))
            if value is not True:
                args.append(str(value))
        started = time.perf_counter()
        out = self.manage(*args, capture=True).stdout
        summary = json.loads(out.strip().splitlines()[-1])
        summary["wall_seconds"] = round(time.perf_counter() - started, 1)
        return summary

    def run_python(self, script, *args):
        """Run a Python file with this database's environment; return its stdout."""
        return subprocess.run(
            [PYTHON, str(script), *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            text=True,
            stdout=subprocess.PIPE,
        ).stdout

    def drop(self):
        if self.engine == "postgres" and self.pg_name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.workdir, ignore_errors=True)


def _pg_admin(sql):
    import psycopg

    with psycopg.connect(
        PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as c:
        c.execute(sql)


def base_env(workdir):
    """Production settings (DEBUG=0) for 127.0.0.1, with the bench settings module."""
    (workdir / "bench_settings.py").write_text(BENCH_SETTINGS)
    (workdir / "static").mkdir(exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(workdir), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789abcdef0123456789abcdef",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "http://127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_VAR_DIR": str(workdir),
            "DJANGO_EMAIL_BACKEND": "locmem",
            "DJANGO_TASKS_BACKEND": "immediate",
            # The API's per-IP limit (1200/min) would turn an HTTP bench into 429s.
            "API_RATE_LIMIT": "100000000/m",
        }
    )
    return env


def make_database(engine, name, *, redis_url=""):
    """A fresh, migrated database: SQLite in a temp dir, or PostgreSQL ``name`` (recreated)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{engine}-"))
    env = base_env(workdir)
    db = Database(engine=engine, workdir=workdir, env=env)
    if engine == "postgres":
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}"')
        db.pg_name = name
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    elif engine != "sqlite":
        raise ValueError(engine)
    if redis_url:
        env["REDIS_URL"] = redis_url
    db.migrate()
    return db


def engines_from(choice):
    if choice == "both":
        return ["sqlite", "postgres"] if postgres_answers() else ["sqlite"]
    if choice == "postgres" and not postgres_answers():
        sys.exit("PostgreSQL does not answer on 127.0.0.1:5432.")
    return [choice]


# --- servers --------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def have_gunicorn():
    return (BIN / "gunicorn").exists()


@contextlib.contextmanager
def server(db, kind="daphne", workers=1):
    """Start daphne (ASGI) or gunicorn (WSGI, sync workers) on a free port; stop it by PID."""
    port = free_port()
    if kind == "daphne":
        if workers != 1:
            raise ValueError("daphne runs one process here")
        cmd = [str(BIN / "daphne"), "-v", "0", "-b", HOST, "-p", str(port)]
        cmd.append("community.site.asgi:application")
    elif kind == "gunicorn":
        cmd = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"{HOST}:{port}"]
        cmd += ["--log-level", "warning", "community.site.wsgi:application"]
    else:
        raise ValueError(kind)
    log = open(db.workdir / f"{kind}-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(cmd, cwd=ROOT, env=db.env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(port, process, db.workdir / f"{kind}-{port}.log")
        yield Server(base=f"http://{HOST}:{port}", pid=process.pid, kind=kind)
    finally:
        stop_process(process)
        log.close()


@dataclass
class Server:
    base: str
    pid: int
    kind: str


TICK = os.sysconf("SC_CLK_TCK")


def cpu_snapshot(pid):
    """CPU seconds (user + system) used so far by ``pid`` with its descendants, and by all
    PostgreSQL processes (the database's share of the work, on PostgreSQL)."""
    children = {}
    tree = postgres = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat.split(" (", 1)[1].rsplit(")", 1)
        fields = rest.split()
        used = (int(fields[11]) + int(fields[12])) / TICK
        children.setdefault(int(fields[1]), []).append((int(entry.name), used))
        if int(entry.name) == pid:
            tree += used
        if name == "postgres":
            postgres += used
    todo = [pid]
    while todo:
        for child, used in children.get(todo.pop(), []):
            tree += used
            todo.append(child)
    return tree, postgres


def process_tree_cpu(pid):
    return cpu_snapshot(pid)[0]


def machine_cpu_seconds():
    """CPU seconds the whole machine has spent busy (all cores, from /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def busy_cores(seconds=2.0):
    """How many cores the machine keeps busy over ``seconds`` (0 to os.cpu_count())."""
    before = machine_cpu_seconds()
    time.sleep(seconds)
    return (machine_cpu_seconds() - before) / seconds


def wait_quiet(max_busy=0.25, timeout=900.0, note=print):
    """Wait until the machine is idle (other work would skew the numbers); return busy cores.

    Called between cases, while the bench's own server is idle, so what it sees is other
    people's work. Gives up after ``timeout`` seconds and says so.
    """
    deadline = time.monotonic() + timeout
    busy = busy_cores()
    warned = False
    while busy > max_busy and time.monotonic() < deadline:
        if not warned:
            note(f"   waiting: the machine is busy ({busy:.2f} cores) with other work")
            warned = True
        time.sleep(10)
        busy = busy_cores()
    if busy > max_busy:
        note(f"   WARNING: still {busy:.2f} cores busy with other work; numbers are skewed")
    return busy


def wait_ready(port, process, log_path, timeout=60, path="/healthz"):
    """Wait until the server on ``port`` answers 200 on ``path`` (path None: accepts TCP)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{Path(log_path).read_text()[-3000:]}")
        try:
            if path is None:
                socket.create_connection((HOST, port), 1).close()
                return
            status, _ = get(f"http://{HOST}:{port}", path)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready after {timeout} s:\n{Path(log_path).read_text()[-3000:]}")


def stop_process(process):
    """SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _split(base):
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def get(base, path, cookie=""):
    host, port = _split(base.base if isinstance(base, Server) else base)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _cookies(response, jar):
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def login(base, email, password):
    """Sign in through /accounts/login/ as a browser would; return the Cookie header."""
    base = base.base if isinstance(base, Server) else base
    host, port = _split(base)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    jar = {}
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        page = response.read().decode()
        _cookies(response, jar)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode({"login": email, "password": password, "csrfmiddlewaretoken": token})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"{base}/accounts/login/",
        }
        conn.request("POST", "/accounts/login/", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        _cookies(response, jar)
    finally:
        conn.close()
    if response.status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"login failed: HTTP {response.status}")
    return f"sessionid={jar['sessionid']}"


# --- load generator -------------------------------------------------------------------


@dataclass
class Result:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    statuses: dict
    tool: str = "python"
    server_cpu_ms: float = float("nan")  # app server CPU per request (with SQLite's work)
    db_cpu_ms: float = float("nan")  # PostgreSQL processes' CPU per request
    client_cpu_ms: float = float("nan")  # load generator CPU per request
    loadavg: float = float("nan")  # 1-minute load average before the case
    busy_before: float = float("nan")  # cores busy with other work just before the case
    other_cores: float = float("nan")  # cores busy during the case minus server and client


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


async def _read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked, close = None, False, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection" and "close" in value.lower():
            close = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
        close = True
    return status, close


async def _client(base, request, start_at, stop_at, latencies, statuses, done):
    host, port = _split(base)
    reader = writer = None
    loop = asyncio.get_running_loop()
    while True:
        if writer is None:
            reader, writer = await asyncio.open_connection(host, port)
        began = loop.time()
        if began >= stop_at:
            break
        writer.write(request)
        try:
            status, close = await _read_response(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            statuses["error"] = statuses.get("error", 0) + 1
            writer.close()
            writer = None
            continue
        ended = loop.time()
        if start_at <= ended < stop_at:
            done[0] += 1
            statuses[status] = statuses.get(status, 0) + 1
            if began >= start_at:
                latencies.append(ended - began)
        if close:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _load(base, path, concurrency, duration, warmup, cookie, pid):
    host, _ = _split(base)
    headers = [f"GET {path} HTTP/1.1", f"Host: {host}", "User-Agent: bench", "Accept: */*"]
    if cookie:
        headers.append(f"Cookie: {cookie}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    start_at = loop.time() + warmup
    stop_at = start_at + duration
    latencies, statuses, done = [], {}, [0]
    cpu = {}

    def sample(moment):
        cpu[moment] = (
            *cpu_snapshot(pid or -1),
            time.process_time(),
            machine_cpu_seconds(),
        )

    loop.call_at(start_at, sample, "start")
    loop.call_at(stop_at, sample, "stop")
    await asyncio.gather(
        *(
            _client(base, request, start_at, stop_at, latencies, statuses, done)
            for _ in range(concurrency)
        )
    )
    errors = sum(n for status, n in statuses.items() if status != 200)
    per_request = {}
    if done[0] and "start" in cpu and "stop" in cpu:
        server_cpu, db_cpu, client_cpu, machine_cpu = (
            stop - start for start, stop in zip(cpu["start"], cpu["stop"], strict=True)
        )
        per_request = {
            "server_cpu_ms": server_cpu * 1000 / done[0] if pid else float("nan"),
            "db_cpu_ms": db_cpu * 1000 / done[0],
            "client_cpu_ms": client_cpu * 1000 / done[0],
            "other_cores": (machine_cpu - server_cpu - db_cpu - client_cpu) / duration,
        }
    return Result(
        requests=done[0],
        seconds=duration,
        rps=done[0] / duration,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        errors=errors,
        statuses=statuses,
        **per_request,
    )


def load(
    server,
    path,
    *,
    concurrency=16,
    duration=10.0,
    warmup=2.0,
    cookie="",
    tool="auto",
    quiet=None,
):
    """Keep ``concurrency`` keep-alive connections busy on ``path`` for ``duration`` s.

    Requests finishing during the warm-up are not counted. Uses wrk when it is on PATH
    (and tool is "auto" or "wrk"), else the asyncio client above. With ``quiet`` (a
    number of cores), first waits until other work keeps at most that many cores busy.
    """
    base, pid = (server.base, server.pid) if isinstance(server, Server) else (server, 0)
    for attempt in range(3):
        busy = wait_quiet(quiet) if quiet is not None else float("nan")
        loadavg = os.getloadavg()[0]
        if tool in ("auto", "wrk") and shutil.which("wrk"):
            result = _wrk(base, path, concurrency, duration, warmup, cookie, pid)
        else:
            result = asyncio.run(_load(base, path, concurrency, duration, warmup, cookie, pid))
        result.loadavg = loadavg
        result.busy_before = busy
        # Other work started during the case: measure again (at most twice).
        if quiet is None or not result.other_cores > quiet + 0.25 or attempt == 2:
            return result
        print(f"   other work during the case ({result.other_cores:.2f} cores): again")
    return result


def _wrk(base, path, concurrency, duration, warmup, cookie, pid):
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    url = base + path
    if warmup:
        subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(warmup))}s", *header, url],
            check=True,
            capture_output=True,
        )
    cpu_before = process_tree_cpu(pid) if pid else 0.0  # wrk: server CPU only
    out = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{round(duration)}s", "--latency", *header, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    cpu_used = (process_tree_cpu(pid) - cpu_before) if pid else float("nan")

    def ms(text):
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Result(
        requests=requests,
        seconds=duration,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=ms(re.search(r"50%\s+(\S+)", out).group(1)),
        p99_ms=ms(re.search(r"99%\s+(\S+)", out).group(1)),
        errors=int(non2xx.group(1)) if non2xx else 0,
        statuses={},
        tool="wrk",
        server_cpu_ms=cpu_used * 1000 / max(requests, 1),
    )


def median_result(results):
    """The run with the median requests/s (its own percentiles, not mixed)."""
    ordered = sorted(results, key=lambda r: r.rps)
    return ordered[(len(ordered) - 1) // 2]


def fmt_table(headers, rows):
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out += [line.format(*row) for row in rows]
    return "\n".join(out)


def machine():
    cpus = os.cpu_count()
    model = ""
    with contextlib.suppress(OSError):
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    return f"{cpus} CPUs ({model}), Python {sys.version.split()[0]}"


# --- in-process query counts (run as: python bench/_server.py queries ...) ------------


def _count_queries(paths, username):
    """Queries of each page, in-process, split where the reader stops waiting.

    Each request goes through the project's middleware (BaseHandler.get_response, as
    the servers do); the queries until the response is ready are what the reader waits
    for, those of the response's closers (``response.close()``, which the servers call
    once the response is sent) come after it.
    """
    import django

    django.setup()
    from django.core.handlers.base import BaseHandler
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext

    from community.models import User

    writes = re.compile(r"^\s*(INSERT|UPDATE|DELETE)", re.IGNORECASE)
    handler = BaseHandler()
    handler.load_middleware()
    login = Client(HTTP_HOST="127.0.0.1")
    login.force_login(User.objects.get(username=username))
    result = {}
    for who in ("anonymous", "member"):
        factory = RequestFactory(HTTP_HOST="127.0.0.1")
        if who == "member":
            factory.cookies["sessionid"] = login.cookies["sessionid"].value
        for path in paths:
            # The first visit of this reader, then a repeat (steady state: caches warm,
            # read markers written).
            for visit in ("first", "repeat"):
                with CaptureQueriesContext(connection) as ctx:
                    response = handler.get_response(factory.get(path))
                    served = len(ctx.captured_queries)
                    response.close()
                sqls = [q["sql"] for q in ctx.captured_queries]
                during, after = sqls[:served], sqls[served:]
                result.setdefault(path, {}).setdefault(who, {})[visit] = {
                    "status": response.status_code,
                    "queries": len(during),
                    "writes": sum(1 for sql in during if writes.match(sql)),
                    "after": len(after),
                    "writes_after": sum(1 for sql in after if writes.match(sql)),
                    "bytes": len(response.content),
                    "sql": [sql[:200] for sql in during],
                    "sql_after": [sql[:200] for sql in after],
                }
    return result


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "queries":
        print(json.dumps(_count_queries(sys.argv[3:], sys.argv[2])))
    else:
        sys.exit("usage: _server.py queries USERNAME PATH...")
