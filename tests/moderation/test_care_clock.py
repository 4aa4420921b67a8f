"""Each question's clock: started on publication, met by a responder, kept by the background
clock (escalation at half the target, a warning at 80 %, breached past it), alerts to the
moderators on duty and on the moderation stream."""

from datetime import timedelta

import pytest

from community.models import Activity
from forums.moderation.care import actions, clock, jobs, timer
from forums.moderation.care.models import QuestionClock
from forums.moderation.models import Notice
from tests.moderation.care_world import care_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def clock_of(thread):
    return QuestionClock.objects.get(thread=thread)


def test_a_support_question_starts_a_clock_with_the_default_target(care):
    thread = care.ask()
    question = clock_of(thread)
    assert question.state == "waiting"
    assert question.target_minutes == 15
    assert question.due_at == question.started_at + timedelta(minutes=15)
    assert question.escalate_at == question.started_at + timedelta(minutes=7.5)
    assert question.breaching_at == question.started_at + timedelta(minutes=12)


def test_no_clock_for_discussions_or_communities_without_a_policy(care, make_community, add_member):
    from forums import actions as forums_actions

    with care.committed():
        talk = forums_actions.create_thread(
            care.asker, care.support, kind="discussion", title="Hello", body="Hi all"
        )
    assert not QuestionClock.objects.filter(thread=talk).exists()
    club = make_community("club")
    add_member(club, care.asker)
    with care.committed():
        question = forums_actions.create_thread(
            care.asker, club, kind="question", title="Why?", body="Just asking"
        )
    assert not QuestionClock.objects.filter(thread=question).exists()
    # A manager turns it on for that community: questions there get a clock too.
    actions.set_response_policy(care.staff, club, target_minutes=30)
    with care.committed():
        second = forums_actions.create_thread(
            care.asker, club, kind="question", title="Why not?", body="Asking again"
        )
    assert clock_of(second).target_minutes == 30


def test_the_askers_own_reply_and_a_plain_members_do_not_count(care):
    thread = care.ask()
    care.answer(thread, care.asker, "Anyone?")
    care.answer(thread, care.plain, "Same problem here")
    assert clock_of(thread).state == "waiting"
    care.answer(thread, care.moderator, "We are on it")
    question = clock_of(thread)
    assert question.state == "met" and question.responder == care.moderator
    entry = Activity.objects.get(verb="response.met")
    assert entry.actor == care.moderator and entry.object_id == thread.pk


def test_level_responders_count_when_the_policy_says_so(care):
    from badges.models import Reputation

    actions.set_response_policy(care.staff, care.support, responders="level", responder_min_level=2)
    Reputation.objects.create(user=care.plain, community=care.support, points=60, rank=2)
    thread = care.ask()
    care.answer(thread, care.plain)
    assert clock_of(thread).state == "met"


def test_the_clock_escalates_warns_and_breaches_once_each(care, capture_events):
    actions.start_duty(care.moderator, care.support)
    thread = care.ask()
    start = clock_of(thread).started_at
    stream = "moderation:help"
    with capture_events(stream) as events:
        clock.tick(start + timedelta(minutes=5))  # nothing due yet
        clock.tick(start + timedelta(minutes=8))  # half the target: escalation
        clock.tick(start + timedelta(minutes=8, seconds=30))  # again: nothing more
    assert [e["event"] for e in events] == ["alert.raised"]
    assert events[0]["data"]["kind"] == "escalated"
    assert clock_of(thread).escalated_at is not None
    with capture_events(stream) as events:
        clock.tick(start + timedelta(minutes=13))
        clock.tick(start + timedelta(minutes=16))
        clock.tick(start + timedelta(minutes=17))
    assert [e["event"] for e in events] == ["response.breaching", "response.breached"]
    breached = events[1]["data"]
    assert breached["state"] == "breached" and breached["seconds_left"] == -60
    assert breached["thread"]["id"] == thread.pk
    assert clock_of(thread).state == "breached"
    kinds = list(Notice.objects.filter(user=care.moderator).values_list("kind", flat=True))
    assert kinds == ["alert"] * 3  # escalated, about to breach, breached
    assert Activity.objects.filter(verb="response.breached", object_id=thread.pk).count() == 1
    # A late answer still stops the wait; the clock keeps that it breached.
    care.answer(thread, care.moderator)
    late = clock_of(thread)
    assert late.state == "breached" and late.responded_at is not None


def test_answered_questions_and_off_duty_moderators_get_no_alert(care, capture_events):
    thread = care.ask()
    start = clock_of(thread).started_at
    with capture_events("moderation:help") as events:
        clock.tick(start + timedelta(minutes=20))
    assert [e["event"] for e in events] == ["response.breached"]
    assert not Notice.objects.filter(user=care.moderator).exists()  # not on duty
    answered = care.ask("Another")
    care.answer(answered, care.moderator)
    with capture_events("moderation:help") as events:
        jobs.deadlines(clock_of(answered).started_at + timedelta(hours=1))
    assert events == []


def test_a_failing_job_stops_no_other():
    ran = []

    def broken(now):
        raise RuntimeError("boom")

    clock.register(broken)
    clock.register(ran.append)
    try:
        assert clock.tick() == 1
        assert len(ran) == 1
    finally:
        clock._jobs.remove(broken)
        clock._jobs.remove(ran.append)


def test_the_clock_is_off_under_tests_and_in_process_on_sqlite(settings):
    assert clock.mode() == "off"
    settings.MODERATION_CLOCK = "thread"
    assert clock.mode() == "thread"


def test_business_hours_shift_the_deadline(care):
    # Open one hour a week, Sunday 03:00-04:00 UTC: a question now waits until then.
    actions.set_response_policy(
        care.staff, care.support, time_zone="UTC", business_hours={"6": [["03:00", "04:00"]]}
    )
    thread = care.ask()
    question = clock_of(thread)
    assert question.due_at.weekday() == 6
    assert question.due_at.hour == 3
    hours = {"6": [["03:00", "04:00"]]}
    assert timer.open_seconds(question.started_at, question.due_at, hours) == 900
    data = actions.question_data(question, thread, question.started_at)
    assert data["seconds_left"] == 900


def test_the_ledger_path_records_every_care_verb(staff, make_user, make_community):
    from forums.moderation.care.verbs import VERBS
    from tests.moderation.ledger_care import every_care_action

    club = make_community("ledger-club")
    every_care_action(staff, make_user, club)
    recorded = set(Activity.objects.values_list("verb", flat=True))
    assert {verb.name for verb in VERBS} <= recorded
