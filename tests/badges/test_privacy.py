"""An outsider learns nothing of a hidden club from social value, on any surface.

Alice belongs to a public support community and to a hidden club. In the club she
holds a badge she wears as her title and features, has points and a level under the
club's own level names, and was endorsed for the club's own quality. An outsider (Eve,
a member of Support only) and an anonymous visitor look at every surface that shows
Alice: her profile page, ``GET /api/v1/members/alice``, Support's members (page and
API), her posts' authors in the API and on the thread page, her live ``post.created``
events, the badge catalogue (page and API), leaderboards, and their own notices. None
of them carries a word of the club: its slug, name, badge, level names, quality or
icon. Bob, a member of both, sees all of it.
"""

import json
from urllib.parse import quote

import pytest

from badges import actions as badge_actions
from community import actions as community_actions
from forums import actions as forums
from tests.badges.test_facets import act, grant, manual_badge, react_to  # noqa: F401

pytestmark = pytest.mark.django_db

# Everything that names the club or what belongs to it.
SECRETS = (
    "secret-club",
    "Moonlight",
    "moonbeam",
    "Moonbeam",
    "Crescent",
    "Full moon",
    "Lunar",
    "lunar-wisdom",
    "🌙",
)


def leaks(text):
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture
def world(make_community, make_user, add_member, staff, act):  # noqa: F811
    support = make_community("support", kind="support", name="Support")
    club = make_community(
        "secret-club", visibility="hidden", join_policy="invite", name="Moonlight Club"
    )
    alice, bob, eve, carol = (make_user(username=name) for name in ("alice", "bob", "eve", "carol"))
    for user in (alice, bob, eve):
        add_member(support, user)
    for user in (alice, bob, carol):
        add_member(club, user)
    badge_actions.set_levels(staff, club, [("Crescent", 0), ("Full moon", 2), ("Eclipse", 50)])
    badge_actions.add_quality(staff, club, name="Lunar wisdom", slug="lunar-wisdom")
    moonbeam = manual_badge(staff, club, name="Moonbeam", icon="🌙", is_title=True)
    for user in (alice, carol):
        grant(staff, moonbeam, user)
    badge_actions.update_showcase(alice, title=moonbeam, featured=[moonbeam])
    club_thread = act(forums.create_thread, alice, club, kind="discussion", title="Tea", body="Hi")
    react_to(act, bob, club_thread.posts.get(number=1), ("like", "love"))
    badge_actions.endorse(bob, alice, club, "lunar-wisdom", post=club_thread.posts.get(number=1))
    badge_actions.endorse(bob, alice, club, "kind")
    badge_actions.create_badge(staff, community=club, name="Moon walker", rule="first_post")
    thread = act(forums.create_thread, alice, support, kind="question", title="Flat", body="?")
    react_to(act, bob, thread.posts.get(number=1))
    # Carol leaves the club: what she was told of it is no longer hers to see.
    community_actions.leave(carol, club)
    return {
        "support": support,
        "club": club,
        "thread": thread,
        "alice": alice,
        "bob": bob,
        "eve": eve,
        "carol": carol,
    }


def surfaces(client, world):
    """Every page and payload that shows Alice (or the club), as the client sees them."""
    thread = world["thread"]
    texts = {
        "profile page": client.get("/u/alice/"),
        "members/alice": client.get("/api/v1/members/alice"),
        "support members API": client.get("/api/v1/communities/support/members"),
        "support members page": client.get("/c/support/members/"),
        "posts API": client.get(f"/api/v1/threads/{thread.pk}/posts"),
        "thread page": client.get(thread.get_absolute_url()),
        "catalogue page": client.get("/badges/"),
        "badges API": client.get("/api/v1/badges"),
        "support leaderboard": client.get("/c/support/leaderboard/?period=all"),
        "support leaderboard API": client.get("/api/v1/communities/support/leaderboard?period=all"),
    }
    return {name: response.content.decode() for name, response in texts.items()}


@pytest.mark.parametrize("who", ["eve", "anonymous"])
def test_an_outsider_learns_nothing_of_the_hidden_club(client, world, who):
    if who == "eve":
        client.force_login(world["eve"])
    for name, text in surfaces(client, world).items():
        assert not leaks(text), (name, leaks(text))
    # The club's own surfaces answer as missing ones do.
    for path in (
        "/c/secret-club/leaderboard/",
        "/api/v1/communities/secret-club/leaderboard",
        "/api/v1/communities/secret-club/qualities",
        "/badges/moonbeam/manage/",
        "/api/v1/badges/moonbeam",
    ):
        response = client.get(path)
        assert response.status_code in (302, 404), path  # 302: sign in first (a page)
        # The page repeats the address asked for (the sign-in and language links): nothing else.
        text = response.content.decode().replace(path, "").replace(quote(path, safe=""), "")
        assert not leaks(text), path
    # Alice still shows what is hers to show here: the section rendered (a renderer that
    # failed would be logged and render nothing, which would leak nothing either).
    page = client.get("/u/alice/").content.decode()
    assert 'id="expertise-title"' in page and "Support" in page
    data = client.get("/api/v1/members/alice").json()
    assert set(data["levels"]) == {"support"} and data["title"] is None
    assert data["badges"] == [] and data["endorsements"] == []


def test_a_co_member_sees_the_club(client, world):
    client.force_login(world["bob"])
    page = client.get("/u/alice/").content.decode()
    for secret in ("Moonlight Club", "Moonbeam", "Full moon", "Lunar wisdom", "🌙"):
        assert secret in page, secret
    data = client.get("/api/v1/members/alice").json()
    assert data["levels"]["secret-club"]["name"] == "Full moon"
    assert {b["slug"] for b in data["badges"]} == {"moonbeam"}
    assert {"community": "secret-club", "quality": "lunar-wisdom"}.items() <= next(
        e for e in data["endorsements"] if e["quality"] == "lunar-wisdom"
    ).items()
    assert data["title"]["slug"] == "moonbeam"
    assert "Full moon" in client.get("/c/secret-club/leaderboard/?period=all").content.decode()
    assert "Moonbeam" in client.get("/badges/").content.decode()
    # On Support's pages, Alice's author line still keeps to Support.
    thread_page = client.get(world["thread"].get_absolute_url()).content.decode()
    assert not leaks(thread_page)


def test_live_posts_in_a_public_community_carry_nothing_of_the_club(world, capture_events):
    thread = world["thread"]
    with capture_events(f"thread:{thread.pk}") as received:
        forums.reply(world["alice"], thread, body="Any news?")
    [created] = [message for message in received if message.get("event") == "post.created"]
    author = created["data"]["author"]
    assert (author["level"]["name"], author["level"]["points"]) == ("Newcomer", 2)
    assert author["title"] is None and author["featured_badges"] == []
    assert not leaks(json.dumps(created, ensure_ascii=False))


def test_a_former_member_is_not_reminded_of_the_club(client, world):
    carol = world["carol"]
    client.force_login(carol)
    assert client.get("/api/v1/me").json()["unread"]["achievements"] == 0
    page = client.get("/me/achievements/").content.decode()
    assert not leaks(page) and "No achievements yet" in page
    assert not leaks(client.get("/c/support/").content.decode())  # the menu's count too
    # Alice, still a member, is told of her club badge.
    client.force_login(world["alice"])
    assert client.get("/api/v1/me").json()["unread"]["achievements"] >= 1
    assert "Moonbeam" in client.get("/me/achievements/").content.decode()
