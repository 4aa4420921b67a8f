"""The rule templates: who qualifies, since when (the real date), in which scope.

Each template is checked on a small history (``rule_history``): positive and negative
cases, the date of the achievement, the community scope, and that narrowing to some
members (``user_ids``, or ``.filter(user_id__in=...)``) gives each member the same
answer as the whole set (incremental evaluation relies on it).
"""

import pytest
from django.core.exceptions import ValidationError

from badges import rules
from badges.models import Level
from tests.badges import rule_history as h
from tests.badges.rule_history import at, qualified

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_too]


@pytest.fixture
def world(make_community, make_user):
    support = make_community("support", kind="support")
    club = make_community("club", kind="club")
    ideas = make_community("ideas", kind="ideas")
    people = {name: make_user(username=name) for name in ("alice", "bob", "carol", "dave")}
    return {"support": support, "club": club, "ideas": ideas, **people}


def check(key, params, community, expected, people):
    """The template's answer is ``expected`` ({user: datetime}), whole and per member."""
    expected = {user.pk: when for user, when in expected.items()}
    assert qualified(key, params, community) == expected
    rule = rules.get(key)
    cleaned = rules.validate_params(rule, params or {})
    for user in people:
        mine = {user.pk: expected[user.pk]} if user.pk in expected else {}
        assert qualified(key, params, community, user_ids=[user.pk]) == mine, user
        rows = rule.query(cleaned, community).filter(user_id__in=[user.pk])
        assert {row["user_id"] for row in rows} == set(mine), user


def members(world):
    return [world[name] for name in ("alice", "bob", "carol", "dave")]


def test_the_registry_has_every_template():
    keys = {rule.key for rule in rules.all()}
    assert keys == {
        "first_post",
        "first_accepted_answer",
        "accepted_answers",
        "idea_planned",
        "post_reactions",
        "newcomer_first_replies",
        "active_streak",
        "level_reached",
        "endorsed",
        "night_owl",
        "perfectionist",
        "globe_trotter",
    }
    assert {r.key for r in rules.all() if r.kind == "trait"} == {
        "night_owl",
        "perfectionist",
        "globe_trotter",
    }
    assert rules.get("globe_trotter").scopes == ("site",)
    with pytest.raises(KeyError):
        rules.get("nope")
    assert "accepted_answers" in rules.for_verb("answer.accepted")
    assert set(rules.for_verb("post.created")) >= {"first_post", "newcomer_first_replies"}
    assert rules.describe(rules.get("accepted_answers"), {"n": 10}) == "10 accepted answer(s)"


def test_first_post(world):
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    talk = h.thread(world["support"], bob, at(1))
    h.post(talk, alice, at(3))
    h.post(talk, alice, at(2), deleted=True)  # deleted posts never count
    lounge = h.thread(world["club"], alice, at(5))
    h.post(lounge, carol, at(4), deleted=True)
    people = members(world)
    check("first_post", {}, None, {alice: at(3), bob: at(1)}, people)
    check("first_post", {}, world["club"], {alice: at(5)}, people)  # carol's was deleted
    check("first_post", {}, world["support"], {alice: at(3), bob: at(1)}, people)


def test_accepted_answers_at_the_date_of_acceptance(world):
    alice, bob, carol, dave = (world[n] for n in ("alice", "bob", "carol", "dave"))
    support = world["support"]
    first = h.thread(support, bob, at(1), kind="question")
    answer = h.post(first, alice, at(2))
    h.accept(answer, at(6))  # the ledger: accepted four days after it was posted
    second = h.thread(support, carol, at(3), kind="question")
    h.accept(h.post(second, alice, at(4)))  # before the ledger: the post's own date
    third = h.thread(support, dave, at(5), kind="question")
    h.accept(h.post(third, alice, at(7), deleted=True))  # deleted: never counts
    own = h.thread(support, carol, at(8), kind="question")
    h.accept(h.post(own, carol, at(9)))  # accepting one's own reply earns nothing
    elsewhere = h.thread(world["club"], bob, at(1), kind="question")
    h.accept(h.post(elsewhere, dave, at(10)))
    people = members(world)
    # Alice's answers were accepted at day 4 (no ledger) and day 6 (ledger): the 2nd is day 6.
    check("accepted_answers", {"n": 2}, None, {alice: at(6)}, people)
    check("accepted_answers", {"n": 2}, support, {alice: at(6)}, people)
    check("accepted_answers", {"n": 3}, None, {}, people)
    check("accepted_answers", {"n": 1}, None, {alice: at(4), dave: at(10)}, people)
    check("first_accepted_answer", {}, support, {alice: at(4)}, people)
    check("first_accepted_answer", {}, world["club"], {dave: at(10)}, people)


