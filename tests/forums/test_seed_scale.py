"""seed_scale: the benchmarks' bulk fixture is fast because it bypasses the actions,
so these tests check it still leaves the data as the actions would have."""

import json
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min

from community.models import Community, Membership, Profile, User
from community.validators import skeleton
from forums import queries
from forums.management.commands.seed_scale import SCALE_PASSWORD, parse_distribution
from forums.models import Post, Thread

pytestmark = [pytest.mark.postgres_too, pytest.mark.django_db]


def seed(**options):
    out = StringIO()
    call_command("seed_scale", json=True, stdout=out, **options)
    return json.loads(out.getvalue())


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    return seed(
        communities=2,
        threads=30,
        threads_per_other=4,
        posts_per_thread="1-6",
        members=12,
        page_threads="1,20,100",
        big_thread_posts=70,
        seed=7,
    )


def test_counts_and_accounts(seeded):
    assert seeded["users"] == User.objects.count() == 12
    assert seeded["communities"] == Community.objects.count() == 2
    assert seeded["threads"] == Thread.objects.count() == 30 + 4 + 3 + 1
    assert seeded["posts"] == Post.objects.count()
    assert Profile.objects.count() == 12
    for user in User.objects.all():
        assert user.username_skeleton == skeleton(user.username)
        assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
    assert Membership.objects.filter(state="active").count() == 12 * 2
    assert Membership.objects.filter(role="manager").count() == 2
    big = Community.objects.get(slug=seeded["big_community"])
    assert big.threads.filter(pinned=True, kind="announcement").count() == 2


def test_posts_are_numbered_and_counters_match(seeded):
    for thread in Thread.objects.all():
        posts = list(thread.posts.order_by("pk").values("number", "author_id", "created_at"))
        assert [p["number"] for p in posts] == list(range(1, thread.post_count + 1))
        assert posts[0]["author_id"] == thread.author_id
        assert posts[0]["created_at"] == thread.created_at
        assert thread.last_activity_at == max(p["created_at"] for p in posts)
        others = [p["created_at"] for p in posts if p["author_id"] != thread.author_id]
        assert thread.first_response_at == (min(others) if others else None)
        if thread.accepted_post_id:
            assert thread.kind == "question"
            accepted = Post.objects.get(pk=thread.accepted_post_id)
            assert accepted.thread_id == thread.pk and accepted.number > 1
        assert thread.idea_status == ("new" if thread.kind == "idea" else "")
    # Every author is an active member of the thread's community.
    authors = Post.objects.values_list("thread__community_id", "author_id").distinct()
    for community_id, author_id in authors:
        assert Membership.objects.filter(
            community_id=community_id, user_id=author_id, state="active"
        ).exists()
    assert not Post.objects.filter(html="").exists()
    counts = Post.objects.values("thread_id").annotate(n=Count("id"), top=Max("number"))
    assert all(row["n"] == row["top"] for row in counts)
    assert Post.objects.aggregate(low=Min("number"))["low"] == 1
    pages = seeded["page_threads"]
    for count, thread_id in pages.items():
        assert Thread.objects.get(pk=thread_id).post_count == int(count)
    assert Thread.objects.get(pk=seeded["big_thread"]).post_count == 70


def test_members_can_sign_in(seeded, client):
    response = client.post(
        "/accounts/login/", {"login": seeded["sample_user"]["email"], "password": SCALE_PASSWORD}
    )
    assert response.status_code == 302
    assert str(client.session["_auth_user_id"]) == str(
        User.objects.get(username=seeded["sample_user"]["username"]).pk
    )


def test_thread_list_walks_every_thread_once(seeded):
    big = Community.objects.get(slug=seeded["big_community"])
    seen, cursor = [], None
    while True:
        rows, cursor = queries.threads(big, cursor=cursor, limit=7)
        seen += rows
        if cursor is None:
            break
    assert len(seen) == len({t.pk for t in seen}) == big.threads.count()
    keys = [(t.pinned, t.last_activity_at, t.pk) for t in seen]
    assert keys == sorted(keys, reverse=True)


def test_pages_render(seeded, client):
    slug = seeded["big_community"]
    assert client.get(f"/c/{slug}/").status_code == 200
    for thread_id in seeded["page_threads"].values():
        assert client.get(f"/c/{slug}/t/{thread_id}/").status_code == 200
    big = seeded["big_thread"]
    first = client.get(f"/c/{slug}/t/{big}/")
    assert first.status_code == 200 and len(first.context["posts"]) == 50
    second = client.get(f"/c/{slug}/t/{big}/?after={first.context['next_after']}")
    assert [p.number for p in second.context["posts"]] == list(range(51, 71))
    client.force_login(User.objects.get(username=seeded["sample_user"]["username"]))
    page = client.get(f"/c/{slug}/t/{big}/")
    assert page.status_code == 200 and page.context["can_reply"]


def test_refuses_twice_and_without_debug(seeded, settings):
    with pytest.raises(CommandError, match="exists already"):
        seed(threads=1, members=1)
    again = seed(threads=1, members=1, force=True)
    assert again["prefix"] == "scale2" and again["big_community"] == "scale2-0"
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        seed(threads=1, members=1, prefix="other")
    assert seed(threads=1, members=1, prefix="other", force=True)["prefix"] == "other"


def test_distribution_specs():
    import random

    rng = random.Random(1)
    assert parse_distribution("5")(rng) == 5
    assert {parse_distribution("2-4")(rng) for _ in range(200)} == {2, 3, 4}
    tail = [parse_distribution("1-100:tail")(rng) for _ in range(1000)]
    assert min(tail) >= 1 and max(tail) <= 100 and sorted(tail)[500] < 20
    for bad in ("0", "5-2", "x", "1-y"):
        with pytest.raises(CommandError):
            parse_distribution(bad)
