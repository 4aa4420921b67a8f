"""Editing or removing a post rewrites its stored events in the same transaction (issue 12, 1).

The socket's replay reads these rows (tests/realtime/test_replay_redaction.py
checks what a subscriber receives); here, what is stored and what is not.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from forums import actions
from realtime.models import Event

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_too]


@pytest.fixture
def world(make_community, add_member, make_user):
    community = make_community(slug="open-lounge")
    ana, ben, mod = make_user(username="ana"), make_user(username="ben"), make_user(username="mo")
    for user, role in ((ana, "member"), (ben, "member"), (mod, "moderator")):
        add_member(community, user, role=role)
    thread = actions.create_thread(ana, community, kind="discussion", title="Hi", body="Opening")
    post = actions.reply(ben, thread, body="First draft 0612345678")
    return {"thread": thread, "post": post, "ana": ana, "ben": ben, "mod": mod}


def stored(thread):
    return list(
        Event.objects.filter(stream=f"thread:{thread.pk}")
        .order_by("seq")
        .values_list("seq", "event", "data")
    )


def test_an_edit_leaves_only_the_current_version_in_the_outbox(world):
    actions.react(world["ana"], world["post"], kind="like")
    actions.edit_post(world["ben"], world["post"], body="Current text")
    rows = stored(world["thread"])
    assert [seq for seq, _event, _data in rows] == [1, 2, 3, 4]  # nothing removed
    assert "0612345678" not in repr(rows)
    about = [data for _seq, event, data in rows if data.get("id") == world["post"].pk]
    assert [data["html"] for data in about] == ["<p>Current text</p>"] * 3
    assert about[1]["reactions"] == {"like": 1}  # counts are not content: kept
    # Other posts' events are untouched.
    assert rows[0][2]["html"] == "<p>Opening</p>"


@pytest.mark.parametrize("remover", ["ben", "mod"])
def test_a_removal_leaves_a_tombstone(world, remover):
    actions.edit_post(world["ben"], world["post"], body="Second draft")
    actions.delete_post(world[remover], world["post"])
    rows = stored(world["thread"])
    assert [seq for seq, _event, _data in rows] == [1, 2, 3, 4]
    assert "0612345678" not in repr(rows) and "Second draft" not in repr(rows)
    for _seq, _event, data in rows[1:]:
        assert data["deleted"] is True
        assert (data["body"], data["html"], data["edited_at"], data["reactions"]) == (
            "",
            "",
            None,
            {},
        )
        assert data["author"]["username"] == "ben"


def test_a_rolled_back_edit_or_removal_rewrites_nothing(world):
    actions.edit_post(world["ben"], world["post"], body="Kept text")
    before = stored(world["thread"])
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.edit_post(world["ben"], world["post"], body="Never committed")
        actions.delete_post(world["mod"], world["post"])
        raise RuntimeError("the request fails")
    assert stored(world["thread"]) == before
    assert "Kept text" in repr(before) and "0612345678" not in repr(before)


def edit_queries(world, reactions, body):
    post = actions.reply(world["ben"], world["thread"], body="Draft")
    for user in [world["ana"], world["mod"], world["ben"]] * reactions:
        actions.react(user, post, kind="like")
    with CaptureQueriesContext(connection) as queries:
        actions.edit_post(world["ben"], post, body=body)
    return len(queries)


def test_an_edit_costs_the_same_however_many_events_the_post_has(world):
    # Reading the post's events and rewriting them are one statement each.
    assert edit_queries(world, 1, "Small") == edit_queries(world, 10, "Big")
