"""The reputation ledger through the forums' real actions: points, reversals, idempotency.

Every action runs inside ``act``, which commits it as far as the test transaction lets
it: the entries are delivered to their receivers, which run as background tasks (the
immediate backend in tests) on the JSON copy of each entry, as in production.
"""

import random
import threading

import pytest
from django.db import connection
from django.db.models import Sum

from badges import reputation
from badges.models import Reputation, ReputationEntry
from community import activity
from community.models import Activity, AppendOnly
from forums import actions as forums

# Row locks, ON CONFLICT and the aggregates differ on PostgreSQL: these run there too.
pytestmark = pytest.mark.postgres_too


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run an action and deliver its entries, as its commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def forum(make_community, make_user, add_member):
    support = make_community("support", kind="support")
    asker, helper, other, moderator = (make_user() for _ in range(4))
    for user in (asker, helper, other):
        add_member(support, user)
    add_member(support, moderator, role="moderator")
    return {
        "community": support,
        "asker": asker,
        "helper": helper,
        "other": other,
        "moderator": moderator,
    }


def ask(forum, act, *, by="asker", title="Brakes squeak"):
    return act(
        forums.create_thread,
        forum[by],
        forum["community"],
        kind="question",
        title=title,
        body="Why do my brakes squeak?",
    )


def ledger_sum(user, community):
    total = ReputationEntry.objects.filter(user=user, community=community).aggregate(
        total=Sum("points")
    )["total"]
    return total or 0


def points(user, community):
    """The member's points, checked against the ledger's sum."""
    found = reputation.points_of(user, community)
    assert found == ledger_sum(user, community)
    return found


def test_the_receivers_run_in_the_background():
    """Requests never wait for reputation: each receiver is a background one."""
    for verb, receiver in (
        ("reaction.added", reputation.on_reaction),
        ("reaction.removed", reputation.on_reaction),
        ("answer.accepted", reputation.on_answer),
        ("answer.cleared", reputation.on_answer),
        ("idea.status_changed", reputation.on_idea_status),
        ("post.deleted", reputation.on_post_deleted),
    ):
        assert (receiver, True) in activity._receivers[verb]  # background=True


@pytest.mark.django_db
def test_a_reaction_from_someone_else_gives_two_points_per_kind(forum, act):
    community, asker, helper = forum["community"], forum["asker"], forum["helper"]
    thread = ask(forum, act)
    post = act(forums.reply, helper, thread, body="Clean the pads.")
    act(forums.react, asker, post, kind="like")
    assert points(helper, community) == 2
    act(forums.react, forum["other"], post, kind="like")
    act(forums.react, forum["other"], post, kind="love")
    assert points(helper, community) == 6
    entry = ReputationEntry.objects.filter(user=helper).order_by("pk").first()
    assert entry.reason == "reaction" and entry.points == 2
    assert entry.key == f"reaction:{post.pk}:{asker.pk}:like"
    assert entry.activity.verb == "reaction.added" and entry.activity.actor == asker
    assert points(asker, community) == 0


@pytest.mark.django_db
def test_reacting_to_yourself_gives_nothing(forum, act):
    helper = forum["helper"]
    thread = ask(forum, act)
    post = act(forums.reply, helper, thread, body="Clean the pads.")
    for kind in ("like", "helpful", "love"):
        act(forums.react, helper, post, kind=kind)
        act(forums.react, helper, post, kind=kind)  # and taking it back
        act(forums.react, helper, post, kind=kind)
    assert points(helper, forum["community"]) == 0
    assert not ReputationEntry.objects.exists()


@pytest.mark.django_db
def test_a_reaction_taken_back_writes_the_reversing_entry(forum, act):
    community, helper, other = forum["community"], forum["helper"], forum["other"]
    thread = ask(forum, act)
    post = act(forums.reply, helper, thread, body="Clean the pads.")
    act(forums.react, other, post, kind="insightful")
    act(forums.react, other, post, kind="insightful")  # taken back
    assert points(helper, community) == 0
    entries = list(ReputationEntry.objects.order_by("pk").values_list("points", "key"))
    key = f"reaction:{post.pk}:{other.pk}:insightful"
    assert entries == [(2, key), (-2, key)]
    act(forums.react, other, post, kind="insightful")  # and given again
    assert points(helper, community) == 2


