"""The review queue's page and API: SQL queries and time per request, at 1, 30 and 200 items.

Makes a throwaway in-memory SQLite database (tests.settings; never the development one),
a community with a moderator, and N flagged posts (a third of them claimed, plus a flagged
thread), through the actions; then renders ``c/<slug>/moderation/queue/`` and
``GET /api/v1/communities/<slug>/queue`` in-process with Django's test client. Prints the
median time per request (the page's query count is asserted constant by
tests/moderation/test_queue_pages.py).

Run: .venv/bin/python bench/moderation_queue.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

settings.RATE_LIMITS = {"post": ["1000000/m"], "flag": ["1000000/m"]}
settings.ALLOWED_HOSTS = ["*"]
setup_test_environment()
connection.creation.create_test_db(verbosity=0, autoclobber=True)

from django.test import Client  # noqa: E402

from community import actions as community_actions  # noqa: E402
from community.models import User  # noqa: E402
from forums import actions as forum_actions  # noqa: E402
from forums.moderation.queue import actions, flags  # noqa: E402
from forums.moderation.queue.models import QueueItem  # noqa: E402

staff = User.objects.create_user("staff", "staff@example.org", "x", is_staff=True)
moderator = User.objects.create_user("mod", "mod@example.org", "x")
author = User.objects.create_user("author", "author@example.org", "x")
flaggers = [User.objects.create_user(f"f{i}", f"f{i}@example.org", "x") for i in range(5)]


def community(slug, count):
    club = community_actions.create_community(
        staff, slug=slug, name=slug, kind="discussion", visibility="public", join_policy="open"
    )
    actions.configure(staff, club, hide_threshold=100)
    for user in (moderator, author, *flaggers):
        community_actions.join(user, club)
    community_actions.set_role(staff, club, moderator, role="moderator")
    thread = forum_actions.create_thread(author, club, kind="discussion", title="T", body="b")
    for i in range(count):
        post = forum_actions.reply(author, thread, body=f"Post {i} " + "words " * 40)
        flags.flag_post(flaggers[i % 5], post, reason="spam", note=f"note {i}")
        if i % 3 == 0:
            actions.claim(moderator, QueueItem.objects.get(post=post))
    return club


def measure(client, url, runs=20):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return len(captured), statistics.median(times)


client = Client()
client.force_login(moderator)
print(f"{'items':>6} {'page ms':>9} {'API ms':>8}  (median of 20; queries: see the page's test)")
for count in (1, 30, 200):
    club = community(f"q{count}", count)
    _page_q, page_ms = measure(client, f"/c/{club.slug}/moderation/queue/")
    _api_q, api_ms = measure(client, f"/api/v1/communities/{club.slug}/queue")
    print(f"{count:>6} {page_ms:>9.1f} {api_ms:>8.1f}")
