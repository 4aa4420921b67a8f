"""The permission matrix: every role against every visibility and every question.

``community.permissions`` is the one place that decides; each surface asks
it, so this table is the contract the pages, API and sockets inherit.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from community import actions, permissions
from community.errors import Conflict

ROLES = ["anonymous", "outsider", "pending", "member", "moderator", "manager", "banned", "staff"]
VISIBILITIES = ["public", "private", "hidden"]
INSIDERS = {"member", "moderator", "manager", "staff"}

EXPECTED = {
    # question: function(role, visibility) -> bool
    "see": lambda role, vis: vis != "hidden" or role in INSIDERS,
    "read": lambda role, vis: vis == "public" or role in INSIDERS,
    "participate": lambda role, vis: role in INSIDERS,
    "moderate": lambda role, vis: role in {"moderator", "manager", "staff"},
    "manage": lambda role, vis: role in {"manager", "staff"},
    "view_requests": lambda role, vis: role in {"moderator", "manager", "staff"},
}
PREDICATES = {
    "see": permissions.can_see_community,
    "read": permissions.can_read,
    "participate": permissions.can_participate,
    "moderate": permissions.can_moderate,
    "manage": permissions.can_manage,
    "view_requests": permissions.can_view_requests,
}


@pytest.fixture
def person(make_user, add_member, staff):
    """Return a function giving the user who holds ``role`` in ``community``."""

    def make(role, community):
        if role == "anonymous":
            return AnonymousUser()
        if role == "staff":
            return staff
        user = make_user()
        if role == "pending":
            # A request made while the community took requests (it may be hidden since).
            Community = type(community)
            before = Community.objects.values("visibility", "join_policy").get(pk=community.pk)
            Community.objects.filter(pk=community.pk).update(
                visibility="private", join_policy="request"
            )
            actions.join(user, fresh(community))
            Community.objects.filter(pk=community.pk).update(**before)
        elif role == "banned":
            add_member(community, user, state="banned")
        elif role != "outsider":
            add_member(community, user, role=role)
        return user

    return make


def fresh(community):
    """The community as a page would load it, without memberships cached on it."""
    return type(community).objects.get(pk=community.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_matrix(role, visibility, make_community, person):
    community = make_community(f"c-{visibility}", visibility=visibility, join_policy="open")
    user = person(role, community)
    community = fresh(community)
    for question, predicate in PREDICATES.items():
        expected = EXPECTED[question](role, visibility)
        assert predicate(user, community) is expected, (question, role, visibility)

    # The queryset filters agree with the predicates.
    visible = permissions.filter_visible_communities(user).filter(pk=community.pk).exists()
    assert visible is EXPECTED["see"](role, visibility)
    readable = permissions.filter_readable_communities(user).filter(pk=community.pk).exists()
    assert readable is EXPECTED["read"](role, visibility)

    # check_* raise what each surface turns into an answer: 404 for the hidden.
    if not EXPECTED["see"](role, visibility):
        with pytest.raises(Http404):
            permissions.check_read(user, community)
    elif not EXPECTED["read"](role, visibility):
        with pytest.raises(PermissionDenied):
            permissions.check_read(user, community)
    else:
        permissions.check_read(user, community)


JOIN_EXPECTED = {
    # (policy, visibility, role) -> "ok", "404", "forbidden" or "conflict"
    "open": {
        "outsider": "ok",
        "anonymous": "forbidden",
        "member": "conflict",
        "banned": "forbidden",
    },
    "request": {
        "outsider": "ok",
        "anonymous": "forbidden",
        "pending": "conflict",
        "banned": "forbidden",
    },
    "invite": {"outsider": "forbidden", "anonymous": "forbidden", "banned": "forbidden"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("policy", ["open", "request", "invite"])
@pytest.mark.parametrize("role", ["anonymous", "outsider", "pending", "member", "banned"])
def test_join_matrix(role, policy, visibility, make_community, person):
    community = make_community("j", visibility=visibility, join_policy="request")
    user = person(role, community)
    community = fresh(community)
    community.join_policy = policy
    community.save(update_fields=["join_policy"])
    community = fresh(community)
    expected = JOIN_EXPECTED[policy].get(role)
    if role in ("member", "pending") and expected is None:
        expected = "conflict"
    if visibility == "hidden" and role not in INSIDERS:
        expected = "404"
    outcome = "ok"
    try:
        permissions.check_join(user, community)
    except Http404:
        outcome = "404"
    except Conflict:
        outcome = "conflict"
    except PermissionDenied:
        outcome = "forbidden"
    assert outcome == expected, (role, policy, visibility)
    assert permissions.can_join(user, community) is (expected == "ok")


@pytest.mark.django_db
def test_rank_rules_for_bans_and_roles(make_community, person, make_user, add_member):
    community = make_community("ranks")
    moderator = person("moderator", community)
    manager = person("manager", community)
    other_moderator = person("moderator", community)
    member = person("member", community)
    community = fresh(community)

    def membership(user):
        return permissions.membership_of(user, community)

    permissions.check_ban(moderator, community, membership(member))
    with pytest.raises(PermissionDenied):
        permissions.check_ban(moderator, community, membership(other_moderator))
    with pytest.raises(PermissionDenied):
        permissions.check_ban(moderator, community, membership(manager))
    permissions.check_ban(manager, community, membership(other_moderator))
    with pytest.raises(PermissionDenied):
        permissions.check_ban(member, community, membership(moderator))
    with pytest.raises(PermissionDenied):  # nobody bans themselves
        permissions.check_ban(manager, community, membership(manager))

    permissions.check_set_role(manager, community, membership(member), "moderator")
    permissions.check_set_role(manager, community, membership(member), "manager")
    co_manager = person("manager", community)
    community = fresh(community)
    with pytest.raises(PermissionDenied):  # demoting a manager is for staff
        permissions.check_set_role(manager, community, membership(co_manager), "member")
    with pytest.raises(PermissionDenied):
        permissions.check_set_role(moderator, community, membership(member), "moderator")
    with pytest.raises(PermissionDenied):  # a manager cannot demote themselves by accident
        permissions.check_set_role(manager, community, membership(manager), "member")


@pytest.mark.django_db
def test_inactive_account_cannot_participate(make_community, person):
    community = make_community("inactive")
    user = person("member", community)
    user.is_active = False
    community = fresh(community)
    assert not permissions.can_participate(user, community)
