"""From a support question's creation to its offer on an expert's open socket.

The embedded default, in one process: a SQLite file database in a temporary
directory, the site's ASGI application with its real consumer and hub, the
in-process channel layer. An expert's socket is open (``Channels``'
``WebsocketCommunicator`` speaking the ASGI WebSocket protocol to the real
consumer) and subscribed to ``me``; N questions are created through
``forums.actions.create_thread`` (as the API does, in a worker thread), and each
offer's arrival on the socket is timed from the call. Between two questions the
expert's cooldown is cleared (otherwise they would be offered one question per
cooldown, by design).

Usage: .venv/bin/python bench/question_offer.py [--questions 200]
Prints p50, p99 and max in milliseconds; target p99 < 1000 ms.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-offer-")
    os.environ["DJANGO_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.site.settings")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["MODERATION_CLOCK"] = "off"
    os.environ.setdefault("DJANGO_TASKS_BACKEND", "immediate")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    asyncio.run(run(args.questions))


def seed():
    from django.test import Client

    from badges.actions import awards
    from community import actions as community_actions
    from community.models import User
    from forums.moderation.care import actions

    staff = User.objects.create_user("bench-staff", "s@example.com", "x", is_staff=True)
    expert = User.objects.create_user("bench-expert", "e@example.com", "x")
    asker = User.objects.create_user("bench-asker", "a@example.com", "x")
    support = community_actions.create_community(
        staff, slug="help", name="Help", kind="support", visibility="public", join_policy="open"
    )
    for user in (expert, asker):
        community_actions.join(user, support)
    badge = awards.create_badge(staff, community=support, name="Hero", mode="manual", enabled=True)
    awards.grant(staff, badge, expert, reason="bench")
    actions.opt_in(expert, support)
    client = Client()
    client.force_login(expert)
    return support, asker, client.session.session_key


async def run(count):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.core.cache import cache

    from community.site.asgi import application
    from forums import actions as forums_actions

    support, asker, session = await sync_to_async(seed)()
    socket = WebsocketCommunicator(
        application,
        "/ws/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", f"sessionid={session}".encode())],
    )
    assert (await socket.connect())[0]
    await socket.send_to(text_data=json.dumps({"op": "subscribe", "stream": "me"}))
    assert json.loads(await socket.receive_from())["op"] == "subscribed"

    def ask(number):
        cache.clear()  # the expert's cooldown: one offer per question here
        return forums_actions.create_thread(
            asker, support, kind="question", title=f"Question {number}", body="Help me."
        )

    latencies = []
    for number in range(count):
        started = time.perf_counter()
        creating = asyncio.ensure_future(sync_to_async(ask)(number))
        while True:
            frame = json.loads(await socket.receive_from(timeout=10))
            if frame.get("event") == "question.offered":
                break
        latencies.append((time.perf_counter() - started) * 1000)
        await creating
    await socket.disconnect()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"question -> offer on the expert's socket, {count} questions (SQLite, in-memory layer)")
    print(
        f"p50 {statistics.median(latencies):.1f} ms  p99 {p99:.1f} ms  max {latencies[-1]:.1f} ms"
    )
    print("target p99 < 1000 ms:", "met" if p99 < 1000 else "MISSED")


if __name__ == "__main__":
    main()