def test_the_latest_acceptance_counts(world):
    """Accepted, replaced by another answer, accepted again: since the last time."""
    alice, bob = world["alice"], world["bob"]
    question = h.thread(world["support"], bob, at(1), kind="question")
    answer = h.post(question, alice, at(2))
    h.accept(answer, at(3))
    h.accept(answer, at(8))
    check("first_accepted_answer", {}, None, {alice: at(8)}, members(world))


def test_idea_planned(world):
    alice, bob, carol, dave = (world[n] for n in ("alice", "bob", "carol", "dave"))
    ideas = world["ideas"]
    planned = h.thread(ideas, alice, at(1), kind="idea", status="planned")
    h.entry(
        "idea.status_changed",
        at(2),
        ideas,
        object_type="thread",
        object_id=planned.pk,
        target_user=alice,
        data={"before": "new", "after": "under_review"},
    )
    h.entry(
        "idea.status_changed",
        at(4),
        ideas,
        object_type="thread",
        object_id=planned.pk,
        target_user=alice,
        data={"before": "under_review", "after": "planned"},
    )
    h.thread(ideas, bob, at(3), kind="idea", status="done")  # before the ledger: created
    h.thread(ideas, carol, at(3), kind="idea", status="declined")
    h.thread(ideas, dave, at(3), kind="idea")  # new
    h.thread(world["club"], dave, at(5), kind="idea", status="in_progress")
    people = members(world)
    check("idea_planned", {}, None, {alice: at(4), bob: at(3), dave: at(5)}, people)
    check("idea_planned", {}, ideas, {alice: at(4), bob: at(3)}, people)


def test_post_reactions_from_others_only(world):
    alice, bob, carol, dave = (world[n] for n in ("alice", "bob", "carol", "dave"))
    talk = h.thread(world["support"], alice, at(1))
    popular = h.opening(talk)
    h.react(popular, alice, at(2))  # her own: never counts
    h.react(popular, alice, at(2), kind="love")
    h.react(popular, bob, at(3))
    h.react(popular, bob, at(4), kind="helpful")  # another kind: a reaction of its own
    h.react(popular, carol, at(5))
    lonely = h.post(talk, bob, at(2))
    h.react(lonely, alice, at(3))
    h.react(lonely, bob, at(3))
    gone = h.post(talk, carol, at(2), deleted=True)
    for user in (alice, bob, dave):
        h.react(gone, user, at(3))
    people = members(world)
    check("post_reactions", {"n": 2}, None, {alice: at(4)}, people)
    check("post_reactions", {"n": 3}, None, {alice: at(5)}, people)
    check("post_reactions", {"n": 4}, None, {}, people)
    check("post_reactions", {"n": 1}, world["support"], {alice: at(3), bob: at(3)}, people)
    check("post_reactions", {"n": 1}, world["club"], {}, people)


def test_the_first_post_to_reach_n_reactions_gives_the_date(world):
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    talk = h.thread(world["support"], alice, at(1))
    late = h.opening(talk)
    early = h.post(talk, alice, at(2))
    h.react(late, bob, at(3))
    h.react(late, carol, at(9))
    h.react(early, bob, at(4))
    h.react(early, carol, at(6))
    check("post_reactions", {"n": 2}, None, {alice: at(6)}, members(world))


