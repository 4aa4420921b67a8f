"""The KPI dashboard: who sees which figures, the same figures as the API, a bounded
number of queries, and its menu item."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.kpis import actions
from forums import actions as forums


@pytest.fixture
def club(make_community):
    return make_community("club", name="Club")


@pytest.fixture
def manager(club, make_user, add_member):
    user = make_user()
    add_member(club, user, role="manager")
    return user


def talk(community, make_user, add_member, replies=2):
    """A thread, replies and a reaction in ``community``, by members made for it."""
    asker, helper = make_user(), make_user()
    for user in (asker, helper):
        add_member(community, user)
    thread = forums.create_thread(asker, community, kind="question", title="Brakes?", body="Hm.")
    for index in range(replies):
        post = forums.reply(helper, thread, body=f"Clean them, step {index}.")
    forums.react(asker, post, kind="helpful")
    return thread


def card_value(html, key):
    match = re.search(
        rf'data-kpi="{key}".*?<p class="kpi-value" data-value>(.*?)</p>', html, re.DOTALL
    )
    assert match, key
    return match.group(1).strip()


def test_a_manager_sees_their_community_and_no_other(client, club, manager, make_community):
    other = make_community("other", name="Other")
    client.force_login(manager)
    response = client.get(reverse("kpis:dashboard"))
    assert response.status_code == 200
    assert list(response.context["form"].fields["community"].choices) == [("club", "Club")]
    assert response.context["scope"].communities == (club,)
    html = response.content.decode()
    assert 'id="kpi-data"' in html and "Headline figures" in html
    assert client.get(reverse("kpis:dashboard") + f"?community={other.slug}").status_code == 403


def test_a_manager_of_two_sees_both_side_by_side(client, club, manager, make_community, add_member):
    second = make_community("second", name="Second")
    add_member(second, manager, role="manager")
    client.force_login(manager)
    response = client.get(reverse("kpis:dashboard"))
    choices = list(response.context["form"].fields["community"].choices)
    assert choices == [("", "All my communities"), ("club", "Club"), ("second", "Second")]
    assert [c["slug"] for c in response.context["report"]["communities"]] == ["club", "second"]
    assert "chart-communities" in response.content.decode()


def test_staff_see_every_community_and_the_site(client, staff, club, make_community):
    make_community("other", name="Other")
    client.force_login(staff)
    response = client.get(reverse("kpis:dashboard"))
    assert response.status_code == 200
    assert response.context["scope"].site
    slugs = [slug for slug, _label in response.context["form"].fields["community"].choices]
    assert slugs == ["", "club", "other"]
    assert client.get(reverse("kpis:dashboard") + "?community=other").status_code == 200


def test_members_get_403_and_outsiders_of_a_hidden_community_404(
    client, club, make_user, add_member, make_community
):
    member = make_user()
    add_member(club, member, role="moderator")
    client.force_login(member)
    assert client.get(reverse("kpis:dashboard")).status_code == 403
    assert client.get(reverse("kpis:dashboard") + "?community=club").status_code == 403
    make_community("secret", visibility="hidden", join_policy="invite")
    assert client.get(reverse("kpis:dashboard") + "?community=secret").status_code == 404
    assert client.get(reverse("kpis:dashboard") + "?community=nothing").status_code == 404
    client.logout()
    assert client.get(reverse("kpis:dashboard")).status_code == 302


def test_the_dashboard_shows_the_apis_figures(client, club, manager, make_user, add_member):
    talk(club, make_user, add_member, replies=3)
    actions.set_goal(manager, club, "interactions", "day", 3, timezone.localdate())
    client.force_login(manager)
    today = timezone.localdate().isoformat()
    query = f"?start={today}&end={today}&granularity=day"
    api = client.get(f"/api/v1/communities/club/kpis{query}").json()
    html = client.get(reverse("kpis:dashboard") + query + "&community=club").content.decode()
    assert api["interactions"]["total"] == 5  # the thread, three replies, a reaction
    assert card_value(html, "interactions") == str(api["interactions"]["total"])
    assert card_value(html, "members_total") == str(api["members"]["total"])
    assert card_value(html, "active_members") == str(api["members"]["active"])
    assert card_value(html, "people_talking_about_this") == str(api["people_talking_about_this"])
    assert card_value(html, "interaction_rate") == f"{api['interaction_rate']:.2f}"
    # The goal is shown with its verdict, as the API judged it.
    (goal,) = api["goals"]
    assert goal["latest"]["met"] is True
    assert "Goal: 3 per day" in html and "kpi-goal-met" in html
    # Each chart's table carries the series the API gives.
    (row,) = api["series"]
    assert f'<tr><th scope="row">{today}</th><td>5</td>' in html
    assert row["interactions"] == 5


def test_a_bad_range_is_explained_not_a_crash(client, club, manager):
    client.force_login(manager)
    response = client.get(reverse("kpis:dashboard") + "?start=2026-03-01&end=2026-01-01")
    assert response.status_code == 200
    assert "The start date comes after the end date." in response.content.decode()


def queries_for(client, path):
    client.get(path)  # warm what is cached once per process (the theme, the menu)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["staff", "manager"])
def test_the_number_of_queries_does_not_grow_with_the_communities(
    client, who, staff, make_user, make_community, add_member
):
    user = staff if who == "staff" else make_user()
    counts = []
    for total in (2, 6):
        for index in range(len(counts) and 2, total):
            community = make_community(f"c{index}", name=f"Community {index}")
            if who == "manager":
                add_member(community, user, role="manager")
            talk(community, make_user, add_member, replies=1)
        client.force_login(user)
        counts.append(queries_for(client, reverse("kpis:dashboard")))
    assert counts[0] == counts[1]


def test_the_menu_shows_figures_to_managers_and_staff_only(
    client, club, manager, staff, make_user, add_member
):
    member = make_user()
    add_member(club, member)
    link = f'href="{reverse("kpis:dashboard")}"'
    for user, shown in ((manager, True), (staff, True), (member, False)):
        client.force_login(user)
        assert (link in client.get("/").content.decode()) is shown, user
