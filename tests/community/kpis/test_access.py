"""Who may read a community's figures: its managers and site staff, nobody else."""

import pytest
from django.http import Http404

from community import permissions
from community.errors import Forbidden
from community.kpis import registry, scope


@pytest.fixture
def club(make_community):
    return make_community("club")


def test_managers_and_staff_read_the_figures(club, staff, make_user, add_member):
    manager, moderator, member = make_user(), make_user(), make_user()
    add_member(club, manager, role="manager")
    add_member(club, moderator, role="moderator")
    add_member(club, member)
    assert permissions.can_view_kpis(manager, club)
    assert permissions.can_view_kpis(staff, club)
    for user in (moderator, member):
        assert not permissions.can_view_kpis(user, club)
        with pytest.raises(Forbidden):
            permissions.check_view_kpis(user, club)
    assert list(permissions.filter_kpi_communities(manager)) == [club]
    assert list(permissions.filter_kpi_communities(member)) == []
    assert permissions.can_view_kpi_dashboard(manager)
    assert not permissions.can_view_kpi_dashboard(member)


def test_a_hidden_community_is_not_found_for_outsiders(make_community, make_user):
    hidden = make_community("secret", visibility="hidden", join_policy="invite")
    with pytest.raises(Http404):
        permissions.check_view_kpis(make_user(), hidden)


def test_only_staff_read_the_site_wide_figures(staff, make_user, club, add_member):
    manager = make_user()
    add_member(club, manager, role="manager")
    assert permissions.can_view_site_kpis(staff)
    assert not permissions.can_view_site_kpis(manager)
    with pytest.raises(Forbidden):
        permissions.check_view_site_kpis(manager)


def test_scopes_list_their_communities_by_name(make_community):
    b, a = make_community("bikes", name="Bikes"), make_community("apps", name="Apps")
    assert scope.of([b, a]).slugs == ["apps", "bikes"]
    site = scope.site()
    assert site.site and site.slugs == ["apps", "bikes"]
    assert scope.of(a).ledger().filter(community=b).count() == 0


def test_a_community_nobody_provides_a_target_for_has_the_default(club):
    target = registry.response_targets([club.pk])[club.pk]
    assert target.minutes == registry.DEFAULT_TARGET_MINUTES
    assert target.open_seconds(*_moments(90)) == 90


def test_an_object_nobody_labels_keeps_its_id():
    assert registry.labels("nothing", [3, 4]) == {3: "#3", 4: "#4"}


def _moments(seconds):
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    return start, start + timedelta(seconds=seconds)