def test_newcomer_first_replies(world):
    alice, bob, carol, dave = (world[n] for n in ("alice", "bob", "carol", "dave"))
    support, club = world["support"], world["club"]
    # Dave's first thread in support is a question: Bob replies first, Carol second.
    first = h.thread(support, dave, at(1), kind="question")
    h.post(first, dave, at(2))  # the asker himself is no first response
    h.post(first, bob, at(3))
    h.post(first, carol, at(4))
    # Dave's second question there: he is no newcomer any more.
    second = h.thread(support, dave, at(5), kind="question")
    h.post(second, bob, at(6))
    # A newcomer's discussion: not a question.
    chat = h.thread(support, alice, at(1))
    h.post(chat, bob, at(2))
    # Dave is a newcomer in the club though: Bob again, and Carol's first reply was deleted.
    fresh = h.thread(club, dave, at(7), kind="question")
    h.post(fresh, carol, at(8), deleted=True)
    h.post(fresh, bob, at(9))
    people = members(world)
    check("newcomer_first_replies", {"n": 1}, support, {bob: at(3)}, people)
    check("newcomer_first_replies", {"n": 2}, support, {}, people)
    # Carol's deleted post set the first response: nobody else's reply counts for it.
    check("newcomer_first_replies", {"n": 2}, None, {}, people)
    check("newcomer_first_replies", {"n": 1}, club, {}, people)
    check("newcomer_first_replies", {"n": 1}, None, {bob: at(3)}, people)


def test_newcomer_first_replies_counts_each_newcomer(world):
    bob, carol, dave, alice = world["bob"], world["carol"], world["dave"], world["alice"]
    h.post(h.thread(world["support"], dave, at(1), kind="question"), bob, at(2))
    h.post(h.thread(world["club"], dave, at(3), kind="question"), bob, at(4))
    h.post(h.thread(world["support"], carol, at(5), kind="question"), bob, at(6))
    h.post(h.thread(world["support"], alice, at(7), kind="question"), carol, at(8))
    check("newcomer_first_replies", {"n": 3}, None, {bob: at(6)}, members(world))
    check("newcomer_first_replies", {"n": 2}, world["support"], {bob: at(6)}, members(world))


def test_active_streak_over_consecutive_utc_days(world):
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    talk = h.thread(world["support"], carol, at(20))
    # Alice: days 1, 2, then a gap, then 4, 5, 6 (two posts on day 6).
    for day in (1, 2, 4, 5):
        h.post(talk, alice, at(day))
    h.post(talk, alice, at(6, hour=18))
    h.post(talk, alice, at(6, hour=9))
    h.post(talk, alice, at(7), deleted=True)  # would make 4 days: deleted
    # Bob: 23:30 and 00:30 are two calendar days (UTC); then nothing.
    h.post(talk, bob, at(1, hour=23, minute=30))
    h.post(talk, bob, at(2, hour=0, minute=30))
    people = members(world)
    check("active_streak", {"days": 3}, None, {alice: at(6, hour=9)}, people)
    check("active_streak", {"days": 2}, None, {alice: at(2), bob: at(2, 0, 30)}, people)
    check("active_streak", {"days": 4}, None, {}, people)
    check("active_streak", {"days": 2}, world["club"], {}, people)


def test_level_reached_from_the_ledger(world):
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    support, club = world["support"], world["club"]
    # Default ladder: rank 1 (Regular) at 10 points.
    h.points(alice, support, 6, at(1))
    h.points(alice, support, 6, at(2))
    h.points(bob, support, 8, at(1))
    h.points(bob, support, -4, at(2))  # a withdrawal
    h.points(bob, support, 5, at(3))  # 9: not yet
    h.points(bob, support, 2, at(4))
    # Points in two communities do not add up.
    h.points(carol, support, 6, at(1))
    h.points(carol, club, 6, at(2))
    # Dave reached 10 and fell back below: not a Regular now.
    dave = world["dave"]
    h.points(dave, support, 12, at(1))
    h.points(dave, support, -5, at(2))
    people = members(world)
    check("level_reached", {"rank": 1}, None, {alice: at(2), bob: at(4)}, people)
    check("level_reached", {"rank": 1}, support, {alice: at(2), bob: at(4)}, people)
    check("level_reached", {"rank": 1}, club, {}, people)
    check("level_reached", {"rank": 2}, None, {}, people)