@pytest.mark.django_db
def test_an_accepted_answer_gives_fifteen_points_and_each_clearing_takes_them_back(forum, act):
    community, asker, helper, other = (
        forum["community"],
        forum["asker"],
        forum["helper"],
        forum["other"],
    )
    thread = ask(forum, act)
    first = act(forums.reply, helper, thread, body="Clean the pads.")
    second = act(forums.reply, other, thread, body="Change the discs.")
    act(forums.accept_answer, asker, thread, first)
    assert points(helper, community) == 15
    entry = ReputationEntry.objects.get(user=helper)
    assert (entry.reason, entry.key) == ("accepted", f"accepted:{first.pk}")

    act(forums.accept_answer, asker, thread, second)  # replaced
    assert (points(helper, community), points(other, community)) == (0, 15)
    act(forums.accept_answer, asker, thread, None)  # withdrawn
    assert points(other, community) == 0
    act(forums.accept_answer, forum["moderator"], thread, first)  # a moderator accepts
    assert points(helper, community) == 15
    act(forums.delete_post, forum["moderator"], first)  # deleted while accepted
    assert points(helper, community) == 0
    assert ReputationEntry.objects.filter(key=f"accepted:{first.pk}").count() == 4
    assert points(asker, community) == 0


@pytest.mark.django_db
def test_no_points_for_accepting_the_askers_own_post(forum, act):
    asker = forum["asker"]
    thread = ask(forum, act)
    act(forums.reply, forum["helper"], thread, body="Pads?")
    own = act(forums.reply, asker, thread, body="Solved it myself: new pads.")
    act(forums.accept_answer, asker, thread, own)
    act(forums.accept_answer, forum["moderator"], thread, own)
    assert points(asker, forum["community"]) == 0
    assert not ReputationEntry.objects.exists()


@pytest.mark.django_db
def test_an_idea_planned_then_done_and_moved_back(forum, act, staff):
    community, author = forum["community"], forum["other"]
    idea = act(
        forums.create_thread, author, community, kind="idea", title="Night rides", body="Please."
    )

    def move(status):
        act(forums.set_idea_status, staff, idea, status=status)
        return points(author, community)

    assert move("under_review") == 0
    assert move("planned") == 10
    assert move("in_progress") == 10  # still planned
    assert move("done") == 20
    assert move("in_progress") == 10  # done taken back
    assert move("declined") == 0  # planned taken back
    assert move("done") == 20  # straight to done: both
    assert move("new") == 0
    keys = set(ReputationEntry.objects.values_list("key", flat=True))
    assert keys == {f"idea:{idea.pk}:planned", f"idea:{idea.pk}:done"}
    assert set(ReputationEntry.objects.values_list("reason", flat=True)) == {"idea"}


@pytest.mark.django_db
def test_welcome_bonus_for_a_newcomers_first_question_marked_helpful(forum, act):
    community, asker, helper = forum["community"], forum["asker"], forum["helper"]
    thread = ask(forum, act)
    act(forums.reply, asker, thread, body="It is a Velora 3.")  # the asker's own: not a response
    first = act(forums.reply, helper, thread, body="Clean the pads.")
    second = act(forums.reply, forum["other"], thread, body="Or the discs.")
    act(forums.react, asker, first, kind="helpful")
    assert points(helper, community) == 2 + 5
    welcome = ReputationEntry.objects.get(key=f"welcome:{first.pk}")
    assert (welcome.user, welcome.reason, welcome.points) == (helper, "welcome", 5)

    act(forums.react, asker, second, kind="helpful")  # not the first reply: a reaction only
    assert points(forum["other"], community) == 2
    act(forums.react, asker, first, kind="helpful")  # the mark taken back
    assert points(helper, community) == 0
    act(forums.react, asker, first, kind="helpful")
    assert points(helper, community) == 7
    act(forums.delete_post, helper, first)  # by its author: every key about it goes
    assert points(helper, community) == 0


