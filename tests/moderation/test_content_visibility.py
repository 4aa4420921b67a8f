"""Held and hidden content on every read surface: lists, the thread page, the API's
threads and posts, search, unread counts, notifications, streams; and the thread page's
query count, which hidden posts do not change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums import actions, notification_access, queries, screening, search
from forums.models import Status
from forums.streams import may_read_thread
from tests.moderation.content_world import world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_thread(world, make_user, add_member):
    newbie = make_user(username="newbie")
    add_member(world["club"], newbie)

    def hold(draft):
        if draft.actor.username == "newbie":
            draft.hold.append("first posts")

    screening.register(hold)
    try:
        thread = actions.create_thread(
            newbie, world["club"], kind="discussion", title="Zanzibar pending", body="Zanzibar"
        )
        reply = actions.reply(newbie, world["thread"], body="Quokka held reply")
    finally:
        screening._screens.remove(hold)
    return {"newbie": newbie, "thread": thread, "reply": reply}


def listed(user, community):
    rows, _next = queries.threads(community, user=user, limit=50)
    return {t.pk for t in rows}


def test_held_thread_only_for_its_author_and_moderators(world, held_thread, client):
    thread, newbie = held_thread["thread"], held_thread["newbie"]
    assert thread.status == Status.HELD
    assert thread.pk not in listed(world["reader"], world["club"])
    assert thread.pk in listed(newbie, world["club"])
    assert thread.pk in listed(world["mod"], world["club"])
    url = thread.get_absolute_url()
    client.force_login(world["reader"])
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/threads/{thread.pk}").status_code == 404
    ids = {t["id"] for t in client.get("/api/v1/communities/club/threads").json()["items"]}
    assert thread.pk not in ids
    assert not may_read_thread(world["reader"], str(thread.pk))
    client.force_login(newbie)
    page = client.get(url)
    assert page.status_code == 200 and "Awaiting review" in page.content.decode()
    assert client.get(f"/api/v1/threads/{thread.pk}").json()["status"] == "held"
    client.force_login(world["mod"])
    assert client.get(url).status_code == 200
    assert may_read_thread(world["mod"], str(thread.pk))
    assert not search.search(world["reader"], "zanzibar")


def test_held_reply_only_for_its_author_and_moderators(world, held_thread, client):
    thread, reply = world["thread"], held_thread["reply"]
    client.force_login(world["reader"])
    assert "Quokka" not in client.get(thread.get_absolute_url()).content.decode()
    api = client.get(f"/api/v1/threads/{thread.pk}/posts").json()["items"]
    assert reply.pk not in {p["id"] for p in api}
    assert client.get(f"/posts/{reply.pk}/history/").status_code == 404
    client.force_login(held_thread["newbie"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Quokka" in page and "Awaiting review" in page
    client.force_login(world["mod"])
    api = client.get(f"/api/v1/threads/{thread.pk}/posts").json()["items"]
    assert [p["status"] for p in api if p["id"] == reply.pk] == ["held"]


def test_hidden_post_is_a_placeholder_for_others(world, client):
    post = world["reply"]
    actions.hide_post(world["mod"], post, reason="Rude")
    url = world["thread"].get_absolute_url()
    client.force_login(world["member"])
    page = client.get(url).content.decode()
    assert "A reply to hide" not in page and "hidden by a moderator" in page
    [item] = [
        p
        for p in client.get(f"/api/v1/threads/{world['thread'].pk}/posts").json()["items"]
        if p["id"] == post.pk
    ]
    assert item["hidden"] and item["body"] == "" and item["html"] == ""
    assert not search.search(world["member"], "hide")
    client.force_login(world["mod"])
    page = client.get(url).content.decode()
    assert "A reply to hide" in page and "post-hidden" in page
    [item] = [
        p
        for p in client.get(f"/api/v1/threads/{world['thread'].pk}/posts").json()["items"]
        if p["id"] == post.pk
    ]
    assert item["hidden"] and "A reply to hide" in item["body"]


def test_hidden_thread_is_missing_for_others_everywhere(world, client):
    thread = world["thread"]
    # The reader watches and has read it; a reply afterwards makes it unread.
    actions.watch(world["reader"], thread=thread, watching=True)
    actions.mark_read(world["reader"], thread, 1)
    actions.reply(world["member"], thread, body="Something new")
    assert queries.unread_thread_count(world["reader"]) == 1
    actions.hide_thread(world["mod"], thread, reason="Off-topic")
    assert thread.pk not in listed(world["reader"], world["club"])
    assert thread.pk not in listed(world["mod"], world["club"])  # out of every list
    assert queries.unread_thread_count(world["reader"]) == 0
    assert not notification_access.visible_to(world["reader"]).filter(thread=thread).exists()
    assert not search.search(world["reader"], "squeak")
    assert not may_read_thread(world["reader"], str(thread.pk))
    client.force_login(world["reader"])
    missing = client.get("/c/club/t/999999/")
    hidden = client.get(thread.get_absolute_url())
    assert hidden.status_code == missing.status_code == 404
    assert client.get(f"/api/v1/threads/{thread.pk}").status_code == 404
    assert client.get(f"/api/v1/threads/{thread.pk}/posts").status_code == 404
    assert (
        client.get(f"/api/v1/threads/{thread.pk}").json()
        == client.get("/api/v1/threads/999999").json()
    )
    client.force_login(world["mod"])
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200 and "Hidden by a moderator" in page.content.decode()


def test_thread_page_queries_do_not_grow_with_hidden_posts(world, client):
    thread = world["thread"]
    # Every author the page will show is on it from the start (an author's facets cost
    # the same whoever they are: the count compares posts, not people).
    actions.reply(world["mod"], thread, body="A moderator's word")
    client.force_login(world["reader"])
    client.get(thread.get_absolute_url())  # warm caches (sessions, facets)
    counts = []
    for _round in range(2):
        # Read once first: the page then records the read position after it has gone
        # (a write counted by the capture only when there was something new to read).
        client.get(thread.get_absolute_url())
        with CaptureQueriesContext(connection) as captured:
            assert client.get(thread.get_absolute_url()).status_code == 200
        counts.append(len(captured))
        for n in range(6):
            post = actions.reply(world["mod"], thread, body=f"more {n}")
            if n % 2:
                actions.hide_post(world["mod"], post, reason="Noise")
    assert counts[0] == counts[1]
    client.force_login(world["mod"])
    client.get(thread.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        client.get(thread.get_absolute_url())
    moderator = len(captured)
    actions.hide_post(world["mod"], actions.reply(world["mod"], thread, body="x"), reason="y")
    client.get(thread.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        client.get(thread.get_absolute_url())
    assert len(captured) == moderator
