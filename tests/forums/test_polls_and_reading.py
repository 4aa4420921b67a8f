"""Polls (options, single or multiple choice, closing) and read state (unread counts)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community import actions as community_actions
from forums import actions, queries
from forums.models import PollOption

pytestmark = pytest.mark.postgres_too


@pytest.fixture
def forum(make_community, make_user, add_member):
    ideas = make_community("ideas", visibility="public", join_policy="open", kind="ideas")
    people = [make_user() for _ in range(3)]
    for user in people:
        add_member(ideas, user)
    return {"community": ideas, "people": people}


def new_poll(forum, options=("Red", "Blue", "Green"), **rules):
    return actions.create_thread(
        forum["people"][0],
        forum["community"],
        kind="poll",
        title="Colour?",
        body="Which colour next?",
        poll={"options": list(options), **rules},
    )


@pytest.mark.django_db
def test_single_choice_poll(forum):
    thread = new_poll(forum)
    red, blue, _green = PollOption.objects.filter(poll=thread.poll)
    alice, bob, _carol = forum["people"]
    hidden = queries.poll_for(alice, thread)
    assert [o["votes"] for o in hidden["options"]] == [None, None, None]  # vote to see
    assert actions.vote_poll(alice, thread, [red.pk]) == [red.pk]
    actions.vote_poll(bob, thread, [red.pk])
    actions.vote_poll(bob, thread, [blue.pk])  # changed their mind
    seen = queries.poll_for(alice, queries.thread_for(alice, thread.pk))
    assert [o["votes"] for o in seen["options"]] == [1, 1, 0]
    assert seen["voter_count"] == 2 and seen["my_votes"] == [red.pk]
    with pytest.raises(ValidationError):
        actions.vote_poll(alice, thread, [red.pk, blue.pk])
    actions.vote_poll(bob, thread, [])  # withdrawn
    assert queries.poll_for(alice, queries.thread_for(alice, thread.pk))["voter_count"] == 1


@pytest.mark.django_db
def test_multiple_choice_and_closing(forum):
    thread = new_poll(forum, multiple=True, closes_at=timezone.now() + timedelta(hours=1))
    red, blue, green = PollOption.objects.filter(poll=thread.poll)
    alice, bob, carol = forum["people"]
    actions.vote_poll(alice, thread, [red.pk, green.pk])
    with pytest.raises(ValidationError):  # not an option of this poll
        actions.vote_poll(alice, thread, [red.pk, 999999])
    thread.poll.closes_at = timezone.now() - timedelta(seconds=1)
    thread.poll.save(update_fields=["closes_at"])
    with pytest.raises(PermissionDenied):
        actions.vote_poll(bob, thread, [blue.pk])
    closed = queries.poll_for(carol, queries.thread_for(carol, thread.pk))  # results for all
    assert closed["closed"] and [o["votes"] for o in closed["options"]] == [1, 0, 1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "poll",
    [
        {"options": ["Only one"]},
        {"options": [f"o{i}" for i in range(21)]},
        {"options": ["Same", "same"]},
        {"options": ["Fine", ""]},
        {"options": ["A", "B"], "closes_at": timezone.now() - timedelta(days=1)},
        {"options": "A,B"},
        None,
    ],
)
def test_bad_polls_are_refused(forum, poll):
    with pytest.raises(ValidationError):
        actions.create_thread(
            forum["people"][0], forum["community"], kind="poll", title="t", body="b", poll=poll
        )


@pytest.mark.django_db
def test_poll_through_the_api(client, forum):
    _token, key = community_actions.create_api_token(forum["people"][1], forum["people"][1])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    response = client.post(
        "/api/v1/communities/ideas/threads",
        {"kind": "poll", "title": "Ride day?", "body": "Pick one", "options": ["Sat", "Sun"]},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201, response.json()
    thread = response.json()
    sat = thread["poll"]["options"][0]["id"]
    response = client.post(
        f"/api/v1/threads/{thread['id']}/poll",
        {"options": [sat]},
        content_type="application/json",
        **auth,
    )
    assert response.json()["options"][0]["votes"] == 1
    response = client.post(
        f"/api/v1/threads/{thread['id']}/poll",
        {"options": ["x"]},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422


@pytest.mark.django_db
def test_read_state_and_unread_counts(client, forum):
    alice, bob, _carol = forum["people"]
    thread = actions.create_thread(bob, forum["community"], kind="discussion", title="T", body="b")
    actions.mark_read(alice, thread, 1)
    actions.mark_read(alice, thread, 0)  # never backwards, never zero
    assert queries.read_state(alice, thread) == 1
    assert queries.unread_thread_count(alice) == 0
    actions.reply(bob, thread, body="news")
    assert queries.unread_thread_count(alice) == 1
    rows, _ = queries.threads(forum["community"], user=alice)
    assert rows[0].last_read == 1 and rows[0].post_count == 2
    client.force_login(alice)
    # "achievements" is the badges app's counter (community.unread), "content" the cms's
    # (notices about offers and events): none here.
    unread = {
        "threads": 1,
        "notifications": 0,
        "achievements": 0,
        "moderation_notices": 0,
        "content": 0,
    }
    assert client.get("/api/v1/me").json()["unread"] == unread
    response = client.post(f"/api/v1/threads/{thread.pk}/read?number=99")
    assert response.json() == {"thread": thread.pk, "last_read": 2}  # capped at the last post
    assert client.get("/api/v1/me").json()["unread"] == {**unread, "threads": 0}
    # Losing access to the community removes its threads from the count.
    actions.reply(bob, thread, body="more")
    community_actions.update_community(
        forum["community"].created_by, forum["community"], visibility="private"
    )
    community_actions.leave(alice, forum["community"])
    assert queries.unread_thread_count(alice) == 0


@pytest.mark.django_db
def test_mark_read_with_the_position_already_known(forum):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    alice, bob, _carol = forum["people"]
    thread = actions.create_thread(bob, forum["community"], kind="discussion", title="T", body="b")
    for i in range(3):
        actions.reply(bob, thread, body=f"r{i}")

    def mark(number, last_read):
        with CaptureQueriesContext(connection) as ctx:
            actions.mark_read(alice, thread, number, last_read=last_read)
        return [q["sql"].split()[0] for q in ctx.captured_queries]

    assert "INSERT" in mark(2, None)  # never opened: straight to the insert
    assert queries.read_state(alice, thread) == 2
    assert mark(2, 2) == mark(1, 2) == []  # nothing new read: not even a query
    assert mark(4, 2) == ["UPDATE"]
    assert queries.read_state(alice, thread) == 4
    # Positions known by a page that was stale (another tab read further) never go back.
    mark(3, None)
    mark(3, 1)
    assert queries.read_state(alice, thread) == 4
    actions.mark_read(alice, thread, 3)  # position not known: the update-or-insert
    assert queries.read_state(alice, thread) == 4
