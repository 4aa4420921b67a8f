"""The waiting questions (API and page), on duty, experts' opt-in and the response policy:
scope (the same 404 as a missing community for outsiders, 403 for members), constant queries."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community.models import Activity
from forums.moderation.care import actions
from forums.moderation.care.models import Duty, ResponsePolicy
from tests.moderation.care_world import care_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/api/v1/communities/help/waiting"


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_waiting_scope(care, make_user, make_community, add_member):
    care.ask()
    assert client_for(care.plain).get(URL).status_code == 403
    assert client_for(care.plain).get(URL).json()["code"] == "forbidden"
    assert client_for(None).get(URL).status_code in (401, 403)
    assert client_for(care.moderator).get(URL).status_code == 200
    assert client_for(care.staff).get(URL).status_code == 200
    # A hidden community: outsiders get the 404 of a missing one; a moderator of another too.
    make_community("secret", visibility="hidden", join_policy="invite", kind="support")
    other_moderator = care.moderator
    for url in ("/api/v1/communities/secret/waiting", "/api/v1/communities/nope/waiting"):
        response = client_for(other_moderator).get(url)
        assert response.status_code == 404, url
    page = client_for(care.plain).get("/c/help/moderation/waiting/")
    assert page.status_code == 403


def test_waiting_lists_by_time_left_with_state(care):
    first = care.ask("First")
    second = care.ask("Second")
    care.answer(second, care.moderator)
    third = care.ask("Third")
    body = client_for(care.moderator).get(URL).json()
    assert [item["thread"]["id"] for item in body["items"]] == [first.pk, third.pk]
    item = body["items"][0]
    assert item["state"] == "waiting" and 0 < item["seconds_left"] <= 900
    assert item["thread"]["title"] == "First" and item["created_at"]
    assert body["on_duty"] is False


@pytest.mark.parametrize("surface", ["api", "page"])
def test_waiting_costs_the_same_queries_for_one_or_many(care, surface):
    client = client_for(care.moderator)
    url = URL if surface == "api" else "/c/help/moderation/waiting/"
    care.ask("Only one")
    client.get(url)  # warm caches (ladders, sessions)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for number in range(6):
        care.ask(f"Question {number}", by=care.experts[number % 5])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(one)
    if surface == "page":
        assert response.content.decode().count("data-care-timer") >= 7


def test_duty_api_and_page(care):
    client = client_for(care.moderator)
    assert client.post("/api/v1/communities/help/duty").json() == {"on_duty": True}
    assert client.post("/api/v1/communities/help/duty").json() == {"on_duty": True}
    assert Duty.objects.filter(user=care.moderator).count() == 1
    assert client.get(URL).json()["on_duty"] is True
    assert client.delete("/api/v1/communities/help/duty").json() == {"on_duty": False}
    response = client_for(care.plain).post("/api/v1/communities/help/duty")
    assert response.status_code == 403
    page = client.post("/c/help/moderation/waiting/duty/", {"on": "1"})
    assert page.status_code == 302 and Duty.objects.filter(user=care.moderator).exists()
    assert set(
        Activity.objects.filter(verb__startswith="duty.").values_list("verb", flat=True)
    ) == {
        "duty.started",
        "duty.ended",
    }


def test_experts_me_api(care):
    expert = client_for(care.experts[0])
    assert expert.post("/api/v1/communities/help/experts/me").json() == {"opted_in": True}
    refused = client_for(care.plain).post("/api/v1/communities/help/experts/me")
    assert refused.status_code == 403 and refused.json()["code"] == "not_expert"
    assert expert.delete("/api/v1/communities/help/experts/me").json() == {"opted_in": False}
    # The toggle shows on the community's page for experts.
    assert "Take questions live" in expert.get("/c/help/").content.decode()
    assert "Take questions live" not in client_for(care.plain).get("/c/help/").content.decode()


def test_response_policy_for_managers_only(care):
    url = "/api/v1/communities/help/response-policy"
    assert client_for(care.moderator).get(url).status_code == 403
    manager = client_for(care.staff)
    assert manager.get(url).json()["target_minutes"] == 15
    response = manager.patch(
        url,
        {"target_minutes": 10, "business_hours": {"0": [["09:00", "18:00"]]}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["target_minutes"] == 10
    bad = manager.patch(
        url, {"business_hours": {"9": [["x", "y"]]}}, content_type="application/json"
    )
    assert bad.status_code == 422 or bad.status_code == 400
    entry = Activity.objects.get(verb="response_policy.changed")
    assert entry.data["before"] == {"target_minutes": 15, "business_hours": {}}
    assert entry.data["after"]["target_minutes"] == 10
    assert ResponsePolicy.objects.get(community=care.support).target_minutes == 10
    page = manager.post(
        "/c/help/moderation/response/",
        {
            "enabled": "on",
            "target_minutes": "20",
            "time_zone": "Europe/Paris",
            "business_hours": "",
            "responders": "moderators",
            "responder_min_level": "3",
        },
    )
    assert page.status_code == 302
    policy = ResponsePolicy.objects.get(community=care.support)
    assert (policy.target_minutes, policy.time_zone, policy.routing_enabled) == (
        20,
        "Europe/Paris",
        False,
    )
    assert client_for(care.moderator).get("/c/help/moderation/response/").status_code == 403


def test_the_thread_page_shows_moderators_the_timer(care):
    thread = care.ask()
    url = thread.get_absolute_url()
    assert "data-care-timer" in client_for(care.moderator).get(url).content.decode()
    assert "data-care-timer" not in client_for(care.plain).get(url).content.decode()


def test_set_policy_refuses_bad_values(care):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.set_response_policy(care.staff, care.support, time_zone="Mars/Olympus")
    with pytest.raises(ValidationError):
        actions.set_response_policy(care.staff, care.support, target_minutes=0)
