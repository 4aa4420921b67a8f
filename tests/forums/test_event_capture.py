"""What each forum verb tells the sockets and the ledger, addition and withdrawal alike.

For every verb: the stream events published once it commits (which event, on which
stream, with what payload, and each stored for replay under the id the client saw)
and the activity entries recorded (verb, actor, member concerned, object, data).
A withdrawal (a reaction removed, a vote withdrawn, a poll answer changed or
withdrawn) is an entry of its own, so what is rebuilt from the ledger goes down too.
"""

import pytest

from community.models import Activity
from forums import actions
from forums.models import Post, Thread
from forums.payloads import post_data, thread_data
from realtime.models import Event

# Stored events and stream counters behave as on SQLite: checked there too.
pytestmark = pytest.mark.postgres_too


@pytest.fixture
def forum(make_community, make_user, add_member, staff):
    club = make_community("club")
    author, member, moderator = make_user(), make_user(), make_user()
    add_member(club, author)
    add_member(club, member)
    add_member(club, moderator, role="moderator")
    # staff created the community, so it is its manager (idea statuses are theirs to set).
    return {
        "community": club,
        "author": author,
        "member": member,
        "moderator": moderator,
        "manager": staff,
    }


def happened(capture_events, addresses, action):
    """Run ``action`` and commit; return what it published on ``addresses`` and recorded.

    Events are ``(stream, event, data)``; each was also stored, under the id the
    client saw, for replays. Entries are the activity rows the action added.
    """
    last = Activity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with capture_events(*addresses) as received:
        action()
    for event in received:
        stored = Event.objects.get(stream=event["stream"], seq=event["id"])
        assert (stored.event, stored.data) == (event["event"], event["data"])
    events = [(event["stream"], event["event"], event["data"]) for event in received]
    entries = [
        {
            "verb": entry.verb,
            "actor": entry.actor_id,
            "community": entry.community_id,
            "target_user": entry.target_user_id,
            "object": (entry.object_type, entry.object_id),
            "data": entry.data,
        }
        for entry in Activity.objects.filter(pk__gt=last).order_by("pk")
    ]
    return events, entries


def thread_events(thread):
    """The pair every change to a thread publishes: its page first, then its community's list."""
    data = thread_data(
        Thread.objects.select_related("community", "author__profile").get(pk=thread.pk)
    )
    return [
        (f"thread:{thread.pk}", "thread.changed", data),
        (f"community:{thread.community.slug}", "thread.updated", data),
    ]


def streams(thread):
    return (f"thread:{thread.pk}", f"community:{thread.community.slug}")


def open_thread(forum, kind, **extra):
    return actions.create_thread(
        forum["author"], forum["community"], kind=kind, title=f"A {kind}", body="Text.", **extra
    )


@pytest.mark.django_db
def test_a_reaction_added_then_removed(forum, capture_events):
    thread = open_thread(forum, "discussion")
    post = actions.reply(forum["author"], thread, body="Look at this.")
    member = forum["member"]
    entry = {
        "actor": member.pk,
        "community": forum["community"].pk,
        "target_user": forum["author"].pk,
        "object": ("post", post.pk),
        "data": {"kind": "like"},
    }

    events, entries = happened(
        capture_events, streams(thread), lambda: actions.react(member, post, kind="like")
    )
    shown = post_data(Post.objects.select_related("author__profile").get(pk=post.pk))
    assert shown["reactions"] == {"like": 1}
    assert events == [(f"thread:{thread.pk}", "post.reacted", shown)]
    assert entries == [{"verb": "reaction.added", **entry}]

    events, entries = happened(
        capture_events, streams(thread), lambda: actions.react(member, post, kind="like")
    )
    shown = post_data(Post.objects.select_related("author__profile").get(pk=post.pk))
    assert shown["reactions"] == {}
    assert events == [(f"thread:{thread.pk}", "post.reacted", shown)]
    assert entries == [{"verb": "reaction.removed", **entry}]


