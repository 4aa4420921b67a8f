"""Real-time connections: 10,000 idle signed-in sockets on one daphne process.

For each server variant (channel layer x consumer dispatch) on a fresh SQLite database
with ``--sockets`` members, each with a session made in the database:

* open every socket (session cookie, ``subscribe`` to ``me``) and time it;
* resident memory per socket: VmRSS of the daphne process (/proc/<pid>/status) after
  the sockets are open and idle, minus VmRSS before, divided by the number of sockets;
* while they are all open, one post to a thread with 1,000 (anonymous) subscribers:
  p99 delivery, to compare with bench/realtime_fanout.py's figure without idle sockets;
* a network cut: every client drops its TCP connection at once (no closing handshake);
  once the server has let go of them, all reconnect and resubscribe with ``since`` (the
  ``last_id`` each was told): the time until the last ``subscribed``.

The same on a bare ``websockets`` server in the same run (the ceiling), and on daphne
serving that server's protocol without Django or Channels (daphne's own ceiling: what
its handshake and framing cost before the site does anything).

    .venv/bin/python bench/realtime_connections.py
    .venv/bin/python bench/realtime_connections.py --sockets 2000 --variants local/shipped
"""

import argparse
import asyncio
import json
import os
import resource
import time
from pathlib import Path

import _server as S
import _ws as W
import realtime_fanout as F


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


async def wait_released(pid, baseline, timeout=120):
    """Wait until the server holds at most ``baseline`` + 50 descriptors; seconds taken."""
    started = time.perf_counter()
    while open_fds(pid) > baseline + 50 and time.perf_counter() - started < timeout:
        await asyncio.sleep(0.1)
    return time.perf_counter() - started


