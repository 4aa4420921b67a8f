"""The day before an event, each member going is reminded once (a notice, a live event on
their me stream, a mail with the place and the link); the "content" unread counter."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from cms.events import actions, notices, reminders
from cms.models import ContentNotice, Registration
from community import actions as community_actions
from community import unread
from forums.moderation.care import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def soon(make_page):
    now = timezone.now()
    return make_page(
        "event",
        capacity=1,
        starts_at=now + datetime.timedelta(days=3),
        ends_at=now + datetime.timedelta(days=3, hours=2),
    )


def test_the_job_is_on_the_clock_and_the_counter_registered():
    assert reminders.remind in clock.jobs()
    assert "content" in unread._counters


def test_going_members_are_reminded_once_the_day_before(
    soon, make_user, capture_events, django_capture_on_commit_callbacks
):
    going, waiting = make_user(email="going@example.com"), make_user(email="w@example.com")
    actions.register(going, soon)
    actions.register(waiting, soon)
    early = soon.starts_at - datetime.timedelta(hours=25)
    assert reminders.remind(early) == 0
    day_before = soon.starts_at - datetime.timedelta(hours=23)
    with capture_events(f"me:{going.pk}", f"me:{waiting.pk}") as received:
        assert reminders.remind(day_before) == 1
    [event] = [e for e in received if e["event"] == "event.reminder"]
    assert event["stream"] == f"me:{going.pk}"
    assert event["data"]["id"] == soon.pk
    assert event["data"]["starts_at"] == soon.starts_at.astimezone(datetime.UTC).isoformat()
    assert "place" not in event["data"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["going@example.com"]
    assert soon.title in message.subject
    assert (
        "12 rue du Vélo, Lyon" in message.body and "https://meet.example.com/velora" in message.body
    )
    notice = ContentNotice.objects.get()
    assert (notice.user_id, notice.kind) == (going.pk, "reminder")
    assert Registration.objects.get(user=going).reminded_at == day_before
    # Once: the next ticks find nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind(day_before + datetime.timedelta(minutes=1)) == 0
    assert len(mail.outbox) == 1


def test_no_reminder_after_the_start_or_for_a_cancelled_registration(soon, make_user):
    member, other = make_user(), make_user(email="")
    actions.register(member, soon)
    assert reminders.remind(soon.starts_at + datetime.timedelta(minutes=1)) == 0
    actions.cancel(member, soon)
    actions.register(other, soon)  # no email address: notice only
    assert reminders.remind(soon.starts_at - datetime.timedelta(hours=2)) == 1
    assert ContentNotice.objects.get().user_id == other.pk
    assert mail.outbox == []


def test_a_member_no_longer_in_the_audience_is_told_nothing(
    make_page, make_community, make_user, add_member, staff
):
    club = make_community("club")
    now = timezone.now()
    event = make_page(
        "event",
        audience="chosen",
        rules=[("community", club)],
        starts_at=now + datetime.timedelta(hours=10),
        ends_at=now + datetime.timedelta(hours=12),
    )
    banned = make_user(email="b@example.com")
    add_member(club, banned)
    actions.register(banned, event)
    community_actions.ban(staff, club, banned)
    assert reminders.remind(now) == 0
    assert not ContentNotice.objects.exists() and mail.outbox == []
    assert Registration.objects.get(user=banned).reminded_at is not None


def test_the_content_counter(soon, make_user, make_page):
    first, second = make_user(), make_user()
    actions.register(first, soon)
    actions.register(second, soon)
    assert unread.count("content", second) == 0
    actions.cancel(first, soon)
    assert unread.count("content", second) == 1
    assert [n.kind for n in notices.notices_for(second)] == ["promoted"]
    soon.unpublish()
    assert unread.count("content", second) == 0
    assert notices.mark_read(second) == 1
    from django.contrib.auth.models import AnonymousUser

    assert unread.count("content", AnonymousUser()) == 0
