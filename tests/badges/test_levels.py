"""Levels per community: ladders, level changes told to the member, ranks recomputed,
and what it takes to reach the next one."""

import pytest

from badges import actions as badges_actions
from badges import reputation
from badges.models import Level, Notice, Reputation
from community import actions as community_actions
from community.models import Activity
from forums import actions as forums
from realtime.models import Event
from tests.badges import test_reputation as shared

# The fixtures shared with the ledger's tests.
act, forum, ask = shared.act, shared.forum, shared.ask

LADDER = [("Newcomer", 0), ("Regular", 2), ("Contributor", 10), ("Expert", 15), ("Guru", 100)]


@pytest.fixture
def set_ladder(act, staff):
    """Set a community's ladder as its managers do (``badges.actions.set_levels``)."""

    def set_steps(community, steps):
        return act(badges_actions.set_levels, staff, community, steps)

    return set_steps


def me_events(user):
    return list(
        Event.objects.filter(stream=f"me:{user.pk}", event="level.changed")
        .order_by("seq")
        .values_list("data", flat=True)
    )


@pytest.mark.django_db
def test_someone_can_be_expert_in_one_community_and_newcomer_in_another(
    forum, act, make_community, add_member, set_ladder
):
    support, asker, helper = forum["community"], forum["asker"], forum["helper"]
    club = make_community("club")
    for user in (asker, helper):
        add_member(club, user)
    set_ladder(support, LADDER)
    thread = ask(forum, act)
    post = act(forums.reply, helper, thread, body="Clean the pads.")
    act(forums.accept_answer, asker, thread, post)
    chat = act(forums.create_thread, helper, club, kind="discussion", title="Hi", body="Hi all.")
    act(forums.react, asker, chat.posts.get(), kind="like")

    assert reputation.standing_of(helper, support) == {
        "name": "Expert",
        "rank": 3,
        "points": 15,
        "next": {"name": "Guru", "points_needed": 85},
    }
    assert reputation.standing_of(helper, club) == {
        "name": "Newcomer",
        "rank": 0,
        "points": 2,
        "next": {"name": "Regular", "points_needed": 8},  # the default ladder
    }
    ranks = dict(Reputation.objects.filter(user=helper).values_list("community__slug", "rank"))
    assert ranks == {"support": 3, "club": 0}
    assert reputation.standing_of(asker, club)["name"] == "Newcomer"  # no points at all


@pytest.mark.django_db
def test_a_level_up_and_down_are_told_to_the_member(forum, act, capture_events, set_ladder):
    support, asker, helper = forum["community"], forum["asker"], forum["helper"]
    set_ladder(support, LADDER)
    thread = ask(forum, act)
    post = act(forums.reply, helper, thread, body="Clean the pads.")
    with capture_events(f"me:{helper.pk}") as live:
        forums.react(asker, post, kind="like")
    newcomer = {
        "name": "Newcomer",
        "rank": 0,
        "points": 0,
        "next": {"name": "Regular", "points_needed": 2},
    }
    regular = {
        "name": "Regular",
        "rank": 1,
        "points": 2,
        "next": {"name": "Contributor", "points_needed": 8},
    }
    up = {"community": "support", "before": newcomer, "after": regular, "points": 2}
    assert [(frame["event"], frame["data"]) for frame in live] == [("level.changed", up)]
    notice = Notice.objects.get(user=helper)
    assert (notice.kind, notice.community, notice.data) == (
        "level",
        support,
        {"before": "Newcomer", "after": "Regular", "rank": 1},
    )
    entry = Activity.objects.get(verb="level.changed")
    assert (entry.actor, entry.community, entry.target_user) == (None, support, helper)
    assert entry.data == {"before": 0, "after": 1, "points": 2}

    act(forums.react, forum["other"], post, kind="love")  # 4 points: still Regular
    assert Notice.objects.filter(user=helper).count() == 1

    act(forums.react, asker, post, kind="like")  # back to 2: still Regular
    act(forums.react, forum["other"], post, kind="love")  # 0: Newcomer again
    assert Notice.objects.filter(user=helper).count() == 2
    down = me_events(helper)[-1]
    assert (down["before"]["name"], down["after"]["name"], down["points"]) == (
        "Regular",
        "Newcomer",
        0,
    )
    assert len(me_events(helper)) == 2
    changes = Activity.objects.filter(verb="level.changed").order_by("pk")
    assert [(e.data["before"], e.data["after"]) for e in changes] == [(0, 1), (1, 0)]
    assert Reputation.objects.get(user=helper).rank == 0
    assert not Notice.objects.filter(user=asker).exists()


