"""A replay shows only what the thread page would show its reader now (issue 12, defect 1).

Edits, author deletions and moderator removals rewrite the stored events of the
post in the same transaction, so that ``subscribe`` with ``since`` never hands
back an earlier version or a removed body, while ids stay gap-free and ordered.
"""

import json

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from forums import actions as forum_actions
from realtime.models import Event
from tests.realtime.test_consumer import connect, send

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

DRAFT = "My phone number is 0612345678"
SECOND_DRAFT = "Call me on Tuesday at the shop"
CURRENT = "Sorted, thanks everyone"


@pytest.fixture
def world(make_community, add_member, make_user):
    community = make_community(slug="open-lounge")  # public: anyone may read it
    ana, ben, mod = make_user(username="ana"), make_user(username="ben"), make_user(username="mo")
    add_member(community, ana)
    add_member(community, ben)
    add_member(community, mod, role="moderator")
    thread = forum_actions.create_thread(
        ana, community, kind="discussion", title="Hello", body="First post"
    )
    return {"thread": thread, "ana": ana, "ben": ben, "mod": mod}


async def replay_from_zero(thread):
    """Subscribe anonymously with ``since`` 0; return the raw frames and the last id."""
    stream = f"thread:{thread.pk}"
    socket, _ = await connect()
    subscribed = await send(socket, {"op": "subscribe", "stream": stream, "since": 0})
    assert subscribed["op"] == "subscribed"
    texts = [await socket.receive_from(timeout=2) for _ in range(subscribed["last_id"])]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
    return texts, subscribed["last_id"]


def exactly_once_in_order(frames, last_id):
    assert [frame["id"] for frame in frames] == list(range(1, last_id + 1))


def of_post(frames, post):
    return [
        frame
        for frame in frames
        if frame["event"].startswith("post.") and frame["data"]["id"] == post.pk
    ]


async def test_after_an_edit_the_replay_shows_only_the_current_body(world):
    thread, ben = world["thread"], world["ben"]
    post = await sync_to_async(forum_actions.reply)(ben, thread, body=DRAFT)
    await sync_to_async(forum_actions.edit_post)(ben, post, body=SECOND_DRAFT)
    await sync_to_async(forum_actions.edit_post)(ben, post, body=CURRENT)
    await sync_to_async(forum_actions.reply)(world["ana"], thread, body="Good to hear")

    texts, last_id = await replay_from_zero(thread)

    for text in texts:
        assert "0612345678" not in text and "Tuesday" not in text
    frames = [json.loads(text) for text in texts]
    exactly_once_in_order(frames, last_id)
    mine = of_post(frames, post)
    assert [frame["event"] for frame in mine] == ["post.created", "post.edited", "post.edited"]
    assert {frame["data"]["html"] for frame in mine} == {f"<p>{CURRENT}</p>"}
    assert {frame["data"]["body"] for frame in mine} == {CURRENT}
    # What the page shows next to the post is kept: its author and number.
    assert mine[0]["data"]["author"]["username"] == "ben"
    assert mine[0]["data"]["number"] == 2


@pytest.mark.parametrize("remover", ["ben", "mod"])
async def test_after_a_deletion_the_replay_carries_a_tombstone(world, remover):
    thread, ben = world["thread"], world["ben"]
    post = await sync_to_async(forum_actions.reply)(ben, thread, body=DRAFT)
    await sync_to_async(forum_actions.react)(world["ana"], post, kind="like")
    await sync_to_async(forum_actions.edit_post)(ben, post, body=SECOND_DRAFT)
    await sync_to_async(forum_actions.delete_post)(world[remover], post)

    texts, last_id = await replay_from_zero(thread)

    for text in texts:
        assert "0612345678" not in text and "Tuesday" not in text
    frames = [json.loads(text) for text in texts]
    exactly_once_in_order(frames, last_id)
    mine = of_post(frames, post)
    assert [frame["event"] for frame in mine] == [
        "post.created",
        "post.reacted",
        "post.edited",
        "post.deleted",
    ]
    created = mine[0]["data"]
    # The page shows a deleted post's author and time, and "This post was deleted.".
    assert created["deleted"] is True
    assert created["html"] == created["body"] == ""
    assert created["author"]["username"] == "ben"
    assert created["edited_at"] is None
    assert mine[1]["data"]["reactions"] == {}  # the page shows no reactions on it
    assert mine[2]["data"]["html"] == "" and mine[2]["data"]["deleted"] is True


async def test_a_rolled_back_edit_rewrites_nothing(world):
    thread, ben = world["thread"], world["ben"]
    post = await sync_to_async(forum_actions.reply)(ben, thread, body=DRAFT)
    await sync_to_async(forum_actions.edit_post)(ben, post, body=CURRENT)

    @sync_to_async
    def edit_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            forum_actions.edit_post(ben, post, body=SECOND_DRAFT)
            raise RuntimeError("the request fails after the edit")
        with pytest.raises(RuntimeError), transaction.atomic():
            forum_actions.delete_post(ben, post)
            raise RuntimeError("and so does the deletion")
        return list(Event.objects.order_by("stream", "seq").values_list("stream", "seq", "data"))

    stored = await edit_then_fail()
    texts, last_id = await replay_from_zero(thread)

    assert all("Tuesday" not in text and "0612345678" not in text for text in texts)
    frames = [json.loads(text) for text in texts]
    exactly_once_in_order(frames, last_id)
    assert {frame["data"]["html"] for frame in of_post(frames, post)} == {f"<p>{CURRENT}</p>"}
    assert all(not data.get("deleted") for _stream, _seq, data in stored)
