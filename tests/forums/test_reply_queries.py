"""What a reply costs in queries, from the permission check to the last receiver.

The thread row is locked from the read under the lock until commit, so every
other writer to the thread waits that long: nothing that can be read before or
with the lock is read lazily while it is held (review found the thread's author
and their profile loaded twice that way, for the events' ``thread_data``).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import activity, facets
from community.models import Activity
from forums import actions, queries

pytestmark = pytest.mark.postgres_too  # the same queries on SQLite and PostgreSQL


def label(sql):
    """``SAVEPOINT``, ``RELEASE SAVEPOINT``, or the statement and its (first) table."""
    if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
        return sql.rsplit(" ", 1)[0]
    written = re.match(r'(INSERT INTO|UPDATE) "?(\w+)', sql)
    if written:
        return f"{written[1].split()[0]} {written[2]}"
    read = re.search(r'FROM "?(\w+)', sql)
    return f"SELECT {read[1]}"


def locked_window(captured):
    """The labels of the queries run inside the action's own transaction."""
    sqls = [query["sql"] for query in captured]
    opened = next(i for i, sql in enumerate(sqls) if sql.startswith("SAVEPOINT"))
    name = sqls[opened].split(" ", 1)[1]
    closed = sqls.index(f"RELEASE SAVEPOINT {name}")
    return [label(sql) for sql in sqls[opened : closed + 1]]


@pytest.fixture
def conversation(make_community, make_user, add_member):
    club = make_community("club")
    author, member = make_user(), make_user()
    add_member(club, author)
    add_member(club, member)
    thread = actions.create_thread(author, club, kind="discussion", title="Tyres", body="Which?")
    return {"author": author, "member": member, "thread": thread}


# What a member's reply costs, as the API runs it (the thread read by queries.thread_for).
REPLY = [
    # check_reply, before the lock: may the member take part here?
    "SELECT community_membership",
    # The action's transaction: the thread row locked, read with its community, author
    # and the author's profile (the events show them), and the same check under the lock.
    "SAVEPOINT",
    "SELECT forums_thread",
    "SELECT community_membership",
    "INSERT forums_post",
    "UPDATE forums_thread",  # post_count, last_activity_at, first_response_at
    # (Here, one query per member facet that apps add to post authors: see below.)
    # post.created on thread:<id>: the stream's next id, the stored event.
    "SAVEPOINT",
    "INSERT realtime_streamcounter",
    "INSERT realtime_event",
    "RELEASE SAVEPOINT",
    # thread.updated on community:<slug>, likewise.
    "SAVEPOINT",
    "INSERT realtime_streamcounter",
    "INSERT realtime_event",
    "RELEASE SAVEPOINT",
    "INSERT community_activity",  # post.created in the ledger
    "RELEASE SAVEPOINT",
    # After commit, the ledger's receiver notifies (a background task; run at once here).
    "SELECT forums_post",  # the post with its thread, community and author
    "SELECT forums_subscription",  # who watches the thread or the community
    "SELECT community_user",  # those recipients, with their profiles
    "SELECT community_membership",  # ...who may still read the community
    # The thread's author is notified: the row and its event on me:<id>.
    "SAVEPOINT",
    "INSERT forums_notification",
    "SAVEPOINT",
    "INSERT realtime_streamcounter",
    "INSERT realtime_event",
    "RELEASE SAVEPOINT",
    "RELEASE SAVEPOINT",
    # The email job: the notifications still unsent, their readers' access, their settings.
    "SELECT forums_notification",
    "SELECT community_membership",
    "SELECT forums_notificationsetting",
]


def facet_queries(user, community):
    """What the member facets registered by the installed apps cost for one post author."""
    with CaptureQueriesContext(connection) as captured:
        facets.load([user.pk], viewer=None, community=community, authors=True)
    return [label(query["sql"]) for query in captured]


@pytest.mark.django_db
@pytest.mark.parametrize("earlier_replies", [0, 10])
def test_a_reply_costs_a_fixed_number_of_queries(
    conversation, earlier_replies, django_assert_num_queries, django_capture_on_commit_callbacks
):
    author, member = conversation["author"], conversation["member"]
    # What happened so far reaches its receivers (as on a site that has been running): what
    # other apps' receivers keep in the cache is warm (community.activity).
    with django_capture_on_commit_callbacks(execute=True):
        for entry in Activity.objects.order_by("pk"):  # the conversation's opening
            activity.deliver(entry)
        for number in range(earlier_replies):
            actions.reply(author, conversation["thread"], body=f"Still waiting ({number}).")
    thread = queries.thread_for(member, conversation["thread"].pk)
    # The live post.created shows its author's facets (community.facets), loaded in it.
    at = REPLY.index("UPDATE forums_thread") + 1
    expected = [*REPLY[:at], *facet_queries(member, thread.community), *REPLY[at:]]
    with (
        django_assert_num_queries(len(expected)) as captured,  # 30 with no facet registered
        django_capture_on_commit_callbacks(execute=True),
    ):
        actions.reply(member, thread, body="These ones.")
    assert [label(query["sql"]) for query in captured] == expected


def _accept(c):
    answer = actions.reply(c["member"], c["thread"], body="These ones.")
    return lambda: actions.accept_answer(c["author"], c["thread"], answer)


def _vote(c):
    return lambda: actions.vote(c["member"], c["thread"])


def _poll(c):
    first = c["thread"].poll.options.first()
    return lambda: actions.vote_poll(c["member"], c["thread"], [first.pk])


LOCKING = {
    "reply": ("discussion", lambda c: lambda: actions.reply(c["member"], c["thread"], body="Hi")),
    "accept_answer": ("question", _accept),
    "vote": ("idea", _vote),
    "vote_poll": ("poll", _poll),
    "set_idea_status": (
        "idea",
        lambda c: lambda: actions.set_idea_status(c["manager"], c["thread"], status="planned"),
    ),
    "set_locked": (
        "discussion",
        lambda c: lambda: actions.set_locked(c["manager"], c["thread"], locked=True),
    ),
    "set_pinned": (
        "discussion",
        lambda c: lambda: actions.set_pinned(c["manager"], c["thread"], pinned=True),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("verb", list(LOCKING))
def test_no_member_is_read_while_the_thread_is_locked(
    verb, make_community, make_user, add_member, staff, django_assert_max_num_queries
):
    kind, prepare = LOCKING[verb]
    club = make_community("club")
    author, member = make_user(), make_user()
    add_member(club, author)
    add_member(club, member)
    extra = {"poll": {"options": ["Yes", "No"]}} if kind == "poll" else {}
    opened = actions.create_thread(author, club, kind=kind, title="T", body="B", **extra)
    context = {
        "author": author,
        "member": member,
        "manager": staff,
        "thread": queries.thread_for(member, opened.pk),
    }
    action = prepare(context)
    with django_assert_max_num_queries(40) as captured:
        action()
    window = locked_window(captured)
    assert window[1] == "SELECT forums_thread"  # the lock is taken first
    assert not {"SELECT community_user", "SELECT community_profile"} & set(window), window
