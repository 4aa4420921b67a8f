"""The server-rendered pages: what each visitor sees and may do, and their query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import actions, invitations
from community.models import Membership


@pytest.fixture
def communities(make_community):
    return {
        "public": make_community("ideas", visibility="public", join_policy="open"),
        "private": make_community("support", visibility="private", join_policy="request"),
        "hidden": make_community("club", visibility="hidden", join_policy="invite"),
    }


@pytest.mark.django_db
def test_directory_lists_what_the_visitor_may_see(client, communities, make_user, add_member):
    page = client.get("/").content.decode()
    assert "Ideas" in page and "Support" in page and "Club" not in page
    member = make_user()
    add_member(communities["hidden"], member)
    client.force_login(member)
    page = client.get("/").content.decode()
    assert "Club" in page and "Your communities" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/c/{}/", "/c/{}/members/", "/c/{}/moderation/", "/c/{}/invitations/"]
)
def test_hidden_community_answers_like_a_missing_one(client, communities, make_user, path):
    def answer():
        hidden, missing = client.get(path.format("club")), client.get(path.format("nowhere"))
        assert hidden.status_code == missing.status_code
        assert hidden.get("Location", "").replace("club", "X") == missing.get(
            "Location", ""
        ).replace("nowhere", "X")
        return hidden.status_code

    assert answer() in (404, 302)  # anonymous: 404, or the login page for moderators' pages
    client.force_login(make_user())
    assert answer() == 404


@pytest.mark.django_db
def test_private_community_shows_its_door_not_its_content(client, communities, make_user):
    client.force_login(make_user())
    page = client.get("/c/support/")
    assert page.status_code == 200
    assert "Ask to join" in page.content.decode()
    assert client.get("/c/support/members/").status_code == 403


@pytest.mark.django_db
def test_join_open_and_request_through_the_pages(client, communities, make_user):
    user = make_user()
    client.force_login(user)
    response = client.post("/c/ideas/join/", follow=True)
    assert "Welcome to Ideas!" in response.content.decode()
    assert Membership.objects.get(user=user, community=communities["public"]).state == "active"
    response = client.post("/c/support/join/", follow=True)
    assert "request has been sent" in response.content.decode()
    assert Membership.objects.get(user=user, community=communities["private"]).state == "pending"
    response = client.post("/c/support/join/", follow=True)
    assert "already awaiting approval" in response.content.decode()
    response = client.post("/c/support/leave/", follow=True)
    assert not Membership.objects.filter(user=user, community=communities["private"]).exists()


@pytest.mark.django_db
def test_join_needs_post_and_login(client, communities):
    assert client.get("/c/ideas/join/").status_code in (302, 405)
    response = client.post("/c/ideas/join/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_moderation_page_approves_and_bans(client, communities, make_user, add_member, staff):
    moderator, applicant, member = make_user(), make_user(), make_user()
    add_member(communities["private"], moderator, role="moderator")
    add_member(communities["private"], member)
    actions.join(applicant, communities["private"])
    client.force_login(moderator)
    page = client.get("/c/support/moderation/").content.decode()
    assert applicant.username in page
    client.post(f"/c/support/members/{applicant.username}/approve/")
    assert Membership.objects.get(user=applicant).state == "active"
    response = client.post(f"/c/support/members/{member.username}/ban/", {"reason": "spam"})
    assert response.status_code == 302
    assert Membership.objects.get(user=member).state == "banned"
    # A moderator cannot ban the manager: a clear message, nothing changes.
    response = client.post(f"/c/support/members/{staff.username}/ban/", follow=True)
    assert "Site staff cannot be banned" in response.content.decode()
    assert client.post("/c/support/members/nobody/approve/").status_code == 404
    assert client.post(f"/c/support/members/{member.username}/explode/").status_code == 404


@pytest.mark.django_db
def test_members_page_refuses_non_moderators(client, communities, make_user, add_member):
    member = make_user()
    add_member(communities["private"], member)
    client.force_login(member)
    assert client.get("/c/support/moderation/").status_code == 403
    assert client.get("/c/support/invitations/").status_code == 403
    assert client.get("/c/support/settings/").status_code == 403


@pytest.mark.django_db
def test_manager_edits_settings_and_invites(
    client, communities, staff, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    response = client.post(
        "/c/ideas/settings/",
        {
            "name": "Idées",
            "description": "Nouvelles idées",
            "kind": "ideas",
            "visibility": "private",
            "join_policy": "request",
        },
    )
    assert response.status_code == 302
    communities["public"].refresh_from_db()
    assert communities["public"].visibility == "private"
    response = client.post("/c/ideas/settings/", {"name": "", "kind": "x"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/c/club/invitations/", {"email": "friend@example.com"})
    assert response.status_code == 302
    assert mailoutbox[0].to == ["friend@example.com"]
    response = client.post("/c/club/invitations/", {"email": "nope"})
    assert "Enter a valid email address" in response.content.decode()


@pytest.mark.django_db
def test_invitation_link_signs_up_and_joins(client, communities, staff, mailoutbox):
    invitation = actions.invite(staff, communities["hidden"], email="newbie@example.com")
    link = reverse("invitation", args=[invitations.invitation_token(invitation)])
    page = client.get(link)
    assert page.status_code == 200 and "Create my account" in page.content.decode()
    response = client.post(
        f"/accounts/signup/?next={link}",
        {
            "email": "newbie@example.com",
            "username": "newbie",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    # The link proved the address: no verification mail, signed in, back on the invitation.
    assert response.status_code == 302 and response["Location"] == link
    response = client.post(link, follow=True)
    assert "Welcome to Club!" in response.content.decode()
    assert Membership.objects.get(user__username="newbie").state == "active"
    assert client.get(link).status_code == 404  # used up


@pytest.mark.django_db
def test_staff_creates_a_community(client, staff, make_user):
    client.force_login(make_user())
    assert client.get("/communities/new/").status_code == 403
    client.force_login(staff)
    data = {
        "name": "Fans",
        "slug": "fans",
        "description": "",
        "kind": "club",
        "visibility": "hidden",
        "join_policy": "invite",
    }
    assert client.post("/communities/new/", data).status_code == 302
    response = client.post("/communities/new/", data)
    assert response.status_code == 200 and "already exists" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 15])
def test_directory_and_members_queries_do_not_grow(
    client, make_community, make_user, add_member, extra
):
    viewer = make_user()
    for i in range(3 + extra):
        community = make_community(f"c{i}", visibility=("public", "private")[i % 2])
        add_member(community, viewer)
    for _ in range(extra):
        add_member(community, make_user())
    client.force_login(viewer)
    client.get("/")  # warm the session
    client.get(f"/c/{community.slug}/")  # and the community page's caches (tags, experts)
    with CaptureQueriesContext(connection) as home:
        assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as members:
        assert client.get(f"/c/{community.slug}/members/").status_code == 200
    with CaptureQueriesContext(connection) as detail:
        assert client.get(f"/c/{community.slug}/").status_code == 200
    # Every signed-in page also counts the header's unread notifications (one query);
    # the directory adds its cards' activity cues: latest threads, unread threads, and the
    # highlights (curation).
    assert len(home) == 8, [q["sql"] for q in home]
    assert len(members) == 6, [q["sql"] for q in members]
    # With its thread list, the list stream's last event id (live updates), its highlights.
    assert len(detail) == 9, [q["sql"] for q in detail]


@pytest.mark.django_db
def test_profile_pages(client, communities, make_user, add_member):
    user, outsider = make_user(), make_user()
    add_member(communities["hidden"], user)
    add_member(communities["public"], user)
    client.force_login(outsider)
    page = client.get(f"/u/{user.username}/").content.decode()
    assert "Ideas" in page and "Club" not in page
    assert client.get("/u/nobody/").status_code == 404
    client.force_login(user)
    assert "Club" in client.get(f"/u/{user.username}/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 12])
def test_moderation_invitations_and_profile_queries_do_not_grow(
    client, make_community, make_user, add_member, staff, extra
):
    community = make_community("mod", visibility="private", join_policy="request")
    profile_owner = make_user()
    for i in range(2 + extra):
        actions.join(make_user(), community)
        actions.ban(staff, community, make_user())
        actions.invite(staff, community, email=f"guest{i}@example.com")
        other = make_community(f"other{i}")
        add_member(other, profile_owner)
    client.force_login(staff)
    client.get("/")
    pages = {
        "moderation": "/c/mod/moderation/",
        "invitations": "/c/mod/invitations/",
        "profile": f"/u/{profile_owner.username}/",
    }
    counts = {}
    for name, path in pages.items():
        client.get(path)  # the caches of a community's pages (experts: a minute)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts[name] = len(queries)
    # Each with the header's unread notifications count. The profile adds the badges app's
    # section (community.slots): showcase, badges, levels (their ladders cached by the
    # first visit), endorsements, timeline and the endorse form, a fixed 10 queries.
    assert counts == {"moderation": 7, "invitations": 6, "profile": 16}, counts


@pytest.mark.django_db
def test_pages_speak_french(client, communities):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr">' in page
    assert "Nos communautés" in page and "Bienvenue dans la communauté" in page
    page = client.get("/c/ideas/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert "Rejoindre cette communauté" in page or "Se connecter pour rejoindre" in page
