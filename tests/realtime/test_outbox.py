"""The outbox: events numbered per stream in commit order, stored with their change."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from forums import actions as forum_actions
from realtime import publish
from realtime.models import Event, StreamCounter

pytestmark = pytest.mark.postgres_too

DATA = {"community": "club", "username": "ana", "role": "member", "state": "active"}


def publish_me(user_id=1):
    return publish.send_event_on_commit(f"me:{user_id}", "membership.changed", DATA)


@pytest.mark.django_db
def test_ids_count_up_per_stream_and_are_stored_with_the_change():
    with transaction.atomic():
        first, second = publish_me(1), publish_me(1)
        other = publish_me(2)
    assert (first, second, other) == (1, 2, 1)
    stored = list(Event.objects.filter(stream="me:1").values_list("seq", "event", "data"))
    assert stored == [(1, "membership.changed", DATA), (2, "membership.changed", DATA)]
    assert StreamCounter.objects.get(stream="me:1").last_id == 2


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_no_event_and_no_hole(capture_events):
    with capture_events("me:1") as events:
        publish_me(1)
        with pytest.raises(RuntimeError), transaction.atomic():
            publish_me(1)
            raise RuntimeError("the write fails")
        publish_me(1)
    assert [e["id"] for e in events] == [1, 2]  # the rolled back id was given again
    assert list(Event.objects.values_list("seq", flat=True).order_by("seq")) == [1, 2]


@pytest.mark.django_db
def test_events_leave_only_after_commit_with_their_frame_serialised_once(capture_events):
    with capture_events("me:7") as events, transaction.atomic():
        publish_me(7)
        assert events == []
    [message] = events
    # Subscribers of "me" read the public name, not the per-user address.
    assert message["text"] == (
        '{"stream":"me","event":"membership.changed","id":1,"data":'
        '{"community":"club","username":"ana","role":"member","state":"active"}}'
    )


@pytest.mark.django_db
def test_replay_returns_what_came_after_since():
    for _ in range(5):
        publish_me()
    rows, last = publish.replay("me:1", 2)
    assert [row.seq for row in rows] == [3, 4, 5] and last == 5
    assert publish.replay("me:1", 5) == ([], 5)
    assert publish.replay("me:9", 0) == ([], 0)  # a stream nobody published on


@pytest.mark.django_db
def test_replay_refuses_what_it_cannot_give_whole():
    for _ in range(5):
        publish_me()
    with pytest.raises(publish.TooFarBehind):
        publish.replay("me:1", 6)  # ahead of the stream: ids from another database
    Event.objects.filter(seq__lte=2).delete()  # pruned
    with pytest.raises(publish.TooFarBehind):
        publish.replay("me:1", 0)
    assert [row.seq for row in publish.replay("me:1", 2)[0]] == [3, 4, 5]
    with override_settings(REALTIME_REPLAY_MAX=2), pytest.raises(publish.TooFarBehind):
        publish.replay("me:1", 2)
    Event.objects.all().delete()
    with pytest.raises(publish.TooFarBehind):
        publish.replay("me:1", 4)  # all pruned: the counter still knows there were some


@pytest.mark.django_db
def test_prune_events_deletes_past_the_retention_window():
    publish_me()
    publish_me()
    Event.objects.filter(seq=1).update(created_at=timezone.now() - timedelta(days=8))
    with override_settings(REALTIME_RETENTION_DAYS=7):
        call_command("prune_events", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(Event.objects.values_list("seq", flat=True)) == [2]
    assert StreamCounter.objects.get(stream="me:1").last_id == 2  # ids never restart


def test_undeclared_or_misdirected_events_are_refused():
    with pytest.raises(ValueError, match="Undeclared"):
        publish.send_event_on_commit("me:1", "post.exploded", {})
    with pytest.raises(ValueError, match="goes to"):
        publish.send_event_on_commit("community:x", "membership.changed", DATA)
    with pytest.raises(ValueError, match="ephemeral"):
        publish.send_event_on_commit("thread:1", "typing", {})


# SQLite's test database is in shared memory, where writers fail instead of waiting:
# this race runs on PostgreSQL (production tier).
@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_concurrent_replies_get_ids_in_commit_order(make_community, add_member, make_user):
    """Writers racing on one thread: the stored ids are 1..n with no gap, in commit order."""
    community = make_community(slug="race")
    author, *writers = (make_user() for _ in range(5))
    for user in (author, *writers):
        add_member(community, user)
    thread = forum_actions.create_thread(
        author, community, kind="discussion", title="Race", body="Go"
    )
    errors = []

    def write(user):
        try:
            for n in range(5):
                forum_actions.reply(user, thread, body=f"{user.username} {n}")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(user,)) for user in writers]
    for started in threads:
        started.start()
    for started in threads:
        started.join()
    assert errors == []
    stream = f"thread:{thread.pk}"
    rows = list(Event.objects.filter(stream=stream).order_by("id"))
    # Ids match insertion order (commit order under the counter's lock) and have no gap.
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    created = [row.data["number"] for row in rows if row.event == "post.created"]
    assert created == list(range(1, 22))  # the opening post and 20 replies, in order