@pytest.mark.django_db
def test_an_idea_vote_cast_then_withdrawn(forum, capture_events):
    idea = open_thread(forum, "idea")
    member = forum["member"]
    entry = {
        "actor": member.pk,
        "community": forum["community"].pk,
        "target_user": forum["author"].pk,
        "object": ("thread", idea.pk),
        "data": {},
    }

    events, entries = happened(capture_events, streams(idea), lambda: actions.vote(member, idea))
    assert events == thread_events(idea) and events[0][2]["vote_count"] == 1
    assert entries == [{"verb": "idea.voted", **entry}]

    events, entries = happened(capture_events, streams(idea), lambda: actions.vote(member, idea))
    assert events == thread_events(idea) and events[0][2]["vote_count"] == 0
    assert entries == [{"verb": "idea.vote_withdrawn", **entry}]


LOCK_AND_PIN = [
    # (what the moderator does, the verb recorded, the key and value the events show)
    (lambda m, t: actions.set_locked(m, t, locked=True), "thread.locked", "state", "locked"),
    (lambda m, t: actions.set_locked(m, t, locked=False), "thread.unlocked", "state", "open"),
    (lambda m, t: actions.set_pinned(m, t, pinned=True), "thread.pinned", "pinned", True),
    (lambda m, t: actions.set_pinned(m, t, pinned=False), "thread.unpinned", "pinned", False),
]


@pytest.mark.django_db
def test_lock_unlock_pin_unpin(forum, capture_events):
    thread = open_thread(forum, "discussion")
    moderator = forum["moderator"]
    for change, verb, key, value in LOCK_AND_PIN:
        events, entries = happened(
            capture_events, streams(thread), lambda change=change: change(moderator, thread)
        )
        assert events == thread_events(thread) and events[0][2][key] == value, verb
        assert entries == [
            {
                "verb": verb,
                "actor": moderator.pk,
                "community": forum["community"].pk,
                "target_user": None,
                "object": ("thread", thread.pk),
                "data": {},
            }
        ]


@pytest.mark.django_db
def test_an_idea_status_change_tells_its_author(forum, capture_events):
    idea = open_thread(forum, "idea")
    author, manager = forum["author"], forum["manager"]
    events, entries = happened(
        capture_events,
        (*streams(idea), f"me:{author.pk}"),
        lambda: actions.set_idea_status(manager, idea, status="planned", note="Next month."),
    )
    assert events[:2] == thread_events(idea) and events[0][2]["idea_status"] == "planned"
    # The notification receiver runs after commit: the author hears of it on their stream.
    # (The badges app's receivers may add a level change: these are the forums' events.)
    [(stream, event, data)] = [e for e in events[2:] if e[1] != "level.changed"]
    assert (stream, event) == (f"me:{author.pk}", "notification.created")
    assert (data["kind"], data["thread"]) == ("idea_status", idea.pk)
    assert [e for e in entries if e["verb"] != "level.changed"] == [
        {
            "verb": "idea.status_changed",
            "actor": manager.pk,
            "community": forum["community"].pk,
            "target_user": author.pk,
            "object": ("thread", idea.pk),
            "data": {"before": "new", "after": "planned"},
        }
    ]


@pytest.mark.django_db
def test_a_poll_answer_first_changed_withdrawn(forum, capture_events):
    poll = open_thread(forum, "poll", poll={"options": ["Red", "Blue", "Green"], "multiple": True})
    red, blue, green = poll.poll.options.order_by("position").values_list("pk", flat=True)
    member = forum["member"]
    about = {
        "actor": member.pk,
        "community": forum["community"].pk,
        "target_user": None,
        "object": ("thread", poll.pk),
    }
    steps = [
        ([red], {"verb": "poll.voted", "data": {"options": [red]}}),
        (
            [green, blue],
            {"verb": "poll.answer_changed", "data": {"before": [red], "after": [blue, green]}},
        ),
        ([blue, green], None),  # the same answer again: nothing happened
        ([], {"verb": "poll.vote_withdrawn", "data": {"before": [blue, green]}}),
    ]
    for options, expected in steps:
        events, entries = happened(
            capture_events,
            streams(poll),
            lambda options=options: actions.vote_poll(member, poll, options),
        )
        if expected is None:
            assert (events, entries) == ([], [])
        else:
            assert events == thread_events(poll)
            assert entries == [{**about, **expected}]
