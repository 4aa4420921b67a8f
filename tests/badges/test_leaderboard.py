"""Leaderboards per period and the ambassador view: who appears, in what order, with which
figures, and in a fixed number of queries whatever the member count."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from badges import actions as badges_actions
from badges import levels
from badges.leaderboard import PERIODS, ambassadors, leaderboard
from community import actions as community_actions
from community.models import Activity
from forums import actions as forums
from tests.badges import test_reputation as shared

pytestmark = pytest.mark.postgres_too  # the aggregates run on PostgreSQL too

# The fixtures shared with the ledger's tests.
act, forum, ask = shared.act, shared.forum, shared.ask


@pytest.fixture
def days_ago(monkeypatch):
    """Date the activity entries written in the block ``days`` ago, as if the actions had
    happened then (the ledger dates its entries by the activity that caused them)."""

    @contextmanager
    def back(days):
        when = timezone.now() - timedelta(days=days)
        # Activity.created_at's default, as Model.__init__ reads it (Field.get_default).
        with monkeypatch.context() as patch:
            patch.setattr(Activity._meta.get_field("created_at"), "_get_default", lambda: when)
            yield

    return back


def usernames(rows):
    return [(row["username"], row["points"]) for row in rows]


@pytest.mark.django_db
def test_each_period_sums_the_entries_dated_in_it(forum, act, days_ago, make_user, add_member):
    support, asker, helper, other, moderator = (
        forum[k] for k in ("community", "asker", "helper", "other", "moderator")
    )
    leaver = make_user()
    add_member(support, leaver)
    thread = ask(forum, act)
    answer = act(forums.reply, helper, thread, body="Clean the pads.")
    tip = act(forums.reply, other, thread, body="Or the discs.")
    note = act(forums.reply, moderator, thread, body="See the manual.")
    left = act(forums.reply, leaver, thread, body="Bye.")
    with days_ago(40):
        act(forums.react, helper, thread.posts.get(number=1), kind="like")  # asker: 2
    with days_ago(10):
        act(forums.accept_answer, asker, thread, answer)  # helper: 15
    act(forums.react, asker, answer, kind="like")  # helper: 2 this week
    for kind in ("like", "love", "funny"):
        act(forums.react, asker, tip, kind=kind)  # other: 6 this week
    act(forums.react, asker, note, kind="like")  # moderator: 2 this week
    act(forums.react, asker, left, kind="like")
    act(community_actions.leave, leaver, support)  # gone: on no board

    week = leaderboard(support, "week")
    tied = sorted([helper.username, moderator.username])
    assert usernames(week) == [(other.username, 6), (tied[0], 2), (tied[1], 2)]
    assert [row["rank"] for row in week] == [1, 2, 2]
    by_name = {row["username"]: row for row in week}
    assert by_name[helper.username]["level"] == levels.standing(17, levels.default_ladder())
    assert by_name[helper.username]["display_name"] == helper.username

    month = leaderboard(support, "month")
    assert usernames(month)[0] == (helper.username, 17)
    assert asker.username not in by_name and asker.username not in dict(usernames(month))

    everything = leaderboard(support, "all")
    assert usernames(everything) == [
        (helper.username, 17),
        (other.username, 6),
        *sorted([(asker.username, 2), (moderator.username, 2)]),
    ]
    assert leaver.username not in {
        row["username"] for p in PERIODS for row in leaderboard(support, p)
    }
    assert len(leaderboard(support, "all", limit=2)) == 2

    # A reaction taken back this week counts against this week.
    act(forums.react, asker, tip, kind="funny")
    act(forums.react, asker, tip, kind="love")
    assert dict(usernames(leaderboard(support, "week")))[other.username] == 2


@pytest.mark.django_db
def test_an_unknown_period_is_refused(forum):
    with pytest.raises(ValidationError):
        leaderboard(forum["community"], "year")
    with pytest.raises(ValidationError):
        ambassadors(forum["community"], by="charm")


@pytest.mark.django_db
def test_ambassadors_come_with_their_figures(forum, act, make_user, add_member):
    support, asker, helper, other = (forum[k] for k in ("community", "asker", "helper", "other"))
    thread = ask(forum, act)
    answers = [act(forums.reply, helper, thread, body=f"Try {n}.") for n in range(3)]
    act(forums.reply, asker, thread, body="Thanks!")  # the asker's own thread: not a reply
    gone = act(forums.reply, helper, thread, body="Oops.")
    act(forums.delete_post, helper, gone)
    own = act(forums.create_thread, helper, support, kind="idea", title="Lights", body="Please.")
    act(forums.react, helper, own.posts.get(), kind="like")  # to oneself: not counted
    act(forums.accept_answer, asker, thread, answers[0])
    act(forums.react, asker, answers[0], kind="helpful")  # the newcomer's mark: welcome
    act(forums.react, other, answers[1], kind="like")
    tip = act(forums.reply, other, thread, body="Or the discs.")
    act(forums.react, helper, tip, kind="like")
    for endorser, quality in ((asker, "clear"), (other, "clear"), (asker, "kind")):
        act(badges_actions.endorse, endorser, helper, support, quality)
    leaver = make_user()
    add_member(support, leaver)
    act(forums.react, asker, act(forums.reply, leaver, thread, body="Me too."), kind="like")
    act(community_actions.leave, leaver, support)

    helpful = ambassadors(support)
    assert [row["username"] for row in helpful] == [helper.username, other.username]
    assert helpful[0] == {
        "username": helper.username,
        "display_name": helper.username,
        "posts": 4,  # three answers and the idea; not the deleted one
        "replies": 3,
        "accepted": 1,
        "reactions_received": 2,  # the asker's helpful, the other's like; not their own
        "endorsements": 3,
        "points": 15 + 2 + 5 + 2,
        "level": levels.standing(24, levels.default_ladder()),
    }
    assert {k: helpful[1][k] for k in ("posts", "replies", "accepted", "points")} == {
        "posts": 1,
        "replies": 1,
        "accepted": 0,
        "points": 2,
    }

    active = ambassadors(support, by="posts")
    assert [(row["username"], row["posts"]) for row in active] == [
        (helper.username, 4),
        (asker.username, 2),  # no points, and there all the same
        (other.username, 1),
    ]
    assert active[0]["points"] == 24
    assert ambassadors(support, limit=1) == helpful[:1]


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 9])
def test_boards_take_a_fixed_number_of_queries(
    size, make_community, make_user, add_member, act, django_assert_num_queries
):
    club = make_community("club")
    people = [make_user() for _ in range(size)]
    for person in people:
        add_member(club, person)
    posts = [
        act(forums.create_thread, p, club, kind="discussion", title="Hi", body="Hi.").posts.get()
        for p in people
    ]
    for giver, post in zip(people, posts[1:] + posts[:1], strict=True):
        act(forums.react, giver, post, kind="like")
    levels.ladder(club)  # the ladder is cached: read once per community, not per board
    for period in PERIODS:
        with django_assert_num_queries(1):
            assert len(leaderboard(club, period)) == size
    for by in ("points", "posts"):
        with django_assert_num_queries(2):  # who, then their figures
            assert len(ambassadors(club, by=by)) == size