def test_level_reached_follows_each_communitys_own_ladder(world):
    alice, bob = world["alice"], world["bob"]
    support, club = world["support"], world["club"]
    for rank, (name, threshold) in enumerate((("New", 0), ("Known", 5))):
        Level.objects.create(community=club, rank=rank, name=name, threshold=threshold)
    h.points(alice, club, 6, at(3))  # 5 is enough in the club
    h.points(bob, support, 6, at(3))  # 10 needed in support
    people = members(world)
    check("level_reached", {"rank": 1}, None, {alice: at(3)}, people)
    # The club's ladder has no rank 2: nobody reaches it there.
    h.points(alice, club, 5000, at(4))
    check("level_reached", {"rank": 2}, club, {}, people)


def test_endorsed(world):
    alice, bob, carol, dave = (world[n] for n in ("alice", "bob", "carol", "dave"))
    support, club = world["support"], world["club"]
    h.endorse(bob, alice, support, "helpful", at(1))
    h.endorse(carol, alice, support, "kind", at(2))
    h.endorse(dave, alice, support, "helpful", at(3))
    h.endorse(bob, alice, club, "helpful", at(4))
    people = members(world)
    check("endorsed", {"n": 2}, None, {alice: at(2)}, people)
    check("endorsed", {"n": 2, "quality": "helpful"}, None, {alice: at(3)}, people)
    check("endorsed", {"n": 3, "quality": "helpful"}, None, {alice: at(4)}, people)
    check("endorsed", {"n": 3, "quality": "helpful"}, support, {}, people)
    check("endorsed", {"n": 1}, club, {alice: at(4)}, people)
    check("endorsed", {"n": 1, "quality": "clear"}, None, {}, people)


def test_night_owl(world):
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    talk = h.thread(world["club"], carol, at(1, hour=12))
    # Alice: two of her five posts at night (40%); the latest at day 4, 02:00.
    for day, hour in ((2, 1), (3, 13), (4, 2), (5, 14), (6, 15)):
        h.post(talk, alice, at(day, hour))
    h.post(talk, alice, at(7, 3), deleted=True)  # deleted: neither a post nor a night
    # Bob: one night post in four (4:59 is night, 5:00 and 23:59 are not).
    for day, hour, minute in ((2, 4, 59), (3, 5, 0), (4, 12, 0), (5, 23, 59)):
        h.post(talk, bob, at(day, hour, minute))
    # Carol: two of her three posts at night (her opening post at noon counts too).
    for day in (2, 3):
        h.post(talk, carol, at(day, hour=3))
    people = members(world)
    check(
        "night_owl",
        {"min_posts": 4, "share": 25},
        None,
        {alice: at(4, 2), bob: at(2, 4, 59)},
        people,
    )
    check("night_owl", {"min_posts": 4, "share": 50}, None, {}, people)
    check("night_owl", {"min_posts": 3, "share": 60}, None, {carol: at(3, 3)}, people)
    check("night_owl", {"min_posts": 3, "share": 60}, world["club"], {carol: at(3, 3)}, people)
    check("night_owl", {"min_posts": 1, "share": 1}, world["support"], {}, people)


def test_perfectionist(world):
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    talk = h.thread(world["support"], alice, at(1))
    mine = h.opening(talk)
    h.revise(mine, alice, at(2))
    h.revise(mine, bob, at(3))  # a moderator's edit is not hers
    h.revise(mine, alice, at(4))
    gone = h.post(talk, bob, at(2), deleted=True)
    h.revise(gone, bob, at(3))
    h.revise(gone, bob, at(4))
    h.revise(h.opening(h.thread(world["club"], carol, at(1))), carol, at(5))
    people = members(world)
    check("perfectionist", {"edits": 2}, None, {alice: at(4)}, people)
    check("perfectionist", {"edits": 1}, None, {alice: at(2), carol: at(5)}, people)
    check("perfectionist", {"edits": 1}, world["club"], {carol: at(5)}, people)
    check("perfectionist", {"edits": 3}, None, {}, people)


