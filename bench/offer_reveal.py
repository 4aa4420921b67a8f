"""Revealing an offer's code: latency of ``POST /api/v1/offers/{id}/reveal``.

The embedded default, in one process: a SQLite file database in a temporary
directory, production settings (``DJANGO_DEBUG=0``), the site's whole middleware
stack through Django's test client (session authentication). M members of a club
reveal, in turn:

- a shared code (one code for everyone, with a quantity limit: the offer row is
  locked and the reveals counted);
- a unique code from a pool of M codes (a free code is claimed: ``SELECT ... FOR
  UPDATE SKIP LOCKED`` on PostgreSQL, the database's write lock on SQLite);
- the same unique code again (their earlier reveal, read back);

then a member outside the audience is refused (403) and, the pool emptied, one more
member is told it is sold out (409). ``actions.reveal`` alone, without HTTP, is timed
too. Concurrency is tested, not benched: ``tests/cms/test_offers_concurrency.py``.

Usage: .venv/bin/python bench/offer_reveal.py [--members 300]
Prints p50, p99 and max in milliseconds per case; target p99 < 100 ms.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_P99_MS = 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=300)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-reveal-")
    os.environ["DJANGO_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.site.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SECRET_KEY"] = "bench-only-secret-key-0123456789abcdef0123456789abcdef"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["SITE_URL"] = "http://testserver"
    os.environ["API_RATE_LIMIT"] = "1000000/m"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["MODERATION_CLOCK"] = "off"
    os.environ.setdefault("DJANGO_TASKS_BACKEND", "immediate")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    run(args.members)


def seed(count):
    from django.test import Client

    from cms.models import AudienceRule, ContentHome, OfferCode, OfferPage
    from community import actions as community_actions
    from community.models import User

    staff = User.objects.create_superuser("bench-staff", "s@example.com", "x")
    club = community_actions.create_community(
        staff, slug="fans", name="Fans", kind="discussion", visibility="public", join_policy="open"
    )
    home = ContentHome.objects.get()

    def offer(title, **fields):
        page = OfferPage(
            title=title,
            teaser=f"Teaser of {title}",
            audience="chosen",
            audience_rules=[AudienceRule(kind="community", community=club)],
            **fields,
        )
        home.add_child(instance=page)
        page.save_revision(user=staff).publish(user=staff)
        return page

    shared = offer("Shared", code_mode="shared", shared_code="FANS-20", quantity_limit=count)
    pool = offer("Pool", code_mode="unique")
    OfferCode.objects.bulk_create(OfferCode(offer=pool, code=f"P-{n:06d}") for n in range(count))
    clients = []
    for number in range(count + 2):
        user = User.objects.create_user(f"bench-m{number}", f"m{number}@example.com", "x")
        if number < count + 1:
            community_actions.join(user, club)
        client = Client()
        client.force_login(user)
        clients.append((user, client))
    return shared, pool, clients


def timed(calls):
    latencies = []
    statuses = {}
    for call in calls:
        started = time.perf_counter()
        status = call()
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    return latencies, statuses


def line(name, latencies, statuses):
    latencies = sorted(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    codes = ", ".join(f"{status}×{n}" for status, n in sorted(statuses.items()))
    print(
        f"{name:<34} n={len(latencies):<4} p50 {statistics.median(latencies):6.1f} ms  "
        f"p99 {p99:6.1f} ms  max {latencies[-1]:6.1f} ms  [{codes}]"
    )
    return p99


def run(count):
    import logging

    from django.db import connection

    from cms.models import OfferPage
    from cms.offers import actions
    from community.models import User

    # The refusals are the point of two cases: no "Conflict:" warning per request.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    shared, pool, clients = seed(count)
    members, outsider, late = clients[:count], clients[count + 1], clients[count]

    def api(client, offer):
        return lambda: client.post(f"/api/v1/offers/{offer.pk}/reveal", secure=True).status_code

    outsider[1].post(f"/api/v1/offers/{pool.pk}/reveal", secure=True)  # warm-up: URLs, API
    print(f"offer reveal, {count} members (SQLite file, production settings, in-process)")
    worst = 0
    cases = [
        ("API, shared code with a limit", [api(c, shared) for _u, c in members]),
        ("API, unique code from the pool", [api(c, pool) for _u, c in members]),
        ("API, unique code again", [api(c, pool) for _u, c in members]),
        ("API, outside the audience (403)", [api(outsider[1], pool)] * 50),
        ("API, pool sold out (409)", [api(late[1], pool)] * 50),
    ]
    for name, calls in cases:
        worst = max(worst, line(name, *timed(calls)))

    def action(user_pk, offer_pk):
        def call():
            user = User.objects.get(pk=user_pk)
            return actions.reveal(user, OfferPage.objects.get(pk=offer_pk)) and "ok"

        return call

    line("action alone, again (read back)", *timed([action(u.pk, pool.pk) for u, _c in members]))
    print(f"engine: {connection.vendor}")
    print(f"target p99 < {TARGET_P99_MS} ms:", "met" if worst < TARGET_P99_MS else "MISSED")


if __name__ == "__main__":
    main()