@pytest.mark.django_db
def test_no_welcome_bonus_without_the_askers_helpful_mark_on_a_first_question(forum, act):
    community, asker, helper, other = (
        forum["community"],
        forum["asker"],
        forum["helper"],
        forum["other"],
    )
    thread = ask(forum, act)
    first = act(forums.reply, helper, thread, body="Clean the pads.")
    act(forums.react, asker, first, kind="like")  # another kind is not the mark
    act(forums.react, other, first, kind="helpful")  # nor someone else's helpful
    act(forums.accept_answer, asker, thread, first)  # nor accepting it (15 of its own)
    assert points(helper, community) == 2 + 2 + 15
    assert not ReputationEntry.objects.filter(reason="welcome").exists()

    # The asker's second question is not a newcomer's any more.
    again = ask(forum, act, title="Chain skips")
    reply = act(forums.reply, other, again, body="Tension it.")
    act(forums.react, asker, reply, kind="helpful")
    assert points(other, community) == 2
    # Nor is a discussion a question.
    talk = act(
        forums.create_thread, helper, community, kind="discussion", title="Hi", body="Hello."
    )
    hello = act(forums.reply, other, talk, body="Welcome!")
    act(forums.react, helper, hello, kind="helpful")
    assert points(other, community) == 4
    assert not ReputationEntry.objects.filter(reason="welcome").exists()


@pytest.mark.django_db
def test_a_moderator_deleting_a_post_reverses_every_key_about_it(forum, act):
    community, asker, helper, other = (
        forum["community"],
        forum["asker"],
        forum["helper"],
        forum["other"],
    )
    thread = ask(forum, act)
    first = act(forums.reply, helper, thread, body="Clean the pads.")
    kept = act(forums.reply, helper, thread, body="And check the discs.")
    act(forums.react, asker, first, kind="helpful")
    act(forums.react, other, first, kind="like")
    act(forums.react, other, kept, kind="like")
    act(forums.accept_answer, asker, thread, first)
    assert points(helper, community) == 2 + 5 + 2 + 15 + 2
    act(forums.delete_post, forum["moderator"], first)
    assert points(helper, community) == 2  # the other post's reaction stays
    nets = (
        ReputationEntry.objects.filter(user=helper)
        .values("key")
        .annotate(net=Sum("points"))
        .values_list("key", "net")
    )
    assert {key: net for key, net in nets if net} == {f"reaction:{kept.pk}:{other.pk}:like": 2}
    # One reversing entry for the other post; none for a post that earned nothing.
    count = ReputationEntry.objects.count()
    act(forums.delete_post, forum["moderator"], kept)
    act(forums.delete_post, forum["moderator"], kept.thread.posts.get(number=1))
    assert points(helper, community) == 0
    assert ReputationEntry.objects.count() == count + 1


@pytest.mark.django_db
def test_totals_equal_the_ledger_after_a_random_mix_of_actions(forum, act, staff):
    community = forum["community"]
    people = [forum["asker"], forum["helper"], forum["other"], forum["moderator"]]
    rng = random.Random(14)
    threads = [ask(forum, act, by=by, title=f"Question {by}") for by in ("asker", "helper")]
    ideas = [
        act(forums.create_thread, p, community, kind="idea", title="Idea", body="Do it.")
        for p in people[:2]
    ]
    posts = [thread.posts.get(number=1) for thread in threads]
    for _ in range(80):
        move = rng.choice(("reply", "react", "react", "react", "accept", "idea", "delete"))
        person = rng.choice(people)
        live = [post for post in posts if post.deleted_at is None]
        if move == "reply":
            thread = rng.choice(threads)
            posts.append(act(forums.reply, person, thread, body=f"Reply by {person}"))
        elif move == "react" and live:
            act(forums.react, person, rng.choice(live), kind=rng.choice(("like", "helpful")))
        elif move == "accept":
            thread = rng.choice(threads)
            replies = [p for p in live if p.thread_id == thread.pk and p.number > 1]
            act(forums.accept_answer, staff, thread, rng.choice([None, *replies]))
        elif move == "idea":
            status = rng.choice(("new", "planned", "in_progress", "done", "declined"))
            act(forums.set_idea_status, staff, rng.choice(ideas), status=status)
        elif move == "delete" and len(live) > 4:
            post = rng.choice([p for p in live if p.number > 1] or live)
            posts[posts.index(post)] = act(forums.delete_post, staff, post)
    assert ReputationEntry.objects.exists()
    for person in people:
        assert points(person, community) >= 0
    for row in Reputation.objects.all():
        assert row.points == ledger_sum(row.user, row.community)
    # Every key nets to what the forum shows now: never below zero, never twice.
    nets = ReputationEntry.objects.values("user", "key").annotate(net=Sum("points"))
    assert all(row["net"] in (0, 2, 5, 10, 15) for row in nets)