async def measure(server, fixture, sockets, args, raw=False):
    sessions = fixture["sessions"][:sockets] if not raw else []
    cookies = [f"sessionid={key}" for key in sessions]
    thread = fixture["threads"][0] if not raw else 1
    # Warm the code paths (imports, first queries), then take the baseline.
    warm, _ = await W.open_clients(
        server.ws_url,
        server.origin,
        10,
        streams=["me"] if not raw else ["me:0"],
        cookies=None if raw else cookies[:10],
    )
    await W.close_clients(warm)
    await asyncio.sleep(1.5)
    fds_before = open_fds(server.pid)
    rss_before = W.rss_kib(server.pid)

    streams_of = [f"me:{n}" for n in range(sockets)] if raw else None

    async def open_all():
        if raw:
            gate = asyncio.Semaphore(args.concurrency)

            async def one(n):
                async with gate:
                    return await W.connect(server.ws_url, server.origin, "", [streams_of[n]])

            started = time.perf_counter()
            clients = await asyncio.gather(*(one(n) for n in range(sockets)))
            return list(clients), time.perf_counter() - started
        return await W.open_clients(
            server.ws_url,
            server.origin,
            sockets,
            streams=["me"],
            cookies=cookies,
            concurrency=args.concurrency,
        )

    clients, open_seconds = await open_all()
    await asyncio.sleep(3)
    rss_after = W.rss_kib(server.pid)
    row = {
        "sockets": sockets,
        "open_s": open_seconds,
        "rss_before_mib": rss_before / 1024,
        "rss_after_mib": rss_after / 1024,
        "kib_per_socket": (rss_after - rss_before) / sockets,
    }
    print(
        f"   {sockets} sockets open in {open_seconds:.1f} s; "
        f"RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MiB = "
        f"{row['kib_per_socket']:.1f} KiB per socket"
    )

    # Fan-out to 1,000 subscribers of one thread while the others idle.
    subscribers, _ = await W.open_clients(
        server.ws_url, server.origin, args.fanout, streams=[f"thread:{thread}"]
    )
    sites = {"A": subscribers}
    collector = F.Collector(sites)
    if raw:
        publisher = await W.connect(server.ws_url, server.origin)
        counter = [0]

        async def trigger(_n):
            counter[0] += 1
            return await F.publish_raw(publisher, thread, counter[0])
    else:
        publisher = None

        async def trigger(n):
            return await F.post(server, thread, fixture["token"], f"While idle {n}")

    latency = await F.latency_rounds(trigger, collector, sites, args.rounds, 2)
    fanout = F.summary("fan-out while idle", latency, None)
    row.update(fanout_p50_ms=fanout["p50_ms"], fanout_p99_ms=fanout["p99_ms"])
    row["fanout_missing"] = fanout["missing"]
    print(
        f"   fan-out to {args.fanout} with {sockets} idle: p50 {fanout['p50_ms']:.1f} ms, "
        f"p99 {fanout['p99_ms']:.1f} ms, missing {fanout['missing']}"
    )
    await W.close_clients(subscribers + ([publisher] if publisher else []))

    # The network cut, then everyone back with ``since``.
    for client in clients:
        client.abort()
    row["released_s"] = await wait_released(server.pid, fds_before)
    await asyncio.sleep(0.5)
    since = 0

    async def reopen():
        gate = asyncio.Semaphore(args.concurrency)

        async def one(n):
            async with gate:
                for attempt in range(8):
                    try:
                        client = await W.connect(
                            server.ws_url, server.origin, "" if raw else cookies[n]
                        )
                        stream = streams_of[n] if raw else "me"
                        client.send_json({"op": "subscribe", "stream": stream, "since": since})
                        answer = await client.reply()
                        while answer.get("op") != "subscribed":
                            if answer.get("op") == "error" and answer.get("reason") != "reload":
                                raise RuntimeError(answer)
                            answer = await client.reply()
                        return client
                    except (TimeoutError, OSError, ConnectionError):
                        if attempt == 7:
                            raise
                        await asyncio.sleep(min(5.0, 0.2 * 2**attempt))
                raise AssertionError("unreachable")

        started = time.perf_counter()
        clients = await asyncio.gather(*(one(n) for n in range(sockets)))
        return list(clients), time.perf_counter() - started

    cpu_before = W.cpu_seconds(server.pid)
    clients, reconnect_seconds = await reopen()
    row["reconnect_s"] = reconnect_seconds
    row["reconnect_server_cpu_s"] = W.cpu_seconds(server.pid) - cpu_before
    await asyncio.sleep(2)
    row["rss_after_reconnect_mib"] = W.rss_kib(server.pid) / 1024
    print(
        f"   cut: server let go in {row['released_s']:.1f} s; all {sockets} back and "
        f"subscribed in {reconnect_seconds:.1f} s (server CPU "
        f"{row['reconnect_server_cpu_s']:.1f} s); RSS {row['rss_after_reconnect_mib']:.0f} MiB"
    )
    await W.close_clients(clients)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=10000)
    parser.add_argument(
        "--variants",
        default="stock/stock,local/shipped",
        help="layer/consumer pairs (see realtime_fanout.py --help)",
    )
    parser.add_argument("--redis-variants", default="redis-pubsub/shipped")
    parser.add_argument("--redis", default=None)
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--fanout", type=int, default=1000, help="subscribers of the post")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=100, help="handshakes at a time")
    parser.add_argument("--no-raw", action="store_true")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare daphne ceiling")
    parser.add_argument("--quiet", type=float, default=0.5)
    parser.add_argument("--json")
    args = parser.parse_args()
    W.exit_on_sigterm()

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.sockets + args.fanout + 200
    if hard < need:
        raise SystemExit(f"ulimit -Hn is {hard}; {need} descriptors are needed")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    redis_url = "" if args.no_redis else (args.redis or F.redis_default())
    variants = [v.split("/") for v in args.variants.split(",") if v]
    if redis_url:
        variants += [v.split("/") for v in args.redis_variants.split(",") if v]
    print(f"Machine: {S.machine()}; Redis: {redis_url or 'none'}; ulimit -n {hard}")
    db = S.make_database("sqlite", "rt_connections")
    results = {"machine": S.machine(), "rows": []}
    try:
        fixture = W.run_django(db, "setup", "--users", str(args.sockets))
        if not args.no_raw:
            S.wait_quiet(args.quiet, timeout=300)
            print("raw websockets (the ceiling)")
            with W.raw_server(db.workdir) as raw:
                row = asyncio.run(measure(raw, fixture, args.sockets, args, raw=True))
            row["case"] = "raw websockets"
            results["rows"].append(row)
        if not args.no_bare:
            S.wait_quiet(args.quiet, timeout=300)
            print("bare daphne (daphne's ceiling: no Django, no Channels)")
            with W.bare_daphne(db) as bare:
                row = asyncio.run(measure(bare, fixture, args.sockets, args, raw=True))
            row["case"] = "bare daphne"
            results["rows"].append(row)
        for layer, dispatch in variants:
            S.wait_quiet(args.quiet, timeout=300)
            label = f"{layer}/{dispatch}"
            print(label)
            with W.daphne(db, layer=layer, dispatch=dispatch, redis_url=redis_url) as srv:
                row = asyncio.run(measure(srv, fixture, args.sockets, args))
            row["case"] = label
            results["rows"].append(row)
    finally:
        db.drop()

    print()
    print(f"{args.sockets:,} idle signed-in sockets on one process")
    raw = next((r for r in results["rows"] if r["case"] == "raw websockets"), None)
    headers = [
        "case",
        "open s",
        "KiB/socket",
        "vs raw",
        f"fan-out {args.fanout} p99 ms",
        "cut: released s",
        "reconnect+resubscribe s",
        "server CPU s",
    ]
    rows = [
        [
            r["case"],
            f"{r['open_s']:.1f}",
            f"{r['kib_per_socket']:.1f}",
            f"{r['kib_per_socket'] / raw['kib_per_socket']:.1f}x" if raw else "-",
            f"{r['fanout_p99_ms']:.1f}",
            f"{r['released_s']:.1f}",
            f"{r['reconnect_s']:.1f}",
            f"{r['reconnect_server_cpu_s']:.1f}",
        ]
        for r in results["rows"]
    ]
    print(S.fmt_table(headers, rows))
    print("Targets: <= 32 KiB per socket; reconnect and resubscribe < 10 s.")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
