"""Pages, the API, streams and actions answer alike: one rule in ``community.permissions``.

For each rule, what a page offers the viewer (a button, a form) is compared with what
the API and the action then do for the same viewer: offered exactly when allowed, and
refused with the action's own status and code otherwise.
"""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from community import actions, permissions
from community.models import ApiToken, Membership, Profile
from community.streams import may_moderate_community

API = "/api/v1"


@pytest.fixture
def place(make_community, make_user, add_member, staff):
    """A private community made by staff (its first manager), with one of each role."""
    support = make_community("support", visibility="private", join_policy="request")
    people = {"staff": staff}
    for role in ("member", "moderator", "manager"):
        people[role] = make_user()
        add_member(support, people[role], role=role)
    return {"community": support, "people": people}


def signed_in(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api(client, method, path, body=None):
    kwargs = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    response = getattr(client, method)(API + path, **kwargs)
    return response.status_code, response.json() if response.content else None


def verdict(check, *args):
    """What an action that asks ``check`` answers through the API: (200, None) or (403, code)."""
    try:
        check(*args)
    except PermissionDenied as refusal:
        return 403, getattr(refusal, "code", "forbidden")
    return 200, None


def fresh(community):
    """The community as a new request loads it (no membership cached from earlier calls)."""
    return type(community).objects.get(pk=community.pk)


# --- The members page's Ban and role buttons -------------------------------------------

ACTORS = ["member", "moderator", "manager", "staff"]
TARGETS = ["member", "moderator", "manager", "staff", "self"]


def _pair(place, actor, target):
    people = place["people"]
    return people[actor], people[actor if target == "self" else target]


def member_action_url(community, user, verb):
    return reverse("member_action", args=[community.slug, user.username, verb])


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("actor", ACTORS)
def test_the_ban_button_is_what_the_ban_allows(place, actor, target):
    community = place["community"]
    actor, target = _pair(place, actor, target)
    client = signed_in(actor)
    page = client.get(reverse("community_members", args=[community.slug])).content.decode()
    membership = permissions.membership_of(target, fresh(community))
    expected = verdict(permissions.check_ban, actor, fresh(community), membership)
    offered = f'action="{member_action_url(community, target, "ban")}"' in page
    assert offered == (expected[0] == 200) == permissions.can_ban(actor, community, membership)

    status, data = api(
        client, "patch", f"/communities/support/members/{target.username}", {"state": "banned"}
    )
    assert (status, data.get("code")) == expected, data
    state = Membership.objects.get(community=community, user=target).state
    assert (state == "banned") == offered
    if not offered:  # the page, asked anyway, refuses with the action's words
        response = client.post(member_action_url(community, target, "ban"), follow=True)
        assert escape(data["detail"]) in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("actor", ACTORS)
def test_the_role_selector_is_what_set_role_allows(place, actor, target):
    community = place["community"]
    actor, target = _pair(place, actor, target)
    client = signed_in(actor)
    page = client.get(reverse("community_members", args=[community.slug])).content.decode()
    membership = permissions.membership_of(target, fresh(community))
    expected = verdict(permissions.check_set_role, actor, fresh(community), membership, "moderator")
    offered = f'action="{member_action_url(community, target, "role")}"' in page
    assert offered == (expected[0] == 200) == permissions.can_set_role(actor, community, membership)

    status, data = api(
        client, "patch", f"/communities/support/members/{target.username}", {"role": "moderator"}
    )
    assert (status, data.get("code")) == expected, data


@pytest.mark.django_db
def test_staff_are_offered_a_managers_ban_and_may_ban_them(place):
    """The page used to re-implement the rank rule and hid this button from staff."""
    community, people = place["community"], place["people"]
    client = signed_in(people["staff"])
    page = client.get(reverse("community_members", args=[community.slug])).content.decode()
    assert f'action="{member_action_url(community, people["manager"], "ban")}"' in page
    status, data = api(
        client,
        "patch",
        f"/communities/support/members/{people['manager'].username}",
        {"state": "banned"},
    )
    assert status == 200 and data["state"] == "banned"


# --- Membership changes for someone who is not a member ---------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "body", "verb"),
    [
        ("patch", {"state": "active"}, "approve"),
        ("patch", {"role": "moderator"}, "role"),
        ("delete", None, "remove"),
    ],
)
def test_a_non_member_is_refused_alike_by_api_and_page(place, make_user, method, body, verb):
    community, manager = place["community"], place["people"]["manager"]
    stranger = make_user()
    client = signed_in(manager)
    status, data = api(client, method, f"/communities/support/members/{stranger.username}", body)
    assert (status, data["code"]) == (403, "not_a_member")
    response = client.post(
        member_action_url(community, stranger, verb), {"role": "moderator"}, follow=True
    )
    assert escape(data["detail"]) in response.content.decode()
    assert not Membership.objects.filter(user=stranger).exists()


