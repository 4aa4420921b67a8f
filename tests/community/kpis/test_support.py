"""Support questions, computed by hand from a history written through the real actions.

The help desk keeps business hours, Monday to Friday 09:00-18:00 (Paris), with a 15-minute
first-response target. Monday 10 and Tuesday 11 March 2025 (UTC+1), times local:

    Q6  asked Mon 07:00 (closed), answered 09:10    wall 130 min = 7800 s, open 10 min
    Q1  asked Mon 10:00, answered 10:04             240 s, accepted 10:10
    Q2  asked Mon 10:30, answered 10:42             720 s, accepted 11:00, replaced 11:30
    Q3  asked Mon 11:00, own reply 11:10 (not a response), answered 11:40: 2400 s;
        accepted 12:00, withdrawn 12:30
    Q4  asked Mon 12:00, never answered
    Q5  asked Tue 17:55, never answered (5 open minutes by midnight)
    Q6  accepted Tue 10:00
    a discussion thread Mon 14:00 with a reply at 14:01 (not a question)

Wednesday, after the range: Q1's response is hidden and Q4 gets an answer; neither
changes the range's figures.
"""

from datetime import timedelta

import pytest

from community.kpis import period, registry, scope, support
from forums import actions as forums
from forums.moderation.care import actions as care
from forums.moderation.curation import actions as curation
from forums.moderation.curation import deflections
from tests.community.kpis.history import at, local

HOURS = {str(day): [["09:00", "18:00"]] for day in range(5)}
LATER = local(31, 12)  # "now" well after the range: the cutoff is the range's end


@pytest.fixture
def desk(staff, make_community, make_user, add_member):
    help_desk = make_community("help", kind="support", name="Help")
    care.set_response_policy(
        staff, help_desk, target_minutes=15, time_zone="Europe/Paris", business_hours=HOURS
    )
    people = {name: make_user(username=name) for name in ("ann", "bob", "mod", "eve")}
    add_member(help_desk, people["mod"], role="moderator")
    for name in ("ann", "bob", "eve"):
        add_member(help_desk, people[name])
    return help_desk, people


def _ask(asker, community, when, title, kind="question"):
    with at(when):
        return forums.create_thread(asker, community, kind=kind, title=title, body="Help me.")


def _reply(author, thread, when):
    with at(when):
        return forums.reply(author, thread, body="Try this.")


def _accept(actor, thread, post, when):
    with at(when):
        forums.accept_answer(actor, thread, post)


def build(desk):
    """Write the history of the module docstring; return the questions by name."""
    community, p = desk
    ann, bob, mod, eve = p["ann"], p["bob"], p["mod"], p["eve"]
    q6 = _ask(bob, community, local(10, 7), "Q6 asked before opening")
    q6_answer = _reply(mod, q6, local(10, 9, 10))
    q1 = _ask(ann, community, local(10, 10), "Q1 answered in 4 minutes")
    q1_answer = _reply(mod, q1, local(10, 10, 4))
    _accept(ann, q1, q1_answer, local(10, 10, 10))
    q2 = _ask(ann, community, local(10, 10, 30), "Q2 answered in 12 minutes")
    first = _reply(mod, q2, local(10, 10, 42))
    second = _reply(eve, q2, local(10, 10, 50))
    _accept(ann, q2, first, local(10, 11))
    q3 = _ask(ann, community, local(10, 11), "Q3 answered in 40 minutes")
    _reply(ann, q3, local(10, 11, 10))  # the asker's own reply: not a response
    _accept(ann, q2, second, local(10, 11, 30))  # replaced: still solved
    q3_answer = _reply(eve, q3, local(10, 11, 40))
    _accept(ann, q3, q3_answer, local(10, 12))
    q4 = _ask(bob, community, local(10, 12), "Q4 never answered")
    _accept(ann, q3, None, local(10, 12, 30))  # withdrawn: not solved
    chat = _ask(bob, community, local(10, 14), "Just chatting", kind="discussion")
    _reply(mod, chat, local(10, 14, 1))
    _accept(bob, q6, q6_answer, local(11, 10))
    q5 = _ask(bob, community, local(11, 17, 55), "Q5 asked before closing")
    return {"q1": q1, "q1_answer": q1_answer, "q4": q4, "q5": q5}


def two_days(now=LATER):
    return period.parse("2025-03-10", "2025-03-11", "day", now=now)


