"""Real-time fan-out: one new post to 1,000 and 2,000 sockets, per channel layer and dispatch.

For each server variant (channel layer x consumer dispatch) it starts one daphne on a
fresh SQLite database, opens N anonymous WebSocket clients subscribed to one public
thread (``thread:<id>``), and posts replies through the JSON API
(``POST /api/v1/threads/<id>/posts`` with a bearer token: ``forums.actions.reply``,
published after commit, as a browser's reply would be). Then:

* latency: ``--rounds`` single posts, one at a time; each subscriber's delay from the
  moment the POST was sent to the arrival of its ``post.created`` frame (p50, p99,
  max over all deliveries of all rounds), also from the post's own ``created_at``
  (server clock, inside the transaction) and from the first subscriber to get it;
* throughput: ``--burst`` posts back to back (each POST sent when the previous one
  answered); deliveries/s = event frames delivered / (last arrival - first POST);
* server CPU per delivery (from /proc) and whether every subscriber got every post
  exactly once, in order.

The same is measured on a bare ``websockets`` server (``websockets.broadcast``, one
process) in the same run: the ceiling; and on daphne serving that server's protocol
with no Django and no Channels (bench/_ws.py ``bare_daphne``): daphne's own ceiling,
where each frame is sent the way the site sends it. With Redis (``--redis URL``, default the
``REDIS_URL`` environment variable, else redis://127.0.0.1:6379 when it answers) the
Redis layers run too, and ``--scale-out`` adds two daphne processes on one Redis with
1,000 subscribers on each, posting through process A.

    .venv/bin/python bench/realtime_fanout.py                      # everything
    .venv/bin/python bench/realtime_fanout.py --variants local/shipped,stock/stock \\
        --subscribers 1000 --rounds 10 --burst 20 --no-raw        # a quick look
"""

import argparse
import asyncio
import json
import os
import socket
import sys
import time
from datetime import datetime

import _server as S
import _ws as W

POST_CREATED = b'"event":"post.created"'


def redis_default():
    url = os.environ.get("REDIS_URL", "")
    if url:
        return url
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
    except OSError:
        return ""
    return "redis://127.0.0.1:6379/0"


# --- collecting deliveries -------------------------------------------------------------


