"""A forum write whose surrounding transaction fails leaves no trace outside it.

Each verb runs inside a ``transaction.atomic()`` that then raises (a view or a
command failing after the action). Inside, the action has recorded its entry and
stored its events; after the rollback nothing is published to any socket, no
event is left for replays (nor a stream id taken), no entry is in the ledger,
and no activity receiver has run.
"""

import pytest
from django.db import transaction

from community import activity
from community.models import Activity
from forums import actions
from forums.models import Post, Thread
from realtime.models import Event, StreamCounter

pytestmark = pytest.mark.postgres_too  # real row locks and savepoints there


@pytest.fixture
def world(make_community, make_user, add_member, staff):
    club = make_community("club")
    author, member, moderator = make_user(), make_user(), make_user()
    for user in (author, member):
        add_member(club, user)
    add_member(club, moderator, role="moderator")

    def opened(kind, **extra):
        return actions.create_thread(author, club, kind=kind, title=kind, body="Text.", **extra)

    question, idea = opened("question"), opened("idea")
    poll = opened("poll", poll={"options": ["Yes", "No"]})
    answer = actions.reply(member, question, body="Try this.")
    return {
        "community": club,
        "author": author,
        "member": member,
        "moderator": moderator,
        "manager": staff,
        "question": question,
        "answer": answer,
        "idea": idea,
        "poll": poll,
    }


def _poll_vote(w):
    first = w["poll"].poll.options.order_by("position").first()
    actions.vote_poll(w["member"], w["poll"], [first.pk])


CASES = {
    "create_thread": (
        "thread.created",
        lambda w: actions.create_thread(
            w["member"], w["community"], kind="discussion", title="New", body="Hello."
        ),
    ),
    "reply": ("post.created", lambda w: actions.reply(w["member"], w["question"], body="And?")),
    "edit": ("post.edited", lambda w: actions.edit_post(w["member"], w["answer"], body="Edited.")),
    "delete": ("post.deleted", lambda w: actions.delete_post(w["member"], w["answer"])),
    "react": ("reaction.added", lambda w: actions.react(w["author"], w["answer"], kind="like")),
    "accept": (
        "answer.accepted",
        lambda w: actions.accept_answer(w["author"], w["question"], w["answer"]),
    ),
    "vote": ("idea.voted", lambda w: actions.vote(w["member"], w["idea"])),
    "idea status": (
        "idea.status_changed",
        lambda w: actions.set_idea_status(w["manager"], w["idea"], status="planned"),
    ),
    "poll vote": ("poll.voted", _poll_vote),
    "lock": (
        "thread.locked",
        lambda w: actions.set_locked(w["moderator"], w["question"], locked=True),
    ),
    "pin": (
        "thread.pinned",
        lambda w: actions.set_pinned(w["moderator"], w["question"], pinned=True),
    ),
}


def _outbox_and_ledger():
    """Everything a committed action leaves for sockets, replays and receivers."""
    return {
        "events": list(Event.objects.order_by("pk").values_list("pk", "stream", "seq", "data")),
        "counters": dict(StreamCounter.objects.values_list("stream", "last_id")),
        "ledger": list(Activity.objects.order_by("pk").values_list("pk", "verb")),
        "threads": list(Thread.objects.order_by("pk").values()),
        "posts": list(Post.objects.order_by("pk").values()),
    }


@pytest.fixture
def receiver():
    seen = []

    def receive(entry):
        seen.append(entry.verb)

    activity.connect(activity.ANY, receive)
    yield seen
    activity.disconnect(receive)


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES))
def test_a_failing_transaction_publishes_and_records_nothing(world, case, capture_events, receiver):
    verb, action = CASES[case]
    streams = [
        *(f"thread:{world[kind].pk}" for kind in ("question", "idea", "poll")),
        f"community:{world['community'].slug}",
        f"moderation:{world['community'].slug}",
        *(f"me:{world[name].pk}" for name in ("author", "member", "moderator", "manager")),
    ]
    before = _outbox_and_ledger()
    events_before = Event.objects.count()
    with capture_events(*streams) as events, pytest.raises(RuntimeError), transaction.atomic():
        action(world)
        # The action did its part: its entry and its events are in this transaction...
        assert Activity.objects.filter(verb=verb, pk__gt=before["ledger"][-1][0]).exists()
        assert Event.objects.count() > events_before
        raise RuntimeError("the request failed after the action")
    # ...and went with it.
    assert events == []
    assert receiver == []
    assert _outbox_and_ledger() == before
