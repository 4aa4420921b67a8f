"""The social value API: badges, grants, rules, levels and leaderboards, and their privacy
(a hidden community's are "not found" to outsiders). Qualities and endorsements:
``test_qualities.py`` and ``test_endorsements.py``; levels and leaderboards:
``test_api_standing.py``."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges import actions
from badges.models import Award, Badge
from community.models import Activity
from forums import actions as forums
from tests.badges.api_world import API, assert_error, call

# The issue's public contract, and the managers' endpoints the pages have.
CONTRACT = {
    "/api/v1/badges": {"get", "post"},
    "/api/v1/badges/{badge}": {"get", "patch"},
    "/api/v1/badges/{badge}/preview": {"get"},
    "/api/v1/badges/{badge}/grants": {"post", "delete"},
    "/api/v1/rules": {"get"},
    "/api/v1/communities/{slug}/badges": {"post"},
    "/api/v1/communities/{slug}/leaderboard": {"get"},
    "/api/v1/communities/{slug}/ambassadors": {"get"},
    "/api/v1/communities/{slug}/levels": {"get", "put"},
    "/api/v1/communities/{slug}/qualities": {"get", "post"},
    "/api/v1/communities/{slug}/qualities/{quality}": {"patch", "delete"},
    "/api/v1/members/{username}/endorsements": {"post", "delete"},
}


# --- The contract -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_contract_paths_are_in_the_schema(client):
    schema = client.get(f"{API}/openapi.json").json()
    for path, methods in CONTRACT.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), (path, set(schema["paths"][path]))
    revoke = schema["paths"]["/api/v1/badges/{badge}/grants"]["delete"]
    assert {p["name"] for p in revoke["parameters"] if p["in"] == "query"} == {
        "username",
        "reason",
    }
    assert "query parameters" in revoke["description"]
    endorse = schema["paths"]["/api/v1/members/{username}/endorsements"]["post"]
    assert "201" in endorse["responses"] and "409" in endorse["responses"]


# --- Listing badges -------------------------------------------------------------------


@pytest.mark.django_db
def test_list_badges_shows_what_the_caller_may_see_with_holder_counts(client, world):
    response, data = call(client, "get", "/badges")
    assert response.status_code == 200
    assert [b["slug"] for b in data["items"]] == ["pioneer", "ambassador"]
    pioneer = data["items"][0]
    assert pioneer["holders"] == 2 and pioneer["community"] is None
    for key in ("slug", "name", "tier", "icon", "kind", "mode", "enabled", "summary"):
        assert key in pioneer

    _r, data = call(client, "get", "/badges", world["keys"]["outsider"])
    assert "secret-keeper" not in {b["slug"] for b in data["items"]}
    assert "insider" not in {b["slug"] for b in data["items"]}
    _r, data = call(client, "get", "/badges", world["keys"]["alice"])
    shown = {b["slug"]: b["holders"] for b in data["items"]}
    assert shown == {"pioneer": 2, "ambassador": 0, "secret-keeper": 1}
    _r, data = call(client, "get", "/badges", world["keys"]["manager"])
    assert "draft" in {b["slug"] for b in data["items"]}  # disabled: to its managers only
    _r, data = call(client, "get", "/badges", world["keys"]["staff"])
    assert len(data["items"]) == 5


@pytest.mark.django_db
def test_list_badges_of_one_community(client, world):
    _r, data = call(client, "get", "/badges?community=support", world["keys"]["alice"])
    assert [b["slug"] for b in data["items"]] == ["ambassador"]
    response, data = call(client, "get", "/badges?community=club", world["keys"]["outsider"])
    assert_error(response, data, 404, "not_found")
    response, data = call(client, "get", "/badges?community=private", world["keys"]["outsider"])
    assert_error(response, data, 403, "not_a_member")


@pytest.mark.django_db
@pytest.mark.parametrize("more", [0, 8])
def test_list_badges_costs_the_same_queries_whatever_their_number(client, world, more):
    for n in range(more):
        badge = actions.create_badge(
            world["manager"], community=world["support"], name=f"B{n}", mode="manual", enabled=True
        )
        actions.grant(world["manager"], badge, world["bob"], reason="Many")
    with CaptureQueriesContext(connection) as queries:
        response, data = call(client, "get", "/badges", world["keys"]["alice"])
    assert response.status_code == 200 and len(data["items"]) == 3 + more
    # Authentication (token, its user), then the badges with their counts: one query.
    assert len(queries) == 3, [q["sql"] for q in queries]


@pytest.mark.django_db
def test_one_badge_answers_as_its_community_does(client, world):
    response, data = call(client, "get", "/badges/secret-keeper", world["keys"]["alice"])
    assert response.status_code == 200 and data["holders"] == 1 and data["community"] == "club"
    hidden, hidden_data = call(client, "get", "/badges/secret-keeper", world["keys"]["outsider"])
    missing, missing_data = call(client, "get", "/badges/no-such", world["keys"]["outsider"])
    assert_error(hidden, hidden_data, 404, "not_found")
    assert (hidden.status_code, hidden_data) == (missing.status_code, missing_data)
    _anonymous, anonymous_data = call(client, "get", "/badges/secret-keeper")
    assert anonymous_data == missing_data
    response, data = call(client, "get", "/badges/insider", world["keys"]["outsider"])
    assert_error(response, data, 403, "not_a_member")
    response, data = call(client, "get", "/badges/draft", world["keys"]["alice"])
    assert data == missing_data  # disabled: only its managers know it
    response, data = call(client, "get", "/badges/draft", world["keys"]["manager"])
    assert response.status_code == 200 and data["enabled"] is False


# --- Creating and editing badges ------------------------------------------------------


@pytest.mark.django_db
def test_managers_create_badges_from_a_template_or_by_hand(client, world):
    key = world["keys"]["manager"]
    body = {"name": "Night owl", "rule": "night_owl", "params": {"share": 60}, "tier": "silver"}
    response, data = call(client, "post", "/communities/support/badges", key, body)
    assert response.status_code == 201, data
    assert (data["slug"], data["kind"], data["community"], data["enabled"]) == (
        "night-owl",
        "trait",
        "support",
        False,
    )
    assert data["params"] == {"min_posts": 20, "share": 60} and data["holders"] == 0
    body = {"name": "Beta tester", "mode": "manual", "is_title": True, "enabled": True}
    response, data = call(client, "post", "/communities/support/badges", key, body)
    assert response.status_code == 201 and data["mode"] == "manual" and data["rule"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "X", "rule": "no_such_rule"}, "unknown_rule"),
        ({"name": "X", "rule": "accepted_answers", "params": {"n": 0}}, "too_small"),
        ({"name": "X", "rule": "accepted_answers", "params": {"m": 3}}, "unknown_param"),
        ({"name": "X", "mode": "manual", "rule": "first_post"}, "manual_rule"),
        ({"name": "X", "tier": "platinum"}, "invalid"),
        ({"name": "X", "mode": "manual", "icon": "<b>"}, "invalid"),  # icons: from a list
        ({"name": "", "rule": "first_post"}, "invalid"),
    ],
)
def test_creating_a_badge_with_bad_settings_is_a_422(client, world, body, code):
    key = world["keys"]["manager"]
    response, data = call(client, "post", "/communities/support/badges", key, body)
    assert_error(response, data, 422, code)
    assert data["errors"] and all({"field", "message"} <= set(e) for e in data["errors"])
    assert not Badge.objects.filter(name="X").exists()


@pytest.mark.django_db
def test_creating_badges_needs_the_role(client, world):
    body = {"name": "Mine", "mode": "manual"}
    response, data = call(client, "post", "/communities/support/badges", world["keys"]["bob"], body)
    assert_error(response, data, 403, "forbidden")
    response, data = call(
        client, "post", "/communities/club/badges", world["keys"]["outsider"], body
    )
    assert_error(response, data, 404, "not_found")
    response, data = call(client, "post", "/badges", world["keys"]["manager"], body)
    assert_error(response, data, 403, "forbidden")
    response, data = call(client, "post", "/badges", None, body)
    assert_error(response, data, 401, "not_authenticated")
    response, data = call(client, "post", "/badges", world["keys"]["staff"], body)
    assert response.status_code == 201 and data["community"] is None


@pytest.mark.django_db
def test_patch_a_badge(client, world, django_capture_on_commit_callbacks):
    key = world["keys"]["manager"]
    response, data = call(client, "patch", "/badges/draft", key, {"name": "Final", "enabled": True})
    assert response.status_code == 200 and (data["name"], data["enabled"]) == ("Final", True)
    assert data["slug"] == "draft"
    response, data = call(client, "patch", "/badges/draft", world["keys"]["bob"], {"tier": "gold"})
    assert_error(response, data, 403, "forbidden")
    response, data = call(
        client, "patch", "/badges/secret-keeper", world["keys"]["outsider"], {"tier": "gold"}
    )
    assert_error(response, data, 404, "not_found")
    response, data = call(client, "patch", "/badges/draft", key, {"params": {"n": 2}})
    assert_error(response, data, 422, "manual_rule")

    # Enabling a rule badge awards it to whoever already qualified (after commit).
    forums.create_thread(world["bob"], world["support"], kind="discussion", title="Hi", body="Hi")
    body = {"name": "First post", "rule": "first_post"}
    _r, created = call(client, "post", "/communities/support/badges", key, body)
    with django_capture_on_commit_callbacks(execute=True):
        response, data = call(client, "patch", f"/badges/{created['slug']}", key, {"enabled": True})
    assert response.status_code == 200
    assert Award.objects.filter(badge__slug=created["slug"], user=world["bob"]).exists()


@pytest.mark.django_db
def test_preview_is_a_dry_run_for_managers(client, world):
    key = world["keys"]["manager"]
    thread = forums.create_thread(
        world["bob"], world["support"], kind="discussion", title="Hi", body="Hi"
    )
    _r, created = call(
        client, "post", "/communities/support/badges", key, {"name": "First", "rule": "first_post"}
    )
    response, data = call(client, "get", f"/badges/{created['slug']}/preview", key)
    assert response.status_code == 200, data
    assert data["count"] == 1 and data["members"][0]["username"] == world["bob"].username
    assert data["members"][0]["achieved_at"].startswith(
        thread.created_at.isoformat()[:19]
    )  # since when: the post's date
    assert not Award.objects.filter(badge__slug=created["slug"]).exists()
    response, data = call(client, "get", "/badges/ambassador/preview", key)
    assert_error(response, data, 422, "manual_badge")
    response, data = call(client, "get", f"/badges/{created['slug']}/preview", world["keys"]["bob"])
    assert_error(response, data, 403, "forbidden")


# --- Grants ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_grant_and_revoke_a_manual_badge(client, world):
    key, bob = world["keys"]["manager"], world["bob"]
    body = {"username": bob.username, "reason": "Spoke at the meetup"}
    response, data = call(client, "post", "/badges/ambassador/grants", key, body)
    assert response.status_code == 201, data
    assert data["badge"] == "ambassador" and data["username"] == bob.username
    assert data["reason"] == "Spoke at the meetup"
    assert data["granted_by"] == world["manager"].username
    entry = Activity.objects.get(verb="badge.granted", data__badge="ambassador")
    assert entry.actor == world["manager"]
    assert entry.data == {"badge": "ambassador", "reason": "Spoke at the meetup"}

    response, data = call(client, "post", "/badges/ambassador/grants", key, body)
    assert_error(response, data, 409, "already_held")

    path = f"/badges/ambassador/grants?username={bob.username}&reason=Left"
    response, _none = call(client, "delete", path, key)
    assert response.status_code == 204
    assert not Award.objects.filter(badge__slug="ambassador").exists()
    revoked = Activity.objects.get(verb="badge.revoked")
    assert revoked.data == {"badge": "ambassador", "reason": "Left"}
    response, data = call(client, "delete", path, key)
    assert_error(response, data, 404, "not_found")

    # The same {username, reason} as the grant, in the DELETE's body, works too.
    call(client, "post", "/badges/ambassador/grants", key, body)
    response, data = call(client, "delete", "/badges/ambassador/grants", key, {"username": "x"})
    assert_error(response, data, 422, "invalid")
    response, _none = call(client, "delete", "/badges/ambassador/grants", key, body)
    assert response.status_code == 204
    assert not Award.objects.filter(badge__slug="ambassador").exists()


@pytest.mark.django_db
def test_grant_refusals(client, world):
    bob = world["bob"]
    body = {"username": bob.username, "reason": "Because"}
    response, data = call(client, "post", "/badges/ambassador/grants", world["keys"]["alice"], body)
    assert_error(response, data, 403, "forbidden")  # granting a manual badge without the role
    response, data = call(client, "post", "/badges/pioneer/grants", world["keys"]["manager"], body)
    assert_error(response, data, 403, "forbidden")  # site-wide: staff only
    response, data = call(
        client, "post", "/badges/secret-keeper/grants", world["keys"]["outsider"], body
    )
    assert_error(response, data, 404, "not_found")
    key = world["keys"]["manager"]
    response, data = call(
        client, "post", "/badges/ambassador/grants", key, {"username": bob.username, "reason": " "}
    )
    assert_error(response, data, 422, "reason_required")
    response, data = call(client, "post", "/badges/ambassador/grants", key, {"username": "x"})
    assert_error(response, data, 422, "invalid")
    response, data = call(
        client, "post", "/badges/ambassador/grants", key, {"username": "nobody", "reason": "R"}
    )
    assert_error(response, data, 404, "not_found")
    outsider = {"username": world["outsider"].username, "reason": "R"}
    response, data = call(client, "post", "/badges/ambassador/grants", key, outsider)
    assert_error(response, data, 422, "not_a_member")
    _r, rule_badge = call(
        client, "post", "/communities/support/badges", key, {"name": "Rule", "rule": "first_post"}
    )
    response, data = call(client, "post", f"/badges/{rule_badge['slug']}/grants", key, body)
    assert_error(response, data, 409, "rule_badge")
    response, data = call(client, "post", "/badges/draft/grants", key, body)
    assert_error(response, data, 409, "badge_disabled")
    assert not Activity.objects.filter(verb="badge.granted", data__badge="ambassador").exists()


# --- Rules ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_rules_list_the_templates_with_their_settings(client):
    response, data = call(client, "get", "/rules")
    assert response.status_code == 200
    rules = {rule["key"]: rule for rule in data["items"]}
    for key in ("first_post", "accepted_answers", "night_owl", "endorsed", "active_streak"):
        assert key in rules
    assert rules["night_owl"]["kind"] == "trait"
    assert {p["key"] for p in rules["night_owl"]["params"]} == {"min_posts", "share"}
    assert rules["accepted_answers"]["params"][0]["minimum"] == 1
