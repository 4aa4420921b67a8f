"""Registering to events (cms.events.actions): going or waitlisted, cancelling with the
waitlist's promotion, attendance, and each refusal with its code."""

import datetime

import pytest
from django.utils import timezone

from cms.events import actions, queries
from cms.models import ContentNotice, Registration
from community import actions as community_actions
from community.errors import Conflict, Forbidden
from community.models import Activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(make_page):
    return make_page("event", capacity=2)


def states(event):
    return dict(Registration.objects.filter(event=event).values_list("user__username", "state"))


def test_register_going_then_waitlisted_in_order(event, make_user):
    a, b, c, d = (make_user(username=name) for name in "abcd")
    assert actions.register(a, event).state == "going"
    assert actions.register(b, event).state == "going"
    third = actions.register(c, event)
    fourth = actions.register(d, event)
    assert (third.state, third.position) == ("waitlisted", 1)
    assert (fourth.state, fourth.position) == ("waitlisted", 2)
    assert queries.places_left(event) == 0
    entries = Activity.objects.filter(verb="event.registered").order_by("pk")
    assert [e.data["state"] for e in entries] == ["going", "going", "waitlisted", "waitlisted"]
    assert {e.object_type for e in entries} == {"eventpage"}


def test_no_capacity_means_everyone_goes(make_page, make_user):
    event = make_page("event", capacity=None)
    for _ in range(5):
        assert actions.register(make_user(), event).state == "going"
    assert queries.places_left(event) is None


def test_registering_twice_is_a_conflict(event, make_user):
    member = make_user()
    actions.register(member, event)
    with pytest.raises(Conflict) as error:
        actions.register(member, event)
    assert error.value.code == "already_registered"
    assert Registration.objects.filter(event=event).count() == 1


def test_waitlisted_registering_again_is_a_conflict(event, make_user):
    for _ in range(2):
        actions.register(make_user(), event)
    member = make_user()
    actions.register(member, event)
    with pytest.raises(Conflict, match="already registered"):
        actions.register(member, event)


def test_after_the_deadline_is_refused(make_page, make_user):
    now = timezone.now()
    event = make_page("event", rsvp_deadline=now - datetime.timedelta(minutes=1))
    with pytest.raises(Conflict) as error:
        actions.register(make_user(), event)
    assert error.value.code == "registration_closed"
    assert not Registration.objects.exists()


def test_a_past_event_is_refused(make_page, make_user):
    now = timezone.now()
    event = make_page(
        "event",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now - datetime.timedelta(hours=20),
    )
    with pytest.raises(Conflict) as error:
        actions.register(make_user(), event)
    assert error.value.code == "event_past"


def test_registration_closes_at_the_start_without_a_deadline(event, make_user):
    with pytest.raises(Conflict) as error:
        actions.register(make_user(), event, now=event.starts_at)
    assert error.value.code == "event_past"


def test_outside_the_audience(make_page, make_community, make_user, add_member):
    club = make_community("club", visibility="private", join_policy="request")
    secret = make_community("secret", visibility="hidden", join_policy="invite")
    teased = make_page("event", audience="chosen", rules=[("community", club)])
    hidden = make_page("event", audience="chosen", rules=[("community", secret)])
    outsider = make_user()
    with pytest.raises(Forbidden) as error:
        actions.register(outsider, teased)
    assert error.value.code == "audience_not_met"
    from django.http import Http404

    with pytest.raises(Http404):
        actions.register(outsider, hidden)
    assert not Registration.objects.exists()
    fan = make_user()
    add_member(club, fan)
    assert actions.register(fan, teased).state == "going"


def test_anonymous_and_drafts(make_page, make_user):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    with pytest.raises(Forbidden):
        actions.register(AnonymousUser(), make_page("event", audience="everyone"))
    with pytest.raises(Http404):
        actions.register(make_user(), make_page("event", publish=False, live=False))


