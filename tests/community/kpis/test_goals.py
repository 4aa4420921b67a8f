"""Goals: set, changed and removed by a community's managers (staff for the site), with
clear form errors, and every change in the ledger."""

from datetime import date

import pytest
from django.http import Http404
from django.urls import reverse

from community.errors import Forbidden
from community.kpis import actions
from community.models import Activity, Goal


@pytest.fixture
def club(make_community):
    return make_community("club")


@pytest.fixture
def manager(club, make_user, add_member):
    user = make_user()
    add_member(club, user, role="manager")
    return user


def entries(verb):
    return list(Activity.objects.filter(verb=verb).order_by("id"))


def test_a_manager_sets_then_changes_a_goal_and_the_ledger_keeps_both(club, manager):
    goal = actions.set_goal(manager, club, "interaction_rate", "month", 0.8, date(2026, 1, 1))
    assert (goal.community, goal.target, goal.created_by) == (club, 0.8, manager)
    again = actions.set_goal(
        manager, club, "interaction_rate", "month", 1.2, date(2026, 2, 1), date(2026, 12, 31)
    )
    assert again.pk == goal.pk and Goal.objects.count() == 1
    assert (again.target, again.ends_on) == (1.2, date(2026, 12, 31))
    first, second = entries("goal.set")
    assert first.data == {
        "kpi": "interaction_rate",
        "granularity": "month",
        "before": None,
        "after": 0.8,
    }
    assert (second.data["before"], second.data["after"]) == (0.8, 1.2)
    assert (second.actor, second.community, second.object_id) == (manager, club, goal.pk)


def test_a_goal_is_removed_and_the_ledger_keeps_its_target(club, manager):
    goal = actions.set_goal(manager, club, "solved_share", "week", 0.5, date(2026, 1, 1))
    assert actions.remove_goal(manager, goal)
    assert not Goal.objects.exists()
    (entry,) = entries("goal.removed")
    assert entry.data == {"kpi": "solved_share", "granularity": "week", "before": 0.5}
    assert entry.community == club


def test_only_managers_set_goals_and_only_staff_the_sites(
    club, manager, staff, make_user, add_member, make_community
):
    member = make_user()
    add_member(club, member)
    with pytest.raises(Forbidden):
        actions.set_goal(member, club, "interactions", "day", 10, date(2026, 1, 1))
    hidden = make_community("secret", visibility="hidden", join_policy="invite")
    with pytest.raises(Http404):
        actions.set_goal(manager, hidden, "interactions", "day", 10, date(2026, 1, 1))
    with pytest.raises(Forbidden):
        actions.set_goal(manager, None, "interactions", "day", 10, date(2026, 1, 1))
    site_goal = actions.set_goal(staff, None, "interactions", "day", 10, date(2026, 1, 1))
    assert site_goal.community is None
    with pytest.raises(Forbidden):
        actions.remove_goal(manager, site_goal)
    assert not Activity.objects.filter(verb="goal.set", actor=member).exists()


@pytest.mark.parametrize(
    ("kpi", "target", "ends_on", "field"),
    [
        ("interactions", -1, None, "target"),
        ("answered_within_target_share", 1.5, None, "target"),
        ("interactions", 5, date(2025, 12, 1), "ends_on"),
        ("no_such_kpi", 5, None, "kpi"),
    ],
)
def test_the_action_refuses_what_makes_no_sense(club, manager, kpi, target, ends_on, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        actions.set_goal(manager, club, kpi, "month", target, date(2026, 1, 1), ends_on)
    assert field in caught.value.message_dict
    assert not Goal.objects.exists() and not entries("goal.set")


def post_goal(client, **fields):
    data = {
        "community": "club",
        "kpi": "interaction_rate",
        "granularity": "month",
        "target": "0.8",
        "starts_on": "2026-01-01",
        "ends_on": "",
        **fields,
    }
    return client.post(reverse("kpis:goals"), data)


def test_the_form_takes_shares_as_percentages_and_times_in_minutes(client, club, manager):
    client.force_login(manager)
    response = post_goal(
        client, kpi="answered_within_target_share", granularity="week", target="90"
    )
    assert response.status_code == 302
    response = post_goal(
        client, kpi="first_response_median_seconds", granularity="week", target="15"
    )
    assert response.status_code == 302
    targets = dict(Goal.objects.values_list("kpi", "target"))
    assert targets == {"answered_within_target_share": 0.9, "first_response_median_seconds": 900}
    page = client.get(reverse("kpis:goals")).content.decode()
    assert "90 %" in page and "15 min 00 s" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": "-2"}, "The target cannot be negative."),
        (
            {"kpi": "solved_share", "target": "150"},
            "A share is a percentage between 0 and 100.",
        ),
        ({"ends_on": "2025-06-01"}, "The goal cannot end before it starts."),
        ({"target": "lots"}, "Enter a number."),
    ],
)
def test_the_form_says_what_is_wrong(client, club, manager, fields, message):
    client.force_login(manager)
    response = post_goal(client, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Goal.objects.exists()


def test_the_goals_page_lists_edits_and_removes_only_ones_own(
    client, club, manager, make_community, staff
):
    other = make_community("other")
    theirs = actions.set_goal(staff, other, "interactions", "month", 50, date(2026, 1, 1))
    mine = actions.set_goal(manager, club, "interactions", "month", 40, date(2026, 1, 1))
    client.force_login(manager)
    page = client.get(reverse("kpis:goals"))
    assert page.status_code == 200
    assert page.content.decode().count("data-goal-row") == 1
    # The community picker offers only their community (no "Whole site").
    assert list(page.context["form"].fields["community"].choices) == [("club", "Club")]
    edit = client.get(reverse("kpis:goals") + f"?edit={mine.pk}")
    assert edit.context["form"].initial["target"] == 40
    assert client.post(reverse("kpis:goal_remove", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("kpis:goal_remove", args=[mine.pk])).status_code == 302
    assert list(Goal.objects.all()) == [theirs]


def test_a_member_may_not_open_the_goals_page(client, club, make_user, add_member):
    member = make_user()
    add_member(club, member)
    client.force_login(member)
    assert client.get(reverse("kpis:goals")).status_code == 403