@pytest.mark.django_db
def test_a_non_member_may_be_banned_by_api_and_page(place, make_user):
    community, moderator = place["community"], place["people"]["moderator"]
    first, second = make_user(), make_user()
    client = signed_in(moderator)
    status, data = api(
        client, "patch", f"/communities/support/members/{first.username}", {"state": "banned"}
    )
    assert status == 200 and data["state"] == "banned"
    client.post(member_action_url(community, second, "ban"))
    assert Membership.objects.get(user=second).state == "banned"


@pytest.mark.django_db
def test_a_missing_username_is_missing_for_both(place):
    community, moderator = place["community"], place["people"]["moderator"]
    client = signed_in(moderator)
    status, data = api(
        client, "patch", "/communities/support/members/nobody-here", {"state": "active"}
    )
    assert (status, data["code"]) == (404, "not_found")
    status, data = api(client, "delete", "/communities/support/members/nobody-here")
    assert (status, data["code"]) == (404, "not_found")
    url = reverse("member_action", args=[community.slug, "nobody-here", "approve"])
    assert client.post(url).status_code == 404


# --- The moderation stream and page -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", ["private", "hidden"])
def test_the_moderation_stream_follows_the_moderation_page(
    make_community, make_user, add_member, staff, visibility
):
    place = make_community("back-office", visibility=visibility, join_policy="invite")
    people = {"staff": staff, "outsider": make_user(), "anonymous": None}
    for role in ("member", "moderator", "manager"):
        people[role] = make_user()
        add_member(place, people[role], role=role)
    people["banned moderator"] = make_user()
    add_member(place, people["banned moderator"], role="moderator")
    add_member(place, people["banned moderator"], state="banned")
    allowed = {"staff", "moderator", "manager"}
    for name, user in people.items():
        viewer = user or AnonymousUser()
        client = signed_in(user)
        page = client.get(reverse("community_moderation", args=[place.slug]))
        stream = may_moderate_community(viewer, place.slug)
        assert (page.status_code == 200) == bool(stream) == (name in allowed), name
        assert permissions.can_view_moderation(viewer, fresh(place)) == (name in allowed)
        status, _data = api(client, "get", f"/communities/{place.slug}/members?state=pending")
        assert (status == 200) == (name in allowed), name


# --- Profiles and API tokens ------------------------------------------------------------


@pytest.mark.django_db
def test_a_profile_is_edited_by_its_owner_and_staff_only(place):
    people = place["people"]
    member, moderator, staff = people["member"], people["moderator"], people["staff"]
    for actor, allowed in ((member, True), (moderator, False), (staff, True)):
        assert permissions.can_edit_profile(actor, member) == allowed
        try:
            actions.update_profile(actor, member, bio=f"by {actor.username}")
        except PermissionDenied:
            assert not allowed
        else:
            assert allowed
    assert Profile.objects.get(user=member).bio == f"by {staff.username}"
    # The page edits one's own profile: offered on one's own profile page only.
    client = signed_in(moderator)
    edit = f'href="{reverse("profile_edit")}"'
    assert edit not in client.get(reverse("profile", args=[member.username])).content.decode()
    assert edit in client.get(reverse("profile", args=[moderator.username])).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "moderator", "manager", "staff"])
def test_the_token_form_is_what_the_api_allows(place, who):
    user = place["people"][who]
    client = signed_in(user)
    page = client.get(reverse("api_tokens")).content.decode()
    offered = 'name="name"' in page
    assert offered == permissions.can_create_api_token(user) == (who in ("manager", "staff"))
    status, data = api(client, "post", "/me/tokens", {"name": "CRM sync"})
    if offered:
        assert status == 201 and data["key"].startswith("bcm_")
    else:
        assert (status, data["code"]) == (403, "token_creation_forbidden")
    assert ApiToken.objects.filter(user=user).count() == (1 if offered else 0)


@pytest.mark.django_db
def test_tokens_for_someone_else_are_staffs_alone(place):
    people = place["people"]
    member, manager, staff = people["member"], people["manager"], people["staff"]
    assert not permissions.can_issue_api_token(manager, member)
    with pytest.raises(PermissionDenied):
        actions.create_api_token(manager, member, name="not theirs")
    token, _key = actions.create_api_token(staff, member, name="set up by staff")
    # Revoking: offered to staff on the member's token page, refused to others alike.
    revoke = reverse("api_token_revoke", args=[member.username, token.pk])
    page = signed_in(staff).get(reverse("member_api_tokens", args=[member.username]))
    assert f'action="{revoke}"' in page.content.decode()
    client = signed_in(manager)
    assert client.get(reverse("member_api_tokens", args=[member.username])).status_code == 403
    status, data = api(client, "delete", f"/members/{member.username}/tokens/{token.pk}")
    assert (status, data["code"]) == (403, "forbidden")
    with pytest.raises(PermissionDenied):
        actions.revoke_api_token(manager, token)
    status, _data = api(signed_in(staff), "delete", f"/members/{member.username}/tokens/{token.pk}")
    assert status == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
