"""RSVPs under concurrency, on PostgreSQL: threads with their own connections, racing to
register and cancel. The event is never overbooked and the waitlist keeps its order."""

import pytest
from django.db import connection

from cms.events import actions
from cms.models import EventPage, Registration
from community.models import Activity
from tests.concurrency import race

# The content home and the Marketing group, emptied by each test's flush, are made
# again by the content_home fixture (tests/cms/conftest.py).
pytestmark = [
    pytest.mark.production,
    pytest.mark.django_db(transaction=True),
]


def _fresh(event):
    return EventPage.objects.get(pk=event.pk)


def _going(event):
    return Registration.objects.filter(event=event, state="going").count()


def test_members_racing_for_places_never_overbook(make_page, make_user):
    assert connection.vendor == "postgresql"
    event = make_page("event", capacity=5)
    members = [make_user() for _ in range(16)]
    results = race([lambda m=m: actions.register(m, _fresh(event)).state for m in members])
    assert all(kind == "ok" for kind, _value in results), results
    assert sorted(value for _kind, value in results) == ["going"] * 5 + ["waitlisted"] * 11
    assert _going(event) == 5
    positions = sorted(
        actions.queries.position(r)
        for r in Registration.objects.filter(event=event, state="waitlisted")
    )
    assert positions == list(range(1, 12))
    assert Activity.objects.filter(verb="event.registered").count() == 16


def test_a_member_racing_themselves_registers_once(make_page, make_user):
    event = make_page("event", capacity=5)
    member = make_user()
    results = race([lambda: actions.register(member, _fresh(event)).state for _ in range(6)])
    assert sorted(results) == [("conflict", "already_registered")] * 5 + [("ok", "going")]
    assert Registration.objects.filter(event=event).count() == 1
    assert Activity.objects.filter(verb="event.registered").count() == 1


def test_cancellations_racing_registrations_never_overbook(make_page, make_user):
    event = make_page("event", capacity=4)
    first = [make_user() for _ in range(8)]
    for member in first:
        actions.register(member, event)  # 4 going, 4 waiting
    going = list(
        Registration.objects.filter(event=event, state="going").values_list("user_id", flat=True)
    )
    leaving = [m for m in first if m.pk in going[:3]]
    newcomers = [make_user() for _ in range(8)]
    work = [lambda m=m: actions.cancel(m, _fresh(event)).state for m in leaving]
    work += [lambda m=m: actions.register(m, _fresh(event)).state for m in newcomers]
    results = race(work)
    assert all(kind == "ok" for kind, _value in results), results
    assert _going(event) == 4
    # The places freed went to the first three who were waiting, not to newcomers.
    promoted = set(
        Activity.objects.filter(verb="event.promoted").values_list("target_user_id", flat=True)
    )
    assert promoted == {m.pk for m in first[4:7]}
    assert all(value == "waitlisted" for value in [v for _k, v in results[len(leaving) :]])


def test_a_member_racing_cancel_and_register_stays_consistent(make_page, make_user):
    event = make_page("event", capacity=1)
    members = [make_user() for _ in range(6)]
    for member in members:
        actions.register(member, event)
    work = []
    for member in members:
        work.append(lambda m=member: actions.cancel(m, _fresh(event)).state)
        work.append(lambda m=member: actions.register(m, _fresh(event)).state)
    results = race(work)
    assert all(kind in ("ok", "conflict") for kind, _value in results), results
    assert _going(event) <= 1
    waiting = Registration.objects.filter(event=event, state="waitlisted").exists()
    if waiting:  # a free place with people waiting is a missed promotion
        assert _going(event) == 1