def test_cancel_promotes_the_first_waiting(event, make_user, capture_events):
    a, b, c, d = (make_user(username=name) for name in "abcd")
    for member in (a, b, c, d):
        actions.register(member, event)
    with capture_events(f"me:{c.pk}", f"me:{d.pk}") as received:
        cancelled = actions.cancel(a, event)
    assert cancelled.state == "cancelled"
    assert states(event) == {"a": "cancelled", "b": "going", "c": "going", "d": "waitlisted"}
    assert queries.position(Registration.objects.get(user=d)) == 1
    promoted = [e for e in received if e["event"] == "event.promoted"]
    assert len(promoted) == 1
    assert promoted[0]["stream"] == f"me:{c.pk}"
    data = promoted[0]["data"]
    assert data["id"] == event.pk and data["type"] == "event" and data["title"] == event.title
    assert "place" not in data and "online_link" not in data
    entry = Activity.objects.get(verb="event.promoted")
    assert entry.actor_id is None and entry.target_user_id == c.pk
    assert Activity.objects.get(verb="event.cancelled").data == {"was": "going"}
    notice = ContentNotice.objects.get()
    assert (notice.user_id, notice.kind, notice.page_id) == (c.pk, "promoted", event.pk)


def test_a_waitlisted_cancelling_promotes_nobody(event, make_user):
    members = [make_user() for _ in range(4)]
    for member in members:
        actions.register(member, event)
    actions.cancel(members[2], event)
    assert not Activity.objects.filter(verb="event.promoted").exists()
    assert queries.position(Registration.objects.get(user=members[3])) == 1


def test_a_banned_member_on_the_waitlist_is_passed_over(
    make_page, make_community, make_user, add_member, staff
):
    club = make_community("club")
    event = make_page("event", capacity=1, audience="chosen", rules=[("community", club)])
    first, banned, next_one = (make_user() for _ in range(3))
    for member in (first, banned, next_one):
        add_member(club, member)
        actions.register(member, event)
    community_actions.ban(staff, club, banned)
    actions.cancel(first, event)
    assert Registration.objects.get(user=banned).state == "waitlisted"
    assert Registration.objects.get(user=next_one).state == "going"


def test_cancel_refusals(event, make_user):
    member = make_user()
    with pytest.raises(Conflict) as error:
        actions.cancel(member, event)
    assert error.value.code == "not_registered"
    actions.register(member, event)
    with pytest.raises(Conflict) as error:
        actions.cancel(member, event, now=event.starts_at)
    assert error.value.code == "event_past"
    actions.cancel(member, event)
    with pytest.raises(Conflict):
        actions.cancel(member, event)


def test_register_again_after_cancelling_goes_to_the_end_of_the_line(event, make_user):
    a, b, c = (make_user() for _ in range(3))
    for member in (a, b, c):
        actions.register(member, event)
    actions.cancel(c, event)
    actions.register(make_user(), event)
    again = actions.register(c, event)
    assert (again.state, again.position) == ("waitlisted", 2)
    assert Registration.objects.filter(event=event, user=c).count() == 1


def test_a_raised_capacity_goes_to_those_waiting_first(event, make_user):
    members = [make_user() for _ in range(3)]
    for member in members:
        actions.register(member, event)
    event.capacity = 4
    event.save(update_fields=["capacity"])
    newcomer = actions.register(make_user(), event)
    assert Registration.objects.get(user=members[2]).state == "going"
    assert newcomer.state == "going"


def test_mark_attended_by_organisers_only(event, make_user, marketer):
    member, other = make_user(), make_user()
    actions.register(member, event)
    with pytest.raises(Forbidden) as error:
        actions.mark_attended(other, event, member)
    assert error.value.code == "not_organiser"
    registration = actions.mark_attended(marketer, event, member)
    assert registration.attended_at is not None
    actions.mark_attended(marketer, event, member)  # twice: nothing more
    assert Activity.objects.filter(verb="event.attended").count() == 1
    entry = Activity.objects.get(verb="event.attended")
    assert (entry.actor_id, entry.target_user_id) == (marketer.pk, member.pk)
    actions.mark_attended(marketer, event, member, attended=False)
    assert Registration.objects.get(user=member).attended_at is None
    assert Activity.objects.filter(verb="event.attendance_cleared").count() == 1
    with pytest.raises(Conflict) as error:
        actions.mark_attended(marketer, event, other)
    assert error.value.code == "not_going"


def test_a_rolled_back_cancel_sends_nothing(event, make_user, capture_events):
    from django.db import transaction

    a, b = make_user(), make_user()
    event.capacity = 1
    event.save(update_fields=["capacity"])
    actions.register(a, event)
    actions.register(b, event)

    def cancel_then_fail():
        with transaction.atomic():
            actions.cancel(a, event)
            raise RuntimeError

    with capture_events(f"me:{b.pk}") as received, pytest.raises(RuntimeError):
        cancel_then_fail()
    assert received == []
    assert states(event)[a.username] == "going"
    assert not ContentNotice.objects.exists()
