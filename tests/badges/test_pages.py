"""The badges pages for each role: the catalogue, leaderboards, the managers' pages, a
member's achievements, showcase and profile; bad input as form errors, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from badges import actions as badge_actions
from badges import qualities
from badges.models import Award, Badge, Endorsement, Level, Notice, Quality, Showcase
from community.models import Activity
from forums import actions as forums
from tests.badges.test_facets import act, grant, manual_badge, react_to, short_ladder  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(make_community, make_user, add_member, staff, act):  # noqa: F811
    """Support (public) with a manager, Alice and Bob; Club (hidden) with Alice and Bob;
    Eve in Support only; Alice has points in both."""
    support = make_community("support", kind="support", name="Support")
    club = make_community("club", visibility="hidden", join_policy="invite", name="Club")
    people = {name: make_user(username=name) for name in ("alice", "bob", "eve", "max")}
    for name in ("alice", "bob", "eve"):
        add_member(support, people[name])
    add_member(support, people["max"], role="manager")
    for name in ("alice", "bob"):
        add_member(club, people[name])
    for community in (support, club):
        short_ladder(staff, community)
        thread = act(
            forums.create_thread, people["alice"], community, kind="question", title="Q", body="B"
        )
        react_to(act, people["bob"], thread.posts.get(number=1), ("like", "love"))
    return {"support": support, "club": club, **people}


def page(client, user, path, status=200, **params):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    response = client.get(path, params)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode() if status == 200 or status == 400 else response


# --- Everyone ---------------------------------------------------------------------------------


def test_the_catalogue_shows_what_the_viewer_may_see_and_how_to_earn_it(client, place, staff):
    badge_actions.create_badge(
        staff,
        community=place["support"],
        name="Solver",
        rule="accepted_answers",
        params={"n": 3},
        tier="gold",
        enabled=True,
    )
    manual_badge(staff, name="Beta tester", icon="🧪")
    grant(staff, manual_badge(staff, place["club"], name="Secret handshake"), place["alice"])
    badge_actions.create_badge(staff, name="Draft", rule="first_post")  # disabled: not listed
    html = page(client, None, "/badges/")
    assert "Solver" in html and "3 accepted answer(s)" in html and "Gold" in html
    assert "Beta tester" in html and "Granted by hand" in html
    assert "Secret handshake" not in html and "Club" not in html and "Draft" not in html
    html = page(client, place["bob"], "/badges/")
    assert "Secret handshake" in html and "1 member holds it" in html


def test_the_leaderboard_follows_the_communitys_privacy(client, place, make_community, staff):
    html = page(client, None, "/c/support/leaderboard/", period="all")
    assert "alice" in html and "Regular" in html  # 4 points: Regular
    for period in ("week", "month"):
        assert "alice" in page(client, place["eve"], "/c/support/leaderboard/", period=period)
    html = page(client, place["eve"], "/c/support/leaderboard/", status=400, period="year")
    assert "Choose a period" in html
    page(client, place["eve"], "/c/club/leaderboard/", status=404)  # as if missing
    page(client, None, "/c/club/leaderboard/", status=404)
    assert "alice" in page(client, place["bob"], "/c/club/leaderboard/", period="all")
    make_community("vault", visibility="private")
    page(client, place["eve"], "/c/vault/leaderboard/", status=403)


def test_the_ambassador_view_is_for_managers(client, place):
    html = page(client, place["max"], "/c/support/ambassadors/")
    assert "alice" in html and "Reactions received" in html
    assert "Most active" in page(client, place["max"], "/c/support/ambassadors/", by="posts")
    page(client, place["eve"], "/c/support/ambassadors/", status=403)
    page(client, place["max"], "/c/club/ambassadors/", status=404)
    response = page(client, None, "/c/support/ambassadors/", status=302)
    assert "/accounts/login/" in response["Location"]


def test_community_links_name_the_leaderboard_and_the_managers_pages(client, place):
    html = page(client, place["eve"], "/c/support/")
    assert 'href="/c/support/leaderboard/"' in html and "/c/support/badges/manage/" not in html
    html = page(client, place["max"], "/c/support/")
    assert 'href="/c/support/badges/manage/"' in html and 'href="/c/support/ambassadors/"' in html


# --- Managers -----------------------------------------------------------------------------------


def test_managers_only_manage_their_communitys_badges(client, place, staff):
    assert "Badges of this community" in page(client, place["max"], "/c/support/badges/manage/")
    page(client, place["eve"], "/c/support/badges/manage/", status=403)
    page(client, place["max"], "/c/club/badges/manage/", status=404)
    page(client, place["max"], "/badges/manage/", status=403)  # site-wide: staff
    assert "Site-wide badges" in page(client, staff, "/badges/manage/")
    secret = manual_badge(staff, place["club"], name="Handshake")
    page(client, place["max"], f"/badges/{secret.slug}/manage/", status=404)
    page(client, place["eve"], "/badges/no-such-badge/manage/", status=404)


def test_a_manager_creates_a_badge_from_a_template_previews_and_enables_it(
    client, place, django_capture_on_commit_callbacks
):
    html = page(client, place["max"], "/c/support/badges/manage/")
    assert 'name="template"' in html and "Popular post" in html
    html = page(client, place["max"], "/c/support/badges/new/", template="post_reactions")
    assert 'name="param_n"' in html and 'value="10"' in html  # the template's default
    page(client, place["max"], "/c/support/badges/new/", status=400, template="no-such-rule")
    form = {"name": "Crowd pleaser", "icon": "🎉", "tier": "silver", "kind": "badge"}
    url = "/c/support/badges/new/?template=post_reactions"
    for bad in ("0", "-3", "many"):
        response = client.post(url, {**form, "param_n": bad})
        assert response.status_code == 400 and 'class="error"' in response.content.decode()
    assert not Badge.objects.filter(name="Crowd pleaser").exists()
    response = client.post(url, {**form, "param_n": "2"})
    badge = Badge.objects.get(name="Crowd pleaser")
    assert response.status_code == 302 and response["Location"] == f"/badges/{badge.slug}/manage/"
    assert (badge.community, badge.rule, badge.params, badge.enabled) == (
        place["support"],
        "post_reactions",
        {"n": 2},
        False,
    )
    html = page(client, place["max"], f"/badges/{badge.slug}/manage/", preview="1")
    assert 'data-preview-count="1"' in html and "alice" in html  # two reactions on her post
    assert not Award.objects.filter(badge=badge).exists()  # a dry run
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/badges/{badge.slug}/manage/", {"action": "enable"})
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.enabled and Award.objects.filter(badge=badge, user=place["alice"]).exists()
    assert "2 members" not in page(client, place["max"], f"/badges/{badge.slug}/manage/")


def test_manual_badges_are_granted_and_taken_back_with_a_reason(client, place, make_user):
    make_user(username="zoe")  # in no community
    client.force_login(place["max"])
    client.post(
        "/c/support/badges/new/?template=manual",
        {"name": "Ambassador", "icon": "📣", "tier": "gold", "kind": "badge", "is_title": "on"},
    )
    badge = Badge.objects.get(name="Ambassador")
    assert badge.mode == "manual" and badge.is_title
    url = f"/badges/{badge.slug}/manage/"
    client.post(url, {"action": "enable"})
    for bad, error in (
        ({"username": "alice", "reason": ""}, "This field is required"),
        ({"username": "nobody", "reason": "Great"}, "No member has this username"),
        ({"username": "zoe", "reason": "Great"}, "not an active member"),
    ):
        response = client.post(url, {"action": "grant", **bad})
        assert response.status_code == 400 and error in response.content.decode()
    response = client.post(url, {"action": "grant", "username": "alice", "reason": "Her guides"})
    assert response.status_code == 302
    award = Award.objects.get(badge=badge, user=place["alice"])
    assert award.reason == "Her guides" and award.granted_by == place["max"]
    assert Activity.objects.filter(verb="badge.granted", target_user=place["alice"]).exists()
    response = client.post(url, {"action": "grant", "username": "alice", "reason": "Again"})
    assert response.status_code == 400 and "already" in response.content.decode()
    response = client.post(
        url, {"action": "revoke", "username": "alice", "reason": ""}, follow=True
    )
    assert "Give a reason" in response.content.decode()
    assert Award.objects.filter(badge=badge, user=place["alice"]).exists()
    client.post(url, {"action": "revoke", "username": "alice", "reason": "Left the programme"})
    assert not Award.objects.filter(badge=badge).exists()
    revoked = Activity.objects.get(verb="badge.revoked", target_user=place["alice"])
    assert revoked.data["reason"] == "Left the programme"
    client.force_login(place["eve"])
    assert (
        client.post(url, {"action": "grant", "username": "eve", "reason": "Me"}).status_code == 403
    )


def test_the_levels_form_refuses_bad_ladders_and_saves_good_ones(
    client, place, django_capture_on_commit_callbacks
):
    client.force_login(place["max"])
    url = "/c/support/badges/manage/"
    for rows, error in (
        ({"name_0": "Start", "threshold_0": "5", "name_1": "Next", "threshold_1": "9"}, "0 points"),
        ({"name_0": "A", "threshold_0": "0", "name_1": "B", "threshold_1": "0"}, "more than 0"),
        (
            {"name_0": "A", "threshold_0": "0", "name_1": "B", "threshold_1": "20"}
            | {"name_2": "C", "threshold_2": "10"},
            "Level 3",
        ),
        ({"name_0": "A", "threshold_0": "0", "name_1": "", "threshold_1": "10"}, "needs a name"),
        ({"name_0": "A", "threshold_0": "zero"}, "Enter a whole number"),
    ):
        response = client.post(url, {"form": "levels", **rows})
        assert response.status_code == 400 and error in response.content.decode(), error
    assert list(
        Level.objects.filter(community=place["support"]).values_list("name", flat=True)
    ) == [
        "Rookie",
        "Regular",
        "Pro",
    ]
    steps = {"name_0": "Visitor", "threshold_0": "0", "name_1": "Pillar", "threshold_1": "3"}
    with django_capture_on_commit_callbacks(execute=True):  # the cached ladder dropped
        response = client.post(url, {"form": "levels", **steps}, follow=True)
    assert "The levels were saved." in response.content.decode()
    ladder = Level.objects.filter(community=place["support"]).values_list("name", "threshold")
    assert list(ladder) == [("Visitor", 0), ("Pillar", 3)]
    assert "Pillar" in page(client, None, "/c/support/leaderboard/", period="all")


def test_the_qualities_are_added_renamed_and_removed(client, place):
    client.force_login(place["max"])
    url = "/c/support/badges/manage/"
    assert "Clear explainer" in page(client, place["max"], url)
    response = client.post(url, {"form": "quality_add", "add-name": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    client.post(url, {"form": "quality_add", "add-name": "Patient"})
    patient = Quality.objects.get(community=place["support"], name="Patient")
    client.post(
        url, {"form": "quality_rename", "quality": patient.pk, f"q{patient.pk}-name": "Calm"}
    )
    patient.refresh_from_db()
    assert patient.name == "Calm"
    kind = Quality.objects.get(community=place["support"], slug="kind")
    client.post(url, {"form": "quality_remove", "quality": kind.pk})
    assert not Quality.objects.filter(pk=kind.pk).exists()
    other = qualities.for_community(place["club"])[0]
    assert client.post(url, {"form": "quality_remove", "quality": other.pk}).status_code == 404
    assert client.post(url, {"form": "quality_remove", "quality": "x"}).status_code == 404


def test_staff_create_site_wide_badges(client, staff):
    client.force_login(staff)
    html = page(client, staff, "/badges/new/", template="globe_trotter")
    assert 'name="param_communities"' in html
    response = client.post(
        "/badges/new/?template=globe_trotter",
        {
            "name": "Globe-trotter",
            "icon": "🌍",
            "tier": "bronze",
            "kind": "trait",
            "param_communities": "2",
        },
    )
    assert response.status_code == 302
    badge = Badge.objects.get(name="Globe-trotter")
    assert badge.community is None and badge.kind == "trait"


# --- The member -------------------------------------------------------------------------------


def test_achievements_list_the_notices_and_mark_them_read(client, place, staff):
    grant(staff, manual_badge(staff, place["support"], name="Helper", icon="🛟"), place["alice"])
    html = page(client, place["alice"], "/c/support/")
    assert 'href="/me/achievements/"' in html and "data-unread-achievements" in html
    html = page(client, place["alice"], "/me/achievements/")
    assert "You received the badge 🛟 Helper." in html and "notice-unread" in html
    assert not Notice.objects.filter(user=place["alice"], read_at__isnull=True).exists()
    assert "data-unread-achievements" not in page(client, place["alice"], "/c/support/")
    assert "notice-unread" not in page(client, place["alice"], "/me/achievements/")
    response = page(client, None, "/me/achievements/", status=302)
    assert "/accounts/login/" in response["Location"]


def test_the_showcase_is_edited_among_the_members_own_badges(client, place, staff):
    alice = place["alice"]
    badges = [
        manual_badge(staff, name=f"B{number}", icon="⭐", is_title=number == 0)
        for number in range(4)
    ]
    for badge in badges:
        grant(staff, badge, alice)
    awards = {award.badge_id: award for award in Award.objects.filter(user=alice)}
    client.force_login(alice)
    html = page(client, alice, "/settings/showcase/")
    assert "⭐ B3" in html and 'name="motto"' in html
    too_many = {"featured": [str(badge.pk) for badge in badges]}
    response = client.post("/settings/showcase/", {"motto": "Ride on", **too_many})
    assert response.status_code == 200 and "at most 3" in response.content.decode()
    response = client.post("/settings/showcase/", {"title": str(badges[1].pk)})  # not a title
    assert "Select a valid choice" in response.content.decode()
    response = client.post("/settings/showcase/", {"motto": "Line\nbreak"})
    assert 'class="error"' in response.content.decode()
    response = client.post(
        "/settings/showcase/",
        {
            "motto": "Ride on",
            "title": str(badges[0].pk),
            "featured": [str(badges[2].pk), str(badges[0].pk)],
            "hidden": [str(awards[badges[3].pk].pk)],
        },
    )
    assert response.status_code == 302 and response["Location"] == "/u/alice/"
    showcase = Showcase.objects.get(user=alice)
    assert (showcase.motto, showcase.title, set(showcase.featured)) == (
        "Ride on",
        badges[0],
        {badges[0].pk, badges[2].pk},
    )
    assert Award.objects.get(badge=badges[3], user=alice).hidden
    html = page(client, place["bob"], "/u/alice/")
    # "⭐ B3", not "B3": a CSRF token in the page may hold those two characters.
    assert "“Ride on”" in html and "⭐ B3" not in html and "⭐ B0" in html
    cover = SimpleUploadedFile("cover.png", b"not an image", content_type="image/png")
    response = client.post("/settings/showcase/", {"motto": "Ride on", "cover": cover})
    assert response.status_code == 200 and 'class="error"' in response.content.decode()


def test_the_profile_shows_expertise_badges_and_a_hide_button_to_its_owner(client, place, staff):
    grant(staff, manual_badge(staff, place["support"], name="Helper", icon="🛟"), place["alice"])
    html = page(client, place["alice"], "/u/alice/")
    assert "Expertise" in html and "Support" in html and "Club" in html
    assert "What it takes to reach Pro" in html and "An answer of yours accepted" in html
    assert "Hide from my profile" in html and "Edit my showcase" in html
    html = page(client, place["eve"], "/u/alice/")
    assert "Support" in html and "Regular" in html and "🛟 Helper" in html
    assert "Reached Regular in Support" in html and "Earned 🛟 Helper" in html  # the timeline
    assert "What it takes" not in html and "Hide from my profile" not in html
    award = Award.objects.get(user=place["alice"])
    client.force_login(place["alice"])
    response = client.post("/settings/showcase/hide/", {"award": award.pk, "hidden": "1"})
    assert response.status_code == 302 and Award.objects.get(pk=award.pk).hidden
    assert "🛟 Helper" not in page(client, place["eve"], "/u/alice/")
    client.force_login(place["bob"])
    assert client.post("/settings/showcase/hide/", {"award": award.pk}).status_code == 404


def test_co_members_endorse_from_the_profile(client, place):
    alice, bob, eve = place["alice"], place["bob"], place["eve"]
    html = page(client, bob, "/u/alice/")
    assert 'action="/u/alice/endorse/"' in html and 'value="club/kind"' in html
    assert 'action="/u/alice/endorse/"' not in page(client, alice, "/u/alice/")  # oneself
    post = alice_post = place["support"].threads.first().posts.get(number=1)
    client.force_login(bob)
    response = client.post(
        "/u/alice/endorse/", {"quality": "support/clear", "post": str(alice_post.pk)}
    )
    assert response.status_code == 302
    endorsement = Endorsement.objects.get(endorser=bob, endorsee=alice)
    assert (endorsement.quality.slug, endorsement.post) == ("clear", post)
    html = page(client, eve, "/u/alice/")
    assert "Clear explainer" in html and "× 1" in html and f"#post-{post.number}" in html
    client.force_login(bob)
    for data, error in (
        ({"quality": "support/clear"}, "already endorsed"),
        ({"quality": "support/bogus"}, "Select a valid choice"),
        ({"quality": "elsewhere/clear"}, "Select a valid choice"),
        ({"quality": "club/kind", "post": str(alice_post.pk)}, "Point at one of their posts"),
        ({"quality": "club/kind", "post": "123456789"}, "Select a valid choice"),
    ):
        response = client.post("/u/alice/endorse/", data)
        print(
            list(
                Endorsement.objects.values("quality__slug", "community__slug", "endorser__username")
            )
        )
        assert response.status_code == 400 and error in response.content.decode(), error
    client.force_login(eve)
    response = client.post("/u/bob/endorse/", {"quality": "support/kind"})
    assert response.status_code == 302  # Support is shared
    assert client.post("/u/eve/endorse/", {"quality": "support/kind"}).status_code == 403
    client.force_login(bob)
    response = client.post(
        "/u/alice/endorse/withdraw/", {"community": "support", "quality": "clear"}
    )
    assert response.status_code == 302 and not Endorsement.objects.filter(endorser=bob).exists()
    response = client.post(
        "/u/alice/endorse/withdraw/", {"community": "support", "quality": "clear"}, follow=True
    )
    assert "You have not endorsed" in response.content.decode()