@pytest.mark.django_db
def test_a_redelivered_entry_adds_nothing(forum, act, django_capture_on_commit_callbacks):
    community, asker, helper = forum["community"], forum["asker"], forum["helper"]
    thread = ask(forum, act)
    post = act(forums.reply, helper, thread, body="Clean the pads.")
    act(forums.react, asker, post, kind="like")
    added = Activity.objects.get(verb="reaction.added")
    added.obj = None  # as the background task gets it
    reputation.on_reaction(added)
    reputation.on_reaction(added)
    assert points(helper, community) == 2
    assert ReputationEntry.objects.count() == 1

    # Taken back, but that entry not delivered yet: the first one comes again. Its
    # reversing entry would be the same (activity, member, key): the constraint refuses it.
    forums.react(asker, post, kind="like")
    reputation.on_reaction(added)
    assert points(helper, community) == 2 and ReputationEntry.objects.count() == 1
    removed = Activity.objects.get(verb="reaction.removed")
    removed.obj = None
    reputation.on_reaction(removed)
    reputation.on_reaction(removed)
    assert points(helper, community) == 0 and ReputationEntry.objects.count() == 2

    # The same through the task that runs background receivers, with the JSON copy.
    name = f"{reputation.on_post_deleted.__module__}.{reputation.on_post_deleted.__qualname__}"
    act(forums.accept_answer, asker, thread, post)
    act(forums.delete_post, forum["moderator"], post)
    deleted = Activity.objects.get(verb="post.deleted")
    count = ReputationEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        activity.deliver_later.enqueue(name, activity._portable(deleted))
    assert ReputationEntry.objects.count() == count
    assert points(helper, community) == 0


@pytest.mark.django_db
def test_the_ledger_is_append_only(forum, act):
    thread = ask(forum, act)
    post = act(forums.reply, forum["helper"], thread, body="Clean the pads.")
    act(forums.react, forum["asker"], post, kind="like")
    entry = ReputationEntry.objects.get()
    with pytest.raises(AppendOnly):
        ReputationEntry.objects.update(points=100)
    with pytest.raises(AppendOnly):
        ReputationEntry.objects.filter(pk=entry.pk).delete()
    entry.points = 100
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    assert ReputationEntry.objects.get().points == 2


@pytest.mark.django_db
def test_points_are_per_community(forum, act, make_community, add_member):
    club = make_community("club")
    asker, helper = forum["asker"], forum["helper"]
    for user in (asker, helper):
        add_member(club, user)
    thread = ask(forum, act)
    post = act(forums.reply, helper, thread, body="Clean the pads.")
    act(forums.accept_answer, asker, thread, post)
    chat = act(forums.create_thread, helper, club, kind="discussion", title="Hi", body="Hi all.")
    act(forums.react, asker, chat.posts.get(), kind="like")
    assert points(helper, forum["community"]) == 15
    assert points(helper, club) == 2
    assert points(asker, club) == 0


# SQLite's test database is in shared memory, where writers fail instead of waiting:
# this race runs on PostgreSQL (production tier).
@pytest.mark.production
@pytest.mark.django_db(transaction=True)
def test_workers_racing_on_the_same_entries_count_each_once(forum):
    """Parallel workers deliver the same entries, for a member without a Reputation row yet:
    the row is created once, each entry counts once, the total is the ledger's sum."""
    community, helper = forum["community"], forum["helper"]
    thread = forums.create_thread(
        forum["asker"], community, kind="discussion", title="Race", body="Go"
    )
    post = forums.reply(helper, thread, body="Here.")
    activity.disconnect(reputation.on_reaction)  # the entries wait for the racing workers
    try:
        for giver in (forum["asker"], forum["other"], forum["moderator"]):
            for kind in ("like", "love", "funny"):
                forums.react(giver, post, kind=kind)
    finally:
        reputation.connect()
    entries = list(Activity.objects.filter(verb="reaction.added"))
    assert len(entries) == 9 and not ReputationEntry.objects.exists()
    start, errors = threading.Barrier(4), []

    def work(seed):
        try:
            start.wait()
            for entry in random.Random(seed).sample(entries, len(entries)):
                entry.obj = None
                reputation.on_reaction(entry)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert ReputationEntry.objects.filter(user=helper).count() == 9
    assert Reputation.objects.filter(user=helper).count() == 1
    assert points(helper, community) == 18
    # Newcomer to Regular (10) once, whichever worker crossed it.
    assert Activity.objects.filter(verb="level.changed", target_user=helper).count() == 1
