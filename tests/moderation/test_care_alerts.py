"""Alerts for the moderators: a burst of flags on one thread, a new account posting fast."""

import pytest

from community.models import Activity
from forums import actions as forums_actions
from forums.moderation.care import actions
from forums.moderation.models import Notice
from forums.moderation.queue import flags as queue_flags
from tests.moderation.care_world import care_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_new_account_posting_fast_raises_one_alert(care, capture_events, settings):
    settings.MODERATION_FAST_POSTER = (3, 10)
    actions.start_duty(care.moderator, care.support)
    thread = care.ask()
    with capture_events("moderation:help") as events:
        for number in range(4):
            forums_actions.reply(care.plain, thread, body=f"Spam {number}")
    alerts = [e for e in events if e["event"] == "alert.raised"]
    assert len(alerts) == 1
    assert alerts[0]["data"]["kind"] == "fast_new_account"
    assert alerts[0]["data"]["username"] == care.plain.username
    assert Notice.objects.filter(user=care.moderator, kind="alert").count() == 1
    assert Activity.objects.get(verb="alert.raised").data["user"] == care.plain.pk


def test_a_burst_of_flags_on_one_thread_raises_one_alert(care, capture_events, settings):
    settings.MODERATION_FLAG_BURST = (3, 10)
    actions.start_duty(care.moderator, care.support)
    with care.committed():
        thread = forums_actions.create_thread(
            care.moderator, care.support, kind="discussion", title="Hot topic", body="Hot"
        )
    with capture_events("moderation:help") as events:
        for flagger in (care.plain, *care.experts[:3]):
            queue_flags.flag_thread(flagger, thread, reason="abuse")
    alerts = [e for e in events if e["event"] == "alert.raised"]
    assert len(alerts) == 1
    assert alerts[0]["data"]["kind"] == "flag_burst"
    assert alerts[0]["data"]["thread"] == thread.pk
    assert Notice.objects.filter(user=care.moderator, kind="alert", thread=thread).count() == 1
