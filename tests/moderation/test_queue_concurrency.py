"""Claims under concurrency, on PostgreSQL: threads with their own connections, one winner."""

import pytest
from django.db import connection

from community.models import Activity
from forums.moderation.queue import actions, flags
from forums.moderation.queue.models import QueueItem
from tests.concurrency import race
from tests.moderation.queue_helpers import world_fixture  # noqa: F401

pytestmark = [pytest.mark.production, pytest.mark.django_db(transaction=True)]


def _moderators(world, make_user, add_member, count):
    mods = [world.moderator]
    for i in range(count - 1):
        mod = make_user(username=f"racer{i}")
        add_member(world.club, mod, role="moderator")
        mods.append(mod)
    return mods


def test_two_moderators_claim_at_once_one_wins(world, make_user, add_member):
    assert connection.vendor == "postgresql"
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    item = QueueItem.objects.get(post=world.post)
    mods = _moderators(world, make_user, add_member, 6)
    results = race([lambda m=m: actions.claim(m, QueueItem.objects.get(pk=item.pk)) for m in mods])
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["conflict"] * 5 + ["ok"], results
    assert {value for kind, value in results if kind == "conflict"} == {"claimed"}
    [winner] = [value for kind, value in results if kind == "ok"]
    item.refresh_from_db()
    assert item.claimed_by_id == winner.claimed_by_id
    assert Activity.objects.filter(verb="queue.claimed").count() == 1


def test_two_moderators_decide_at_once_one_wins(world, make_user, add_member):
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    item = QueueItem.objects.get(post=world.post)
    mods = _moderators(world, make_user, add_member, 4)
    results = race(
        [
            lambda m=m: actions.reject(m, QueueItem.objects.get(pk=item.pk), reason="Spam")
            for m in mods
        ]
    )
    assert sorted(kind for kind, _value in results) == ["conflict"] * 3 + ["ok"], results
    assert Activity.objects.filter(verb="queue.rejected").count() == 1
    assert Activity.objects.filter(verb="post.hidden").count() == 1


def test_flags_racing_a_rejection_neither_deadlock_nor_lose(world):
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    item = QueueItem.objects.get(post=world.post)
    work = [
        lambda: actions.reject(world.moderator, QueueItem.objects.get(pk=item.pk), reason="x"),
        *[lambda f=f: flags.flag_post(f, world.post, reason="abuse") for f in world.flaggers[1:]],
    ]
    results = race(work)
    assert all(kind in ("ok", "conflict") for kind, _value in results), results
    # Every flag that went in is on an item: resolved (upheld) or a new open one.
    assert QueueItem.objects.filter(post=world.post, state="open").count() <= 1
