"""Every verb customer care declares, recorded through its actions (tests/test_domain_events.py)."""

from datetime import timedelta

from badges.actions import awards
from community import actions as community_actions
from forums import actions as forums_actions
from forums.moderation.care import actions, clock, online


def every_care_action(staff, make_user, club):
    # response_policy.changed: the club measures its questions' first responses.
    actions.set_response_policy(staff, club, target_minutes=10, routing_enabled=True)
    # expert.opted_in / expert.opted_out: an expert by the club's own badge.
    expert, asker = make_user(), make_user()
    for user in (expert, asker):
        community_actions.join(user, club)
    badge = awards.create_badge(
        staff, community=club, name="Club expert", mode="manual", enabled=True
    )
    awards.grant(staff, badge, expert, reason="Knows it all")
    actions.opt_in(expert, club)
    # duty.started / duty.ended
    actions.start_duty(staff, club)
    # question.offered: the expert is online when a question comes.
    online.mark(expert.pk)
    thread = forums_actions.create_thread(
        asker, club, kind="question", title="Where is the manual?", body="I lost it."
    )
    question = actions.start_clock(thread)
    actions.offer(thread)
    # question.escalated, response.breached: the clock passes half, then all the target.
    clock.tick(question.started_at + timedelta(minutes=6))
    clock.tick(question.started_at + timedelta(minutes=11))
    # response.met: a responder answers the next question in time.
    second = forums_actions.create_thread(
        asker, club, kind="question", title="And the warranty?", body="Also lost."
    )
    actions.start_clock(second)
    actions.record_response(forums_actions.reply(staff, second, body="Here it is."))
    # alert.raised
    actions.raise_alert(club, "manual", "Test alert", thread=second)
    actions.opt_out(expert, club)
    actions.end_duty(staff, club)