def test_questions_computed_by_hand(desk):
    community, people = desk
    made = build(desk)
    p = two_days()
    assert p.since == local(10, 0) and p.cutoff == local(12, 0)
    expected = {
        "asked": 6,
        # Q1, Q2, Q3, Q6 have a first response; Q4 and Q5 none by the cutoff.
        "answered": 4,
        # First-response times, the unanswered with their waits so far to Wed 00:00:
        #   Q1 240, Q2 720, Q3 2400, Q6 7800,
        #   Q5 Tue 17:55 -> 24:00 = 6 h 05 = 21900, Q4 Mon 12:00 -> Wed 00:00 = 36 h = 129600.
        # Sorted: 240, 720, 2400, 7800, 21900, 129600: median (2400 + 7800) / 2 = 5100;
        # p90: nearest rank ceil(0.9 * 6) = 6th = 129600.
        "first_response_median_seconds": 5100.0,
        "first_response_p90_seconds": 129600.0,
        # Within 15 open minutes: Q1 (4), Q2 (12), Q6 (09:00-09:10 open = 10, though 130
        # on the wall clock). Missed: Q3 (40), Q4 (open Mon 12-18 + Tue 9-18 = 15 h).
        # Q5 had 5 open minutes (17:55-18:00): still inside its target, in neither.
        "answered_within_target": 3,
        "missed_target": 2,
        "answered_within_target_share": 0.6,  # 3 / (3 + 2)
        # Solved at the cutoff: Q1, Q2 (replaced, still accepted), Q6; Q3 withdrawn.
        "solved": 3,
        "solved_share": 0.5,  # 3 / 6
        # To the first accept: Q1 10 min = 600, Q2 30 min = 1800, Q6 Mon 07:00 -> Tue 10:00
        # = 27 h = 97200: median 1800.
        "time_to_accepted_median_seconds": 1800.0,
        "waiting": 2,  # Q4, Q5
        "deflected": 0,
    }
    desk_scope = scope.of(community)
    assert support.questions(desk_scope, p) == expected

    # Later moderation and answers do not change the past: Q1's response is hidden, Q4
    # answered on Wednesday.
    with at(local(12, 10)):
        forums.hide_post(people["mod"], made["q1_answer"], reason="Off topic")
    _reply(people["mod"], made["q4"], local(12, 10, 30))
    assert support.questions(desk_scope, p) == expected


def test_figures_so_far_run_to_now(desk):
    """As of Monday 10:35, only what had happened by then counts."""
    community, _people = desk
    build(desk)
    figures = support.questions(scope.of(community), two_days(now=local(10, 10, 35)))
    # Asked by then: Q6 (7800), Q1 (240), Q2 at 10:30, unanswered: 5 minutes so far (300).
    # Sorted 240, 300, 7800: median 300, p90 the 3rd = 7800. Q2 is inside its target.
    assert figures["asked"] == 3
    assert figures["answered"] == 2
    assert figures["waiting"] == 1
    assert figures["first_response_median_seconds"] == 300.0
    assert figures["first_response_p90_seconds"] == 7800.0
    assert (figures["answered_within_target"], figures["missed_target"]) == (2, 0)
    assert figures["answered_within_target_share"] == 1.0
    assert figures["solved"] == 1  # Q1, accepted at 10:10
    assert figures["solved_share"] == round(1 / 3, 4)
    assert figures["time_to_accepted_median_seconds"] == 600.0


def test_series_per_day_is_each_day_as_its_own_range_and_adds_up(desk):
    community, _people = desk
    build(desk)
    p = two_days()
    points = support.series(scope.of(community), p.buckets(), now=p.now)
    # Monday, cut at Tue 00:00: Q6 7800, Q1 240, Q2 720, Q3 2400, Q4 12 h so far = 43200.
    # Sorted 240, 720, 2400, 7800, 43200: median 2400, p90 = 5th (ceil 4.5) = 43200.
    # Within Q1, Q2, Q6; missed Q3, Q4 (6 open hours): 3 / 5. Solved by Monday's end:
    # Q1, Q2 (Q6 only on Tuesday, Q3 withdrawn): 2 / 5.
    assert points["2025-03-10"] == {
        "first_response_median_seconds": 2400.0,
        "first_response_p90_seconds": 43200.0,
        "answered_within_target_share": 0.6,
        "solved_share": 0.4,
        "questions_asked": 5,
    }
    # Tuesday: Q5 alone, 21900 s so far and still inside its target: no share yet.
    assert points["2025-03-11"] == {
        "first_response_median_seconds": 21900.0,
        "first_response_p90_seconds": 21900.0,
        "answered_within_target_share": None,
        "solved_share": 0.0,
        "questions_asked": 1,
    }
    assert sum(point["questions_asked"] for point in points.values()) == 6
    for bucket in p.buckets():
        day = period.parse(bucket.label, bucket.label, now=p.now)
        alone = support.questions(scope.of(community), day)
        assert (
            points[bucket.label]["first_response_median_seconds"]
            == (alone["first_response_median_seconds"])
        )
        assert points[bucket.label]["solved_share"] == alone["solved_share"]
        assert points[bucket.label]["questions_asked"] == alone["asked"]