@pytest.mark.django_db
def test_a_member_who_may_no_longer_read_the_community_is_not_told(
    make_community, make_user, add_member, staff, act, set_ladder
):
    club = make_community("backstage", visibility="private", join_policy="request")
    asker, helper = make_user(), make_user()
    for user in (asker, helper):
        add_member(club, user)
    set_ladder(club, LADDER)
    thread = act(forums.create_thread, asker, club, kind="question", title="Brakes?", body="Why?")
    post = act(forums.reply, helper, thread, body="Pads.")
    act(community_actions.remove, staff, club, helper)
    act(forums.react, asker, post, kind="like")
    assert Reputation.objects.get(user=helper, community=club).rank == 1  # the ledger holds
    assert Activity.objects.filter(verb="level.changed", target_user=helper).count() == 1
    assert not Notice.objects.filter(user=helper).exists()
    assert me_events(helper) == []


@pytest.mark.django_db
def test_ranks_are_recomputed_when_the_thresholds_change(forum, act, set_ladder):
    support, asker, helper, other = (
        forum["community"],
        forum["asker"],
        forum["helper"],
        forum["other"],
    )
    thread = ask(forum, act)
    post = act(forums.reply, helper, thread, body="Clean the pads.")
    act(forums.accept_answer, asker, thread, post)  # helper: 15
    second = act(forums.reply, other, thread, body="Or the discs.")
    act(forums.react, asker, second, kind="like")  # other: 2
    act(forums.react, helper, thread.posts.get(number=1), kind="like")  # asker: 2

    def ranks():
        return dict(Reputation.objects.values_list("user__username", "rank"))

    assert ranks() == {helper.username: 1, other.username: 0, asker.username: 0}  # default
    notices, events = Notice.objects.count(), Event.objects.filter(event="level.changed").count()

    set_ladder(support, LADDER)
    assert ranks() == {helper.username: 3, other.username: 1, asker.username: 1}
    assert reputation.standing_of(helper, support)["name"] == "Expert"
    # Nobody is told: the members did nothing.
    assert Notice.objects.count() == notices
    assert Event.objects.filter(event="level.changed").count() == events
    assert not Activity.objects.filter(verb="level.changed", data__after=3).exists()
    assert reputation.recompute_ranks(support) == 0  # nothing left to change

    # Thresholds changed underneath (a data migration, say): the rows are read, not the
    # cached ladder, and only the ranks that differ are written.
    Level.objects.filter(community=support, rank=3).update(threshold=16)
    assert reputation.recompute_ranks(support) == 1
    assert ranks()[helper.username] == 2
    Level.objects.filter(community=support).delete()  # back to the default ladder
    assert reputation.recompute_ranks(support) == 3
    assert ranks() == {helper.username: 1, other.username: 0, asker.username: 0}

    set_ladder(support, [("Rookie", 0), ("Veteran", 16)])
    assert set(ranks().values()) == {0}
    assert reputation.standing_of(helper, support)["next"] == {
        "name": "Veteran",
        "points_needed": 1,
    }
    assert Notice.objects.count() == notices


@pytest.mark.django_db
def test_next_steps_say_what_it_takes_to_reach_the_next_level(forum, act, set_ladder):
    support, asker, helper = forum["community"], forum["asker"], forum["helper"]
    thread = ask(forum, act)
    post = act(forums.reply, helper, thread, body="Clean the pads.")
    act(forums.react, asker, post, kind="like")
    act(forums.react, forum["other"], post, kind="like")  # 4 of the 10 for Regular
    steps = reputation.next_steps(helper, support)
    assert [(s["reason"], s["points"], s["count"]) for s in steps] == [
        ("accepted", 15, 1),
        ("idea_planned", 10, 1),
        ("idea_done", 10, 1),
        ("welcome", 5, 2),
        ("reaction", 2, 3),
    ]
    labels = {s["reason"]: s["label"] for s in steps}
    assert labels["accepted"] == "An answer of yours accepted: 15 points"
    assert labels["reaction"] == "A reaction from another member: 2 points"
    hints = {s["reason"]: s["hint"] for s in steps}
    assert hints["accepted"] == "1 of these would be enough."
    assert hints["reaction"] == "3 of these would be enough."
    # Someone without a single point: the whole first step.
    assert [s["count"] for s in reputation.next_steps(asker, support)] == [1, 1, 1, 2, 5]

    # At the top of the ladder there is no next level.
    set_ladder(support, [("Newcomer", 0), ("Guru", 4)])
    assert reputation.standing_of(helper, support)["next"] is None
    assert reputation.next_steps(helper, support) == []
