"""The events' API: POST/DELETE /api/v1/events/{id}/rsvp and the organisers' attendee list;
each bad input answered with its status and code, nothing leaked."""

import datetime
import json

import pytest
from django.utils import timezone

from cms.events import actions
from community import actions as community_actions

pytestmark = pytest.mark.django_db
API = "/api/v1"


def bearer(user):
    _token, key = community_actions.create_api_token(user, user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def call(client, method, path, user=None):
    response = getattr(client, method)(API + path, **(bearer(user) if user else {}))
    return response, response.json()


@pytest.fixture
def club(make_community):
    return make_community("club", visibility="private", join_policy="request")


def test_register_cancel_and_waitlist(client, make_page, make_user):
    event = make_page("event", capacity=1)
    first, second = make_user(), make_user()
    response, data = call(client, "post", f"/events/{event.pk}/rsvp", first)
    assert response.status_code == 201
    assert data == {"state": "going"}
    response, data = call(client, "post", f"/events/{event.pk}/rsvp", second)
    assert (response.status_code, data) == (201, {"state": "waitlisted", "position": 1})
    response, data = call(client, "post", f"/events/{event.pk}/rsvp", second)
    assert (response.status_code, data["code"]) == (409, "already_registered")
    response, data = call(client, "delete", f"/events/{event.pk}/rsvp", first)
    assert (response.status_code, data) == (200, {"state": "cancelled"})
    response, data = call(client, "delete", f"/events/{event.pk}/rsvp", first)
    assert (response.status_code, data["code"]) == (409, "not_registered")


def test_deadline_and_past_event(client, make_page, make_user):
    now = timezone.now()
    closed = make_page("event", rsvp_deadline=now - datetime.timedelta(hours=1))
    past = make_page(
        "event",
        starts_at=now - datetime.timedelta(days=2),
        ends_at=now - datetime.timedelta(days=1),
    )
    member = make_user()
    response, data = call(client, "post", f"/events/{closed.pk}/rsvp", member)
    assert (response.status_code, data["code"]) == (409, "registration_closed")
    response, data = call(client, "post", f"/events/{past.pk}/rsvp", member)
    assert (response.status_code, data["code"]) == (409, "event_past")


def test_teaser_only_hidden_and_missing(client, make_page, make_user, make_community, club):
    secret = make_community("secret", visibility="hidden", join_policy="invite")
    teased = make_page("event", audience="chosen", rules=[("community", club)])
    hidden = make_page("event", audience="chosen", rules=[("community", secret)])
    article = make_page("article")
    outsider = make_user()
    response, data = call(client, "post", f"/events/{teased.pk}/rsvp", outsider)
    assert (response.status_code, data["code"]) == (403, "audience_not_met")
    for page_id in (hidden.pk, article.pk, 987654):
        response, data = call(client, "post", f"/events/{page_id}/rsvp", outsider)
        assert (response.status_code, data["code"]) == (404, "not_found")
        assert "place" not in json.dumps(data) and "meet.example" not in json.dumps(data)
    response, _data = call(client, "post", f"/events/{2**70}/rsvp", outsider)
    assert response.status_code == 422


def test_anonymous_is_401(client, make_page):
    event = make_page("event", audience="everyone")
    response, data = call(client, "post", f"/events/{event.pk}/rsvp")
    assert (response.status_code, data["code"]) == (401, "not_authenticated")


def test_attendees_for_organisers_only(client, make_page, make_user, marketer, staff, club):
    event = make_page("event", capacity=1)
    going, waiting, other = (make_user(username=name) for name in ("going", "waiting", "other"))
    actions.register(going, event)
    actions.register(waiting, event)
    response, data = call(client, "get", f"/events/{event.pk}/attendees", marketer)
    assert response.status_code == 200
    assert [(row["username"], row["state"], row["position"]) for row in data] == [
        ("going", "going", None),
        ("waiting", "waitlisted", 1),
    ]
    assert set(data[0]) == {
        "username",
        "display_name",
        "state",
        "position",
        "registered_at",
        "attended_at",
    }
    response, data = call(client, "get", f"/events/{event.pk}/attendees", staff)
    assert response.status_code == 200
    # A member, even one registered, gets 403; one who may not know of it a 404.
    response, data = call(client, "get", f"/events/{event.pk}/attendees", going)
    assert (response.status_code, data["code"]) == (403, "not_organiser")
    teased = make_page("event", audience="chosen", rules=[("community", club)], title="Club")
    response, data = call(client, "get", f"/events/{teased.pk}/attendees", other)
    assert (response.status_code, data["code"]) == (403, "not_organiser")
    response, data = call(client, "get", "/events/987654/attendees", other)
    assert response.status_code == 404


def test_attendees_of_a_hidden_event_is_404(client, make_page, make_user, make_community):
    secret = make_community("secret", visibility="hidden", join_policy="invite")
    event = make_page("event", audience="chosen", rules=[("community", secret)])
    response, data = call(client, "get", f"/events/{event.pk}/attendees", make_user())
    assert (response.status_code, data["code"]) == (404, "not_found")


@pytest.mark.parametrize("size", [1, 20])
def test_attendees_query_count(
    client, make_page, make_user, marketer, size, django_assert_max_num_queries
):
    event = make_page("event", capacity=None)
    for _ in range(size):
        actions.register(make_user(), event)
    headers = bearer(marketer)
    with django_assert_max_num_queries(7):  # 6 today, the same for 1 or 20
        response = client.get(f"{API}/events/{event.pk}/attendees", **headers)
    assert len(response.json()) == size
