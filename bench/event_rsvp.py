"""RSVP latency: POST and DELETE /api/v1/events/{id}/rsvp, in-process, on the embedded default.

A SQLite file database in a temporary directory (never the development one), the
site's settings, migrated (so the content home and the Marketing group exist); an event
for members with ``capacity`` places and N members with bearer tokens. Each member
registers through the API with Django's test client (authentication, the event's row
lock, the count, the activity entry: the whole request); the first ``capacity`` are
going, the rest waitlisted. Then every member going cancels, each cancellation promoting
the first in line (its entry, notice and ``me`` event).

Usage: .venv/bin/python bench/event_rsvp.py [--members 400] [--capacity 200]
Prints p50, p99 and max in milliseconds per kind of request; target p99 < 100 ms.
"""

import argparse
import datetime
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
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--capacity", type=int, default=200)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-rsvp-")
    os.environ["DJANGO_VAR_DIR"] = tmp
    os.environ["DJANGO_SETTINGS_MODULE"] = "community.site.settings"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["MODERATION_CLOCK"] = "off"
    os.environ.setdefault("DJANGO_TASKS_BACKEND", "immediate")
    os.environ.setdefault("API_RATE_LIMIT", "1000000/m")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, interactive=False)
    run(args.members, args.capacity)


def seed(members, capacity):
    from django.utils import timezone

    from cms.models import ContentHome, EventPage
    from community import actions as community_actions
    from community.models import User

    now = timezone.now()
    event = EventPage(
        title="Bench meetup",
        teaser="A meetup",
        audience="members",
        starts_at=now + datetime.timedelta(days=7),
        ends_at=now + datetime.timedelta(days=7, hours=2),
        place="12 rue du Vélo, Lyon",
        capacity=capacity,
    )
    ContentHome.objects.get().add_child(instance=event)
    event.save_revision().publish()
    headers = []
    for number in range(members):
        user = User.objects.create_user(f"rsvp{number}", f"rsvp{number}@example.com", "x")
        _token, key = community_actions.create_api_token(user, user)
        headers.append({"HTTP_AUTHORIZATION": f"Bearer {key}"})
    return event, headers


def timed(client, method, path, headers, expected):
    started = time.perf_counter()
    response = getattr(client, method)(path, **headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != expected:
        raise SystemExit(f"{method.upper()} {path}: {response.status_code} {response.content!r}")
    return elapsed, response.json()["state"]


def summary(label, latencies):
    latencies = sorted(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"{label:<34} n={len(latencies):<5} p50 {statistics.median(latencies):6.1f} ms"
        f"  p99 {p99:6.1f} ms  max {latencies[-1]:6.1f} ms"
    )
    return p99


def run(members, capacity):
    from django.test import Client

    from cms.models import Registration

    event, headers = seed(members, capacity)
    client = Client()
    path = f"/api/v1/events/{event.pk}/rsvp"
    by_state = {"going": [], "waitlisted": []}
    for member in headers:
        elapsed, state = timed(client, "post", path, member, 201)
        by_state[state].append(elapsed)
    cancels = [timed(client, "delete", path, member, 200)[0] for member in headers[:capacity]]
    going = Registration.objects.filter(event=event, state="going").count()
    print(f"RSVP over the API, {members} members, {capacity} places (SQLite file, in-process)")
    worst = max(
        summary("POST rsvp -> going", by_state["going"]),
        summary("POST rsvp -> waitlisted", by_state["waitlisted"] or [0.0]),
        summary("DELETE rsvp (promotes the next)", cancels),
    )
    print(f"going at the end: {going} (capacity {capacity})")
    print("target p99 < 100 ms:", "met" if worst < 100 else "MISSED")


if __name__ == "__main__":
    main()