class Collector:
    """Receives the event frames of many clients; counts post.created frames as they land."""

    def __init__(self, clients_by_site):
        # clients_by_site: {"A": [clients], "B": [...]}; every client gets a callback.
        self.frames = []  # (site, client index, arrival, payload)
        self.posts = 0
        self.waiting = None  # (count, future)
        for site, clients in clients_by_site.items():
            for index, client in enumerate(clients):
                client.on_event = self._callback(site, index)

    def _callback(self, site, index):
        frames = self.frames

        def on_event(arrived, payload):
            frames.append((site, index, arrived, payload))
            if POST_CREATED in payload:
                self.posts += 1
                waiting = self.waiting
                if waiting is not None and self.posts >= waiting[0] and not waiting[1].done():
                    waiting[1].set_result(None)

        return on_event

    async def wait_posts(self, count, timeout):
        """Wait until ``count`` post.created frames arrived (since reset); False on timeout."""
        if self.posts >= count:
            return True
        future = asyncio.get_running_loop().create_future()
        self.waiting = (count, future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self.waiting = None


def rebind(collector, clients_by_site):
    """Point every client's callback at ``collector``'s current frame list."""
    for site, clients in clients_by_site.items():
        for index, client in enumerate(clients):
            client.on_event = collector._callback(site, index)


def parse(frames):
    """Decode collected frames: [(site, index, arrival, event dict)]."""
    return [(site, index, arrived, json.loads(payload)) for site, index, arrived, payload in frames]


def created_at(event):
    return datetime.fromisoformat(event["data"]["created_at"]).timestamp()


# --- one server's measurements ---------------------------------------------------------


async def post(target, thread, token, body):
    sent = time.time()
    status, answer = await W.post_json(
        target.base, f"/api/v1/threads/{thread}/posts", {"body": body}, token
    )
    if status != 201:
        raise RuntimeError(f"POST answered {status}: {answer[:300]!r}")
    answered = time.time()
    return sent, answered, json.loads(answer)["id"]


async def publish_raw(publisher, thread, n):
    """The raw server's "post": a publish frame with a payload shaped like post_data()."""
    sent = time.time()
    now = datetime.now().astimezone().isoformat()
    data = {
        "id": n,
        "thread": thread,
        "number": n,
        "author": {"username": "rtposter", "display_name": "rtposter"},
        "body": f"Fan-out round {n}",
        "html": f"<p>Fan-out round {n}</p>",
        "reply_to": None,
        "created_at": now,
        "edited_at": None,
        "deleted": False,
        "reactions": {},
    }
    publisher.send_json({"op": "publish", "stream": f"thread:{thread}", "data": data})
    return sent, sent, n


def post_deliveries(frames, post_id):
    """The post.created deliveries of one post: {(site, index): (arrival, event id)}."""
    got = {}
    duplicates = 0
    for site, index, arrived, event in frames:
        if event.get("event") == "post.created" and event["data"]["id"] == post_id:
            if (site, index) in got:
                duplicates += 1
            else:
                got[(site, index)] = (arrived, event)
    return got, duplicates


async def latency_rounds(trigger, collector, sites, rounds, warmup, pause=0.15):
    """Single posts, one at a time; per-delivery delays (ms) by site and reference."""
    expected = sum(len(clients) for clients in sites.values())
    result = {
        "from_post": {site: [] for site in sites},
        "from_commit": [],
        "spread": [],
        "post_ms": [],
        "missing": 0,
        "duplicates": 0,
        "rounds": rounds,
    }
    for round_number in range(warmup + rounds):
        collector.frames.clear()
        collector.posts = 0
        sent, answered, post_id = await trigger(round_number)
        complete = await collector.wait_posts(expected, timeout=30)
        await asyncio.sleep(pause)  # let the rest of this post's frames drain
        if round_number < warmup:
            continue
        got, duplicates = post_deliveries(parse(collector.frames), post_id)
        result["duplicates"] += duplicates
        result["missing"] += expected - len(got)
        if not complete and not got:
            continue
        arrivals = [arrived for arrived, _event in got.values()]
        first = min(arrivals)
        result["post_ms"].append((answered - sent) * 1000)
        for (site, _index), (arrived, event) in got.items():
            result["from_post"][site].append((arrived - sent) * 1000)
            result["spread"].append((arrived - first) * 1000)
            with_time = event["data"].get("created_at")
            if with_time:
                result["from_commit"].append((arrived - created_at(event)) * 1000)
    return result


async def burst(trigger, collector, sites, count, pids):
    """``count`` posts back to back; deliveries/s and CPU per delivery."""
    expected = sum(len(clients) for clients in sites.values()) * count
    collector.frames.clear()
    collector.posts = 0
    cpu_before = {pid: W.cpu_seconds(pid) for pid in pids}
    client_cpu = time.process_time()
    started = time.time()
    post_ids = []
    for n in range(count):
        _sent, _answered, post_id = await trigger(1000 + n)
        post_ids.append(post_id)
    complete = await collector.wait_posts(expected, timeout=60 + count)
    last_post = max((f[2] for f in collector.frames if POST_CREATED in f[3]), default=started)
    await asyncio.sleep(0.3)
    cpu = {pid: W.cpu_seconds(pid) - before for pid, before in cpu_before.items()}
    client_cpu = time.process_time() - client_cpu
    frames = parse(collector.frames)
    in_window = [f for f in frames if f[2] <= last_post]
    # Order and exactly-once per subscriber.
    seen = {}
    out_of_order = duplicates = 0
    wanted = set(post_ids)
    for site, index, _arrived, event in frames:
        if event.get("event") != "post.created" or event["data"]["id"] not in wanted:
            continue
        previous = seen.setdefault((site, index), [])
        if previous and event["data"]["id"] <= previous[-1]:
            if event["data"]["id"] in previous:
                duplicates += 1
            else:
                out_of_order += 1
        previous.append(event["data"]["id"])
    delivered_posts = sum(len(ids) for ids in seen.values())
    seconds = last_post - started
    return {
        "posts": count,
        "complete": complete,
        "post_deliveries": delivered_posts,
        "expected": expected,
        "missing": expected - delivered_posts,
        "duplicates": duplicates,
        "out_of_order": out_of_order,
        "seconds": seconds,
        "deliveries_per_s": len(in_window) / seconds if seconds > 0 else float("nan"),
        "post_deliveries_per_s": delivered_posts / seconds if seconds > 0 else float("nan"),
        "frames_per_post": len(frames) / max(1, delivered_posts),
        "server_cpu_ms_per_delivery": {
            str(pid): used * 1000 / max(1, len(frames)) for pid, used in cpu.items()
        },
        "server_cores": {str(pid): used / seconds for pid, used in cpu.items()} if seconds else {},
        "client_cpu_ms_per_delivery": client_cpu * 1000 / max(1, len(frames)),
    }


def summary(case, latency, throughput):
    everyone = [v for values in latency["from_post"].values() for v in values]
    row = {
        "case": case,
        "p50_ms": S.percentile(everyone, 0.50),
        "p99_ms": S.percentile(everyone, 0.99),
        "max_ms": max(everyone, default=float("nan")),
        "commit_p99_ms": S.percentile(latency["from_commit"], 0.99),
        "spread_p99_ms": S.percentile(latency["spread"], 0.99),
        "post_ms": S.percentile(latency["post_ms"], 0.50),
        "missing": latency["missing"] + (throughput["missing"] if throughput else 0),
        "duplicates": latency["duplicates"] + (throughput["duplicates"] if throughput else 0),
        "deliveries_per_s": throughput["deliveries_per_s"] if throughput else float("nan"),
        "post_deliveries_per_s": throughput["post_deliveries_per_s"]
        if throughput
        else float("nan"),
        "cpu_ms_per_delivery": (
            sum(throughput["server_cpu_ms_per_delivery"].values()) if throughput else float("nan")
        ),
        "by_site_p99_ms": {
            site: S.percentile(values, 0.99) for site, values in latency["from_post"].items()
        },
    }
    return row


async def grow(sites, servers, collector, count, thread):
    """Open clients until each site has ``count`` on ``thread:<thread>``.

    Returns the subscribers in all and the seconds the last batch took to open.
    """
    seconds = 0.0
    for clients, server in zip(sites.values(), servers, strict=True):
        more, seconds = await W.open_clients(
            server.ws_url, server.origin, count - len(clients), streams=[f"thread:{thread}"]
        )
        clients.extend(more)
    rebind(collector, sites)
    return sum(len(c) for c in sites.values()), seconds


async def measure_daphne(servers, fixture, counts, args, label):
    """Open clients on ``servers`` (1 or 2), then latency and burst per subscriber count."""
    thread = fixture["threads"][0]
    token = fixture["token"]
    sites = {name: [] for name in ("A", "B")[: len(servers)]}
    collector = Collector(sites)
    rows = []

    async def trigger(n):
        return await post(servers[0], thread, token, f"Fan-out round {n}")

    for count in counts:
        subscribers, seconds = await grow(sites, servers, collector, count, thread)
        print(f"   {label}: {subscribers} subscribers ({seconds:.1f} s to open the last batch)")
        latency = await latency_rounds(trigger, collector, sites, args.rounds, args.warmup)
        posts = args.burst if "stock" not in label.split("/")[0] else max(5, args.burst // 5)
        throughput = await burst(trigger, collector, sites, posts, [s.pid for s in servers])
        row = summary(f"{label} x{subscribers}", latency, throughput)
        row.update(subscribers=subscribers, label=label, burst=throughput)
        rows.append(row)
        print_row(row)
    await W.close_clients([c for clients in sites.values() for c in clients])
    return rows


async def measure_raw(servers, counts, args, label="raw websockets"):
    thread = 1
    sites = {name: [] for name in ("A", "B")[: len(servers)]}
    collector = Collector(sites)
    publisher = await W.connect(servers[0].ws_url, servers[0].origin)
    rows = []

    async def trigger(n):
        return await publish_raw(publisher, thread, n + 1)

    counter = [0]

    async def unique_trigger(_n):
        counter[0] += 1
        return await trigger(counter[0])

    for count in counts:
        subscribers, _seconds = await grow(sites, servers, collector, count, thread)
        latency = await latency_rounds(unique_trigger, collector, sites, args.rounds, args.warmup)
        throughput = await burst(
            unique_trigger, collector, sites, args.burst, [s.pid for s in servers]
        )
        row = summary(f"{label} x{subscribers}", latency, throughput)
        row.update(subscribers=subscribers, label=label, burst=throughput)
        rows.append(row)
        print_row(row)
    await W.close_clients([c for clients in sites.values() for c in clients] + [publisher])
    return rows


def print_row(row):
    print(
        f"      p50 {row['p50_ms']:.1f} ms  p99 {row['p99_ms']:.1f} ms  max {row['max_ms']:.1f} ms"
        f"  (from commit p99 {row['commit_p99_ms']:.1f}, spread p99 {row['spread_p99_ms']:.1f},"
        f" POST {row['post_ms']:.1f} ms)  {row['deliveries_per_s']:,.0f} deliveries/s"
        f"  cpu {row['cpu_ms_per_delivery'] * 1000:.0f} µs/delivery"
        f"  missing {row['missing']} dup {row['duplicates']}"
    )


# --- the run ----------------------------------------------------------------------------


def table(rows, ceiling):
    headers = [
        "case",
        "p50 ms",
        "p99 ms",
        "max ms",
        "p99 from commit",
        "POST ms",
        "frames/s",
        "post deliveries/s",
        "µs CPU/frame",
        "all delivered",
        "p99 / raw",
        "rate / raw",
    ]
    out = []
    for row in rows:
        raw = ceiling.get(row["subscribers"])
        out.append(
            [
                row["case"],
                f"{row['p50_ms']:.1f}",
                f"{row['p99_ms']:.1f}",
                f"{row['max_ms']:.1f}",
                f"{row['commit_p99_ms']:.1f}",
                f"{row['post_ms']:.1f}",
                f"{row['deliveries_per_s']:,.0f}",
                f"{row['post_deliveries_per_s']:,.0f}",
                f"{row['cpu_ms_per_delivery'] * 1000:.0f}",
                "yes" if row["missing"] == 0 and row["duplicates"] == 0 else "NO",
                f"{row['p99_ms'] / raw['p99_ms']:.1f}x" if raw else "-",
                f"{row['post_deliveries_per_s'] / raw['post_deliveries_per_s']:.2f}"
                if raw
                else "-",
            ]
        )
    return S.fmt_table(headers, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--variants",
        default="stock/stock,local/shipped",
        help="layer/consumer pairs; layers: " + ", ".join(W.LAYERS) + "; consumers: "
        "stock (a relay as Channels' documentation shows), shipped (community.site.asgi, the hub)",
    )
    parser.add_argument(
        "--redis-variants",
        default="redis-pubsub/stock,redis-pubsub/shipped,redis-core/shipped",
    )
    parser.add_argument("--subscribers", default="1000,2000")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--burst", type=int, default=50, help="posts in the throughput burst")
    parser.add_argument("--redis", default=None, help="Redis URL (default: REDIS_URL or local)")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--scale-out", action="store_true", help="two processes on Redis")
    parser.add_argument("--scale-layers", default="redis-pubsub/shipped")
    parser.add_argument("--scale-subscribers", type=int, default=1000, help="per process")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw websockets ceiling")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare daphne ceiling")
    parser.add_argument("--quiet", type=float, default=0.5, help="wait until other work < cores")
    parser.add_argument("--json", help="write everything measured to this file")
    args = parser.parse_args()
    W.exit_on_sigterm()

    counts = [int(n) for n in args.subscribers.split(",")]
    redis_url = "" if args.no_redis else (args.redis or redis_default())
    variants = [v.split("/") for v in args.variants.split(",") if v]
    if redis_url:
        variants += [v.split("/") for v in args.redis_variants.split(",") if v]
    print(f"Machine: {S.machine()}; Redis: {redis_url or 'none'}")
    db = S.make_database("sqlite", "rt_fanout", redis_url="")
    results = {"machine": S.machine(), "rows": [], "raw": [], "scale_out": []}
    try:
        fixture = W.run_django(db, "setup")
        if not args.no_raw:
            S.wait_quiet(args.quiet, timeout=300)
            print("raw websockets (the ceiling)")
            with W.raw_server(db.workdir) as raw:
                results["raw"] = asyncio.run(measure_raw([raw], counts, args))
        if not args.no_bare:
            S.wait_quiet(args.quiet, timeout=300)
            print("bare daphne (daphne's ceiling: no Django, no Channels)")
            with W.bare_daphne(db) as bare:
                results["rows"] += asyncio.run(measure_raw([bare], counts, args, "bare daphne"))
        for layer, dispatch in variants:
            S.wait_quiet(args.quiet, timeout=300)
            label = f"{layer}/{dispatch}"
            print(label)
            with W.daphne(db, layer=layer, dispatch=dispatch, redis_url=redis_url) as srv:
                results["rows"] += asyncio.run(measure_daphne([srv], fixture, counts, args, label))
        if args.scale_out:
            if not redis_url:
                sys.exit("--scale-out needs Redis")
            per = args.scale_subscribers
            if not args.no_raw:
                S.wait_quiet(args.quiet, timeout=300)
                print("raw websockets, 2 processes through Redis Pub/Sub")
                with (
                    W.raw_server(db.workdir, redis_url) as a,
                    W.raw_server(db.workdir, redis_url) as b,
                ):
                    one = asyncio.run(measure_raw([a], [per], args, "raw redis 1 proc"))
                    two = asyncio.run(measure_raw([a, b], [per], args, "raw redis 2 procs"))
                results["scale_out"].append(scale_row("raw websockets + Redis", one[0], two[0]))
            for spec in args.scale_layers.split(","):
                layer, dispatch = spec.split("/")
                S.wait_quiet(args.quiet, timeout=300)
                print(f"scale-out {layer}/{dispatch}")
                options = {"layer": layer, "dispatch": dispatch, "redis_url": redis_url}
                with W.daphne(db, **options) as a, W.daphne(db, **options) as b:
                    one = asyncio.run(
                        measure_daphne([a], fixture, [per], args, f"{layer}/{dispatch} 1p")
                    )
                    two = asyncio.run(
                        measure_daphne([a, b], fixture, [per], args, f"{layer}/{dispatch} 2p")
                    )
                results["scale_out"].append(scale_row(f"{layer}/{dispatch}", one[0], two[0]))
    finally:
        db.drop()

    ceiling = {row["subscribers"]: row for row in results["raw"]}
    print()
    print("Fan-out, one process: one post -> N subscribers (latency from the POST)")
    print(table(results["raw"] + results["rows"], ceiling))
    print()
    print("p99(2,000) / p99(1,000) (target <= 2.2):")
    by_label = {}
    for row in results["raw"] + results["rows"]:
        by_label.setdefault(row["label"], {})[row["subscribers"]] = row
    for label, sizes in by_label.items():
        if 1000 in sizes and 2000 in sizes:
            ratio = sizes[2000]["p99_ms"] / sizes[1000]["p99_ms"]
            print(f"  {label:<28} {ratio:.2f}")
    if results["scale_out"]:
        print()
        print("Scale-out: 2 processes x 1,000 subscribers vs 1 process x 1,000 (same layer)")
        headers = [
            "layer",
            "1p deliveries/s",
            "2p deliveries/s",
            "ratio (>= 1.6)",
            "1p p99 ms",
            "2p local p99",
            "2p cross p99",
            "cross / 1p (<= 1.3)",
            "all delivered",
        ]
        print(
            S.fmt_table(
                headers,
                [
                    [
                        r["layer"],
                        f"{r['one_rate']:,.0f}",
                        f"{r['two_rate']:,.0f}",
                        f"{r['rate_ratio']:.2f}",
                        f"{r['one_p99']:.1f}",
                        f"{r['two_local_p99']:.1f}",
                        f"{r['two_cross_p99']:.1f}",
                        f"{r['p99_ratio']:.2f}",
                        "yes" if r["all_delivered"] else "NO",
                    ]
                    for r in results["scale_out"]
                ],
            )
        )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=1, default=str)


def scale_row(layer, one, two):
    return {
        "layer": layer,
        "one_rate": one["deliveries_per_s"],
        "two_rate": two["deliveries_per_s"],
        "rate_ratio": two["deliveries_per_s"] / one["deliveries_per_s"],
        "one_p99": one["p99_ms"],
        "two_local_p99": two["by_site_p99_ms"].get("A", float("nan")),
        "two_cross_p99": two["by_site_p99_ms"].get("B", float("nan")),
        "p99_ratio": two["by_site_p99_ms"].get("B", float("nan")) / one["p99_ms"],
        "all_delivered": one["missing"] == two["missing"] == 0
        and one["duplicates"] == two["duplicates"] == 0,
        "one": one,
        "two": two,
    }


if __name__ == "__main__":
    main()
