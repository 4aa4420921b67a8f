"""The KPI endpoints: who may read which figures, the answer's keys, the errors."""

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import actions
from community.models import Community
from forums import actions as forum_actions

API = "/api/v1"


def bearer(user):
    _token, key = actions.create_api_token(user, user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def get(client, path, user=None, **params):
    response = client.get(API + path, params, **(bearer(user) if user else {}))
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response, response.json()


def assert_error(response, data, status, code=None):
    assert response.status_code == status, data
    assert isinstance(data["detail"], str) and data["detail"]
    if code:
        assert data["code"] == code, data


@pytest.fixture
def world(make_community, make_user, add_member, staff):
    support = make_community("support", kind="support")
    club = make_community("club", visibility="hidden", join_policy="invite")
    manager, member, moderator, outsider = (make_user() for _ in range(4))
    for community in (support, club):
        add_member(community, manager, role="manager")
        add_member(community, member)
    add_member(support, moderator, role="moderator")
    thread = forum_actions.create_thread(
        member, support, kind="question", title="Flat tyre", body="How do I fix it?"
    )
    forum_actions.reply(manager, thread, body="With a patch.")
    return {
        "support": support,
        "club": club,
        "manager": manager,
        "member": member,
        "moderator": moderator,
        "outsider": outsider,
        "staff": staff,
    }


def last_week():
    today = timezone.localdate()
    return {"start": (today - timedelta(days=6)).isoformat(), "end": today.isoformat()}


def assert_report(data):
    """The acceptance keys, with their types."""
    assert data["definitions_version"] == "1"
    assert set(data["range"]) >= {"start", "end", "granularity", "time_zone"}
    for key in ("total", "new", "left", "active"):
        assert isinstance(data["members"][key], int), key
    assert isinstance(data["interactions"]["total"], int)
    assert isinstance(data["interactions"]["by_kind"], dict)
    assert data["interaction_rate"] is None or isinstance(data["interaction_rate"], float)
    assert isinstance(data["people_talking_about_this"], int)
    questions = data["questions"]
    for key in ("asked", "answered", "waiting"):
        assert isinstance(questions[key], int), key
    for key in (
        "first_response_median_seconds",
        "first_response_p90_seconds",
        "answered_within_target_share",
        "solved_share",
    ):
        assert key in questions and (questions[key] is None or isinstance(questions[key], float))
    assert isinstance(data["goals"], list)
    assert isinstance(data["series"], list)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "staff"])
def test_managers_and_staff_read_a_communitys_kpis(client, world, who):
    response, data = get(
        client, "/communities/support/kpis", world[who], granularity="day", **last_week()
    )
    assert response.status_code == 200, data
    assert_report(data)
    assert data["scope"] == {"site": False, "communities": ["support"]}
    assert data["range"]["start"] == last_week()["start"]
    assert len(data["series"]) == 7 and data["range"]["granularity"] == "day"
    assert data["interactions"]["total"] == 2  # the question and its answer
    assert data["questions"]["asked"] == 1 and data["questions"]["answered"] == 1


@pytest.mark.django_db
def test_the_session_works_as_the_bearer_token(client, world):
    client.force_login(world["manager"])
    response, data = get(client, "/communities/support/kpis", granularity="week")
    assert response.status_code == 200
    assert data["range"]["granularity"] == "week"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "moderator"])
def test_members_and_moderators_are_refused(client, world, who):
    response, data = get(client, "/communities/support/kpis", world[who])
    assert_error(response, data, 403, "forbidden")


@pytest.mark.django_db
def test_a_hidden_community_is_missing_to_outsiders(client, world):
    hidden, _ = get(client, "/communities/club/kpis", world["outsider"])
    missing, data = get(client, "/communities/nowhere/kpis", world["outsider"])
    assert_error(missing, data, 404, "not_found")
    assert hidden.status_code == 404 and hidden.json() == data
    # Its members know it exists: they are refused, not told it is missing.
    response, data = get(client, "/communities/club/kpis", world["member"])
    assert_error(response, data, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/communities/support/kpis", "/kpis", "/kpis/export"])
def test_anonymous_callers_must_authenticate(client, world, path):
    response, data = get(client, path)
    assert_error(response, data, 401, "not_authenticated")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2025-02-30"}, "bad_date"),
        ({"start": "yesterday"}, "bad_date"),
        ({"start": "2025-03-01", "end": "2025-02-01"}, "bad_range"),
        ({"start": "2020-01-01", "end": "2025-01-01"}, "bad_range"),
        ({"granularity": "hour"}, "bad_granularity"),
    ],
)
@pytest.mark.parametrize("path", ["/communities/support/kpis", "/kpis", "/kpis/export"])
def test_a_bad_range_is_a_400(client, world, params, code, path):
    response, data = get(client, path, world["staff"], **params)
    assert_error(response, data, 400, code)


@pytest.mark.django_db
def test_staff_read_the_site_wide_kpis_with_the_communities_side_by_side(client, world):
    response, data = get(client, "/kpis", world["staff"], **last_week())
    assert response.status_code == 200, data
    assert_report(data)
    assert data["scope"]["site"] is True
    assert [c["slug"] for c in data["communities"]] == ["club", "support"]
    support = next(c for c in data["communities"] if c["slug"] == "support")
    assert support["interactions"] == data["interactions"]["total"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "member"])
def test_only_staff_read_the_site_wide_kpis(client, world, who):
    response, data = get(client, "/kpis", world[who])
    assert_error(response, data, 403, "forbidden")


@pytest.mark.django_db
def test_site_wide_kpis_take_the_same_queries_for_2_or_6_communities(
    client, make_community, staff, settings
):
    settings.API_RATE_LIMIT = "100000/m"
    headers = bearer(staff)
    counts = {}
    for size in (2, 6):
        while Community.objects.count() < size:
            community = make_community(f"c{Community.objects.count()}")
            forum_actions.create_thread(staff, community, kind="discussion", title="Hi", body="Yo")
        client.get(f"{API}/kpis", last_week(), **headers)  # warm the caches (content types...)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/kpis", last_week(), **headers)
        assert response.status_code == 200
        assert len(response.json()["communities"]) == size
        counts[size] = [q["sql"] for q in queries]
    # On failure, the queries that the four more communities added (numbers blanked).
    shapes = {
        size: Counter(re.sub(r"\d+", "N", sql) for sql in sqls) for size, sqls in counts.items()
    }
    assert len(counts[2]) == len(counts[6]), "\n".join(
        f"{n} x {sql[:400]}" for sql, n in (shapes[6] - shapes[2]).items()
    )


@pytest.mark.django_db
def test_the_schema_documents_the_kpi_endpoints(client):
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/communities/{slug}/kpis", "/api/v1/kpis", "/api/v1/kpis/export"):
        assert {"401", "403", "400"} <= set(paths[path]["get"]["responses"]), path
    content = paths["/api/v1/kpis/export"]["get"]["responses"]["200"]["content"]
    assert {"text/csv", "application/json"} <= set(content)
    names = [p["name"] for p in paths["/api/v1/kpis/export"]["get"]["parameters"]]
    assert {"format", "start", "end", "community", "kind", "pseudonymise"} <= set(names)