def test_globe_trotter(world):
    alice, bob = world["alice"], world["bob"]
    h.thread(world["support"], alice, at(1))
    h.thread(world["club"], alice, at(4))
    h.thread(world["club"], alice, at(2))
    h.thread(world["ideas"], alice, at(6))
    h.thread(world["support"], bob, at(1))
    h.post(h.thread(world["club"], alice, at(3)), bob, at(2), deleted=True)
    people = members(world)
    check("globe_trotter", {"communities": 2}, None, {alice: at(2)}, people)
    check("globe_trotter", {"communities": 3}, None, {alice: at(6)}, people)
    check("globe_trotter", {"communities": 4}, None, {}, people)


# --- settings ---------------------------------------------------------------------------


def test_validate_params_fills_defaults():
    assert rules.validate_params(rules.get("accepted_answers"), {}) == {"n": 1}
    assert rules.validate_params(rules.get("night_owl"), {"share": "60"}) == {
        "min_posts": 20,
        "share": 60,
    }
    assert rules.validate_params(rules.get("endorsed"), {"n": 3, "quality": "kind"}) == {
        "n": 3,
        "quality": "kind",
    }
    assert rules.validate_params(rules.get("first_post"), None) == {}


@pytest.mark.parametrize(
    ("key", "params", "code"),
    [
        ("accepted_answers", {"n": 0}, "too_small"),
        ("accepted_answers", {"n": -3}, "too_small"),
        ("post_reactions", {"n": "-1"}, "too_small"),
        ("active_streak", {"days": 1}, "too_small"),
        ("night_owl", {"share": 101}, "too_large"),
        ("level_reached", {"rank": 99}, "too_large"),
        ("accepted_answers", {"n": 2.5}, "invalid"),
        ("accepted_answers", {"n": "ten"}, "invalid"),
        ("accepted_answers", {"n": True}, "invalid"),
        ("accepted_answers", {"n": None}, "invalid"),
        ("accepted_answers", {"n": 2, "m": 3}, "unknown_param"),
        ("first_post", {"n": 1}, "unknown_param"),
        ("endorsed", {"quality": "not a slug!"}, "invalid"),
        ("endorsed", {"quality": 3}, "invalid"),
    ],
)
def test_validate_params_refuses_bad_input(key, params, code):
    with pytest.raises(ValidationError) as refused:
        rules.validate_params(rules.get(key), params)
    errors = refused.value.error_dict["params"]
    assert code in [error.code for error in errors]
    assert all(str(error.message) for error in errors)


def test_validate_params_refuses_what_is_not_an_object():
    with pytest.raises(ValidationError):
        rules.validate_params(rules.get("accepted_answers"), [("n", 2)])


def test_registering_another_rule_under_a_taken_key_fails():
    taken = rules.get("first_post")
    assert rules.register(taken) is taken  # the same again is fine
    with pytest.raises(ValueError, match="already registered"):
        rules.register(rules.Rule("first_post", "x", "y", (), taken.query, ()))


@pytest.mark.parametrize("visibility", ["private", "hidden"])
def test_site_wide_badges_read_public_communities_only(world, make_community, visibility):
    """A site-wide badge shows to everyone: what its holder did in a private or hidden
    community must not earn it (nor date it), or outsiders would learn of it."""
    alice, bob = world["alice"], world["bob"]
    secret = make_community("secret", visibility=visibility, join_policy="invite")
    h.thread(secret, alice, at(1))
    h.thread(world["support"], alice, at(4))
    h.thread(secret, bob, at(2))
    people = members(world)
    check("first_post", {}, None, {alice: at(4)}, people)
    check("globe_trotter", {"communities": 2}, None, {}, people)
    h.thread(world["club"], alice, at(6))
    check("globe_trotter", {"communities": 2}, None, {alice: at(6)}, people)
    check("first_post", {}, secret, {alice: at(1), bob: at(2)}, people)  # its own badge