def test_communities_add_up_to_the_site_and_a_moved_question_stays(
    desk, staff, make_community, make_user, add_member
):
    community, people = desk
    build(desk)
    club = make_community("club")  # a discussion community: the default 15 wall-clock minutes
    asker, helper = make_user(), make_user()
    add_member(club, asker)
    add_member(club, helper)
    q7 = _ask(asker, club, local(10, 10), "Q7 in the club")
    _reply(helper, q7, local(10, 10, 20))  # 20 minutes: late on the wall clock
    p = two_days()
    in_club = support.questions(scope.of(club), p)
    assert (in_club["asked"], in_club["answered_within_target"], in_club["missed_target"]) == (
        1,
        0,
        1,
    )
    site = support.questions(scope.site(), p)
    in_desk = support.questions(scope.of(community), p)
    for key in ("asked", "answered", "answered_within_target", "missed_target", "solved"):
        assert site[key] == in_desk[key] + in_club[key]
    assert support.questions(scope.of([community, club]), p)["asked"] == 7
    # Q7 moves to the help desk on Wednesday: it was asked in the club, and stays there.
    add_member(club, people["mod"], role="moderator")
    with at(local(12, 9)):
        forums.move_thread(people["mod"], q7, to=community)
    assert support.questions(scope.of(club), p) == in_club
    assert support.questions(scope.of(community), p) == in_desk


def test_deflections_agree_with_curation(desk, make_user, add_member, make_community):
    community, people = desk
    build(desk)
    club = make_community("club")
    solved = _ask(people["ann"], community, local(10, 8), "Pairing fails")
    member_of_club = make_user()
    add_member(club, member_of_club)
    club_thread = _ask(member_of_club, club, local(10, 8), "Club pairing")
    spared, poster, browser = make_user(), make_user(), make_user()
    for member in (spared, poster, browser):
        add_member(community, member)
        add_member(club, member)

    def opened(member, thread, when):
        with at(when):
            curation.record_similar_opened(member, thread, query="pairing")

    opened(spared, solved, local(10, 15))  # never posts: a deflection
    opened(poster, solved, local(10, 15))  # posts 10 minutes later: none
    _ask(poster, community, local(10, 15, 10), "My own question")
    for minute in (0, 10, 25):  # one visit of three openings: one deflection
        opened(browser, solved, local(10, 16, minute))
    opened(spared, club_thread, local(10, 17))  # in the club: the club's
    opened(browser, solved, local(11, 23, 50))  # window closes after the range: counted
    p = two_days()
    both = scope.of([community, club])
    by_curation = sum(deflections.count(c, p.since, p.until, now=p.now) for c in (community, club))
    assert support.questions(both, p)["deflected"] == by_curation == 4
    assert support.questions(scope.of(community), p)["deflected"] == 3
    # As of Tuesday 23:55 the last opening's window has not closed: not yet counted.
    early = two_days(now=local(11, 23, 55))
    assert support.questions(both, early)["deflected"] == 3
    assert (
        sum(
            deflections.count(c, early.since, early.until, now=early.now) for c in (community, club)
        )
        == 3
    )
    assert support.DEFLECTION_WINDOW == deflections.WINDOW


def test_targets_follow_the_care_policy(staff, make_community, django_assert_num_queries):
    desk = make_community("desk", kind="support")  # no row: the support defaults
    shop = make_community("shop")  # a discussion community without a policy: the default
    hours = make_community("hours")
    care.set_response_policy(staff, hours, target_minutes=30, business_hours=HOURS)
    off = make_community("off", kind="support")
    care.set_response_policy(staff, off, enabled=False, target_minutes=90)
    with django_assert_num_queries(1):
        targets = registry.response_targets([desk.pk, shop.pk, hours.pk, off.pk])
    assert targets[desk.pk].minutes == 15 and targets[desk.pk].always_open
    assert targets[shop.pk] == registry.DEFAULT_TARGET
    assert targets[off.pk] == registry.DEFAULT_TARGET  # disabled: not measured by care
    assert targets[hours.pk].minutes == 30 and not targets[hours.pk].always_open
    # Friday 17:50 UTC (the policy's zone; 18:50 in Paris) to Monday 09:20 UTC: 10 + 20
    # open minutes.
    friday = local(14, 18, 50)
    monday = friday + timedelta(days=2, hours=15, minutes=30)
    assert targets[hours.pk].open_seconds(friday, monday) == 30 * 60


@pytest.mark.parametrize("count", [2, 20])
def test_queries_do_not_grow_with_the_questions(
    count, staff, make_community, make_user, add_member, django_assert_num_queries
):
    community = make_community("help", kind="support")
    helper = make_user()
    add_member(community, helper, role="moderator")
    for n in range(count):
        asker = make_user()
        add_member(community, asker)
        thread = _ask(asker, community, local(10, 9, n), f"Question {n}")
        answer = _reply(helper, thread, local(10, 10, n))
        _accept(helper, thread, answer, local(10, 11, n))
    p = two_days()
    # Questions, first responses, answers, the targets, deflections.
    with django_assert_num_queries(5):
        assert support.questions(scope.of(community), p)["solved"] == count
    # Questions, first responses, answers, the targets: whatever the number of buckets.
    with django_assert_num_queries(4):
        assert len(support.series(scope.of(community), p.buckets(), now=p.now)) == 2
