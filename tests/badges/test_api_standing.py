"""The social value API: levels and leaderboards, and their privacy."""

import pytest

from badges.models import Level
from forums import actions as forums
from tests.badges.api_world import assert_error, call

# --- Levels ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_get_and_set_levels(client, world, django_capture_on_commit_callbacks):
    response, data = call(client, "get", "/communities/support/levels")
    assert response.status_code == 200 and data["default"] is True
    assert data["levels"][0]["name"] == "Newcomer"
    body = {"levels": [{"name": "Rookie", "threshold": 0}, {"name": "Pro", "threshold": 25}]}
    with django_capture_on_commit_callbacks(execute=True):  # the cached ladder is dropped
        response, data = call(
            client, "put", "/communities/support/levels", world["keys"]["manager"], body
        )
    assert response.status_code == 200, data
    assert data == {
        "community": "support",
        "default": False,
        "levels": [
            {"rank": 0, "name": "Rookie", "threshold": 0},
            {"rank": 1, "name": "Pro", "threshold": 25},
        ],
    }
    _r, data = call(client, "get", "/communities/support/levels")
    assert [level["name"] for level in data["levels"]] == ["Rookie", "Pro"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("levels", "code"),
    [
        ([("A", 0), ("B", 0)], "threshold_not_positive"),
        ([("A", 0), ("B", -10)], "threshold_not_positive"),
        ([("A", -1), ("B", 10)], "first_threshold"),
        ([("A", 0), ("B", 50), ("C", 10)], "thresholds_out_of_order"),
        ([("A", 0), ("A", 10)], "duplicate_level_name"),
        ([("A", 0), (" ", 10)], "level_name"),
        ([("A", 0)], "level_count"),
    ],
)
def test_bad_ladders_are_a_422_with_their_code(client, world, levels, code):
    body = {"levels": [{"name": name, "threshold": threshold} for name, threshold in levels]}
    response, data = call(
        client, "put", "/communities/support/levels", world["keys"]["manager"], body
    )
    assert_error(response, data, 422, code)
    assert any(e["field"] == "levels" and e["code"] == code for e in data["errors"])
    assert not Level.objects.exists()


@pytest.mark.django_db
def test_levels_follow_the_community_privacy_and_roles(client, world):
    body = {"levels": [{"name": "A", "threshold": 0}, {"name": "B", "threshold": 5}]}
    response, data = call(client, "put", "/communities/support/levels", world["keys"]["bob"], body)
    assert_error(response, data, 403, "forbidden")
    response, data = call(client, "get", "/communities/club/levels", world["keys"]["outsider"])
    assert_error(response, data, 404, "not_found")
    response, data = call(client, "get", "/communities/private/levels", world["keys"]["outsider"])
    assert_error(response, data, 403, "not_a_member")


# --- Leaderboards ---------------------------------------------------------------------


@pytest.mark.django_db
def test_leaderboard_per_period(client, world, django_capture_on_commit_callbacks):
    thread = forums.create_thread(
        world["bob"], world["support"], kind="discussion", title="Tip", body="Tip"
    )
    with django_capture_on_commit_callbacks(execute=True):
        forums.react(world["alice"], thread.posts.get(), kind="like")
    for period in ("week", "month", "all"):
        response, data = call(client, "get", f"/communities/support/leaderboard?period={period}")
        assert response.status_code == 200, data
        assert data["community"] == "support" and data["period"] == period
        [first] = data["items"]
        assert (first["rank"], first["username"], first["points"]) == (1, world["bob"].username, 2)
        assert first["level"]["name"] == "Newcomer"
    response, data = call(client, "get", "/communities/support/leaderboard?period=year")
    assert_error(response, data, 422, "invalid")


@pytest.mark.django_db
def test_leaderboard_of_a_hidden_community_is_not_found_to_outsiders(client, world):
    hidden, hidden_data = call(
        client, "get", "/communities/club/leaderboard?period=week", world["keys"]["outsider"]
    )
    _missing, missing_data = call(
        client, "get", "/communities/nowhere/leaderboard?period=week", world["keys"]["outsider"]
    )
    assert_error(hidden, hidden_data, 404, "not_found")
    assert hidden_data == missing_data
    response, data = call(client, "get", "/communities/club/leaderboard?period=week")
    assert_error(response, data, 404, "not_found")
    response, data = call(client, "get", "/communities/private/leaderboard", world["keys"]["alice"])
    assert_error(response, data, 403, "not_a_member")
    response, data = call(client, "get", "/communities/club/leaderboard", world["keys"]["alice"])
    assert response.status_code == 200


@pytest.mark.django_db
def test_ambassadors_are_for_managers(client, world):
    forums.create_thread(world["bob"], world["support"], kind="discussion", title="T", body="T")
    response, data = call(
        client, "get", "/communities/support/ambassadors?by=posts", world["keys"]["manager"]
    )
    assert response.status_code == 200, data
    assert data["items"][0]["username"] == world["bob"].username
    assert data["items"][0]["posts"] == 1
    response, data = call(client, "get", "/communities/support/ambassadors", world["keys"]["bob"])
    assert_error(response, data, 403, "forbidden")
    response, data = call(client, "get", "/communities/club/ambassadors", world["keys"]["outsider"])
    assert_error(response, data, 404, "not_found")
