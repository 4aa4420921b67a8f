"""Real-time catch-up: a client 1,000 events behind, back with ``subscribe`` and ``since``.

On a fresh SQLite database and one daphne process (the shipped settings and consumer
unless ``--layer`` / ``--dispatch`` say otherwise):

1. a client subscribes to a public thread (``thread:<id>``) and notes ``last_id``;
2. replies are written through ``forums.actions.reply`` in another process (stored in
   the outbox in the same transaction, as in production) until the stream is
   ``--behind`` events further;
3. a new client connects and sends ``{"op": "subscribe", "stream": "thread:<id>",
   "since": <last_id>}``; the time from that frame to the last missed event, and from
   the start of the handshake, ``--repeat`` times; every event must come exactly once,
   in id order.

The raw ``websockets`` server replays the same number of frames from memory: the ceiling.

    .venv/bin/python bench/realtime_catchup.py
    .venv/bin/python bench/realtime_catchup.py --behind 5000 --repeat 3
"""

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

import _server as S
import _ws as W


async def catch_up(server, stream, since, until, *, subscribe_extra=None):
    """Connect, subscribe with ``since``, wait for every id up to ``until``; timings in ms."""
    started = time.perf_counter()
    client = await W.connect(server.ws_url, server.origin)
    done = asyncio.get_running_loop().create_future()
    ids = []
    arrival = []

    def on_event(arrived, payload):
        event = json.loads(payload)
        if event.get("stream") != stream or event.get("id") is None:
            return
        ids.append(event["id"])
        arrival.append(time.perf_counter())
        if event["id"] >= until and not done.done():
            done.set_result(None)

    client.on_event = on_event
    sent = time.perf_counter()
    client.send_json(
        {"op": "subscribe", "stream": stream, "since": since, **(subscribe_extra or {})}
    )
    answer = await client.reply()
    if answer.get("op") != "subscribed":
        raise RuntimeError(f"subscribe answered {answer}")
    await asyncio.wait_for(done, 30)
    finished = arrival[-1]
    await client.close()
    expected = list(range(since + 1, until + 1))
    return {
        "from_subscribe_ms": (finished - sent) * 1000,
        "from_connect_ms": (finished - started) * 1000,
        "events": len(ids),
        "exact": ids == expected,
    }


async def last_id_of(server, stream):
    client = await W.connect(server.ws_url, server.origin)
    answer = await client.subscribe(stream)
    await client.close()
    return answer.get("last_id", 0)


async def measure_daphne(server, db, fixture, args):
    thread = fixture["threads"][0]
    stream = f"thread:{thread}"
    start = await last_id_of(server, stream)
    # How many stored events one reply makes on the thread stream.
    W.run_django(db, "reply-many", str(thread), "1", "Catch-up probe")
    per_post = await last_id_of(server, stream) - start
    if per_post < 1:
        raise RuntimeError("a reply stored no event on the thread stream (outbox missing?)")
    since = start + per_post
    posts = -(-args.behind // per_post)
    written = time.perf_counter()
    W.run_django(db, "reply-many", str(thread), str(posts), "Catch-up")
    written = time.perf_counter() - written
    until = await last_id_of(server, stream)
    behind = until - since
    print(f"   {posts} replies written in {written:.1f} s: {behind} events ({per_post} per reply)")
    runs = [await catch_up(server, stream, since, until) for _ in range(args.repeat)]
    return behind, runs


async def measure_raw(server, behind, args):
    stream = "thread:1"
    publisher = await W.connect(server.ws_url, server.origin)
    for n in range(behind):
        publisher.send_json(
            {
                "op": "publish",
                "stream": stream,
                "data": {"id": n, "body": f"Catch-up {n}", "html": f"<p>Catch-up {n}</p>"},
            }
        )
    await asyncio.sleep(0.5)
    await publisher.close()
    runs = [await catch_up(server, stream, 0, behind) for _ in range(args.repeat)]
    return runs


def row(case, behind, runs):
    subscribe = [r["from_subscribe_ms"] for r in runs]
    connect = [r["from_connect_ms"] for r in runs]
    return {
        "case": case,
        "behind": behind,
        "median_ms": statistics.median(subscribe),
        "max_ms": max(subscribe),
        "with_connect_median_ms": statistics.median(connect),
        "exact": all(r["exact"] for r in runs),
        "runs": runs,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--behind", type=int, default=1000, help="events missed")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--layer", default="shipped", choices=list(W.LAYERS))
    parser.add_argument("--dispatch", default="shipped", choices=W.DISPATCHES)
    parser.add_argument("--redis", default="", help="Redis URL, for the Redis layers")
    parser.add_argument("--no-raw", action="store_true")
    parser.add_argument("--quiet", type=float, default=0.5)
    parser.add_argument("--json")
    args = parser.parse_args()
    W.exit_on_sigterm()

    print(f"Machine: {S.machine()}")
    db = S.make_database("sqlite", "rt_catchup")
    rows = []
    try:
        fixture = W.run_django(db, "setup")
        S.wait_quiet(args.quiet, timeout=300)
        label = f"daphne {args.layer}/{args.dispatch}"
        print(label)
        with W.daphne(db, layer=args.layer, dispatch=args.dispatch, redis_url=args.redis) as srv:
            behind, runs = asyncio.run(measure_daphne(srv, db, fixture, args))
        rows.append(row(label, behind, runs))
        if not args.no_raw:
            print("raw websockets (the ceiling)")
            with W.raw_server(db.workdir) as raw:
                rows.append(
                    row("raw websockets", behind, asyncio.run(measure_raw(raw, behind, args)))
                )
    finally:
        db.drop()
    print()
    print("Catch-up: subscribe with since, N events behind (target < 1 s)")
    raw = next((r for r in rows if r["case"] == "raw websockets"), None)
    headers = ["case", "events", "median ms", "max ms", "with handshake ms", "exact", "vs raw"]
    print(
        S.fmt_table(
            headers,
            [
                [
                    r["case"],
                    r["behind"],
                    f"{r['median_ms']:.1f}",
                    f"{r['max_ms']:.1f}",
                    f"{r['with_connect_median_ms']:.1f}",
                    "yes" if r["exact"] else "NO",
                    f"{r['median_ms'] / raw['median_ms']:.1f}x" if raw else "-",
                ]
                for r in rows
            ],
        )
    )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
