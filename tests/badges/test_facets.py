"""What social value adds to members and post authors (badges.facets), and what it costs.

The author line of a thread page shows the author's level in the thread's community,
the title they wear, their featured badges and the brand's team marker for staff: one
query for the whole page of posts. Profiles and member lists carry every level, badge
and endorsement the viewer may see, in a fixed number of queries.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges import actions as badge_actions
from badges import facets as badge_facets
from community import facets
from forums import actions as forums

API = "/api/v1"


# --- Shared set-up (other badges test modules import these) ----------------------------


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run an action and deliver its entries to their receivers, as its commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def manual_badge(actor, community=None, *, name, icon="🏅", tier="bronze", is_title=False):
    """A badge granted by hand, enabled, made through the action."""
    return badge_actions.create_badge(
        actor,
        community=community,
        name=name,
        icon=icon,
        tier=tier,
        mode="manual",
        is_title=is_title,
        enabled=True,
    )


def grant(actor, badge, user):
    return badge_actions.grant(actor, badge, user, reason="For the tests.")


def short_ladder(staff, community):
    """Levels a reaction or two can climb: Rookie 0, Regular 2, Pro 10."""
    badge_actions.set_levels(staff, community, [("Rookie", 0), ("Regular", 2), ("Pro", 10)])


def react_to(act, reactor, post, kinds=("like",)):
    for kind in kinds:
        act(forums.react, reactor, post, kind=kind)


# --- Fixtures of this module ------------------------------------------------------------


@pytest.fixture
def support(make_community, make_user, add_member, staff, act):
    """A public support community: Alice wears a title and features two badges, Bob
    reacted twice to her post (Regular), staff answered."""
    community = make_community("support", kind="support")
    short_ladder(staff, community)
    alice, bob = make_user(username="alice"), make_user(username="bob")
    add_member(community, alice)
    add_member(community, bob)
    thread = act(
        forums.create_thread, alice, community, kind="question", title="Flat", body="Again?"
    )
    first = thread.posts.get(number=1)
    react_to(act, bob, first, ("like", "helpful"))
    pioneer = manual_badge(staff, name="Pioneer", icon="🚀", tier="gold", is_title=True)
    helper = manual_badge(staff, community, name="Helper", icon="🛟", tier="silver")
    for badge in (pioneer, helper):
        grant(staff, badge, alice)
    badge_actions.update_showcase(alice, title=pioneer, featured=[helper, pioneer])
    act(forums.reply, staff, thread, body="We are on it.")
    return {"community": community, "alice": alice, "bob": bob, "thread": thread}


@pytest.fixture
def without_badge_facets():
    """Take the badges app's facets off while the test runs (to compare costs)."""

    def off():
        for facet in badge_facets.FACETS:
            facets.unregister(facet.key)

    yield off
    for facet in badge_facets.FACETS:
        facets.register(facet)


def posts_html(client, thread):
    page = client.get(thread.get_absolute_url()).content.decode()
    return page.split("data-posts>")[1].split('<template id="live-post-template"')[0]


# --- The author line ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_author_line_shows_level_title_featured_badges_and_the_team(client, support):
    client.force_login(support["bob"])
    html = posts_html(client, support["thread"])
    alice_post, staff_post = html.split('id="post-2"')
    assert 'class="tag tag-level" data-level-rank="1"' in alice_post
    assert ">Regular</span>" in alice_post
    assert 'class="tag tag-title"' in alice_post and "🚀 Pioneer" in alice_post
    # Featured in the member's order, each named for screen readers.
    assert alice_post.index('aria-label="Helper"') < alice_post.index('aria-label="Pioneer"')
    assert "Velora team" not in alice_post
    assert '<span class="tag tag-team">Velora team</span>' in staff_post
    assert ">Rookie</span>" in staff_post  # no points here yet: the first level


@pytest.mark.django_db
def test_post_authors_in_the_api_carry_the_level_of_the_threads_community(client, support):
    client.force_login(support["bob"])
    items = client.get(f"{API}/threads/{support['thread'].pk}/posts").json()["items"]
    alice, staff = items[0]["author"], items[1]["author"]
    assert alice["level"] == {
        "name": "Regular",
        "rank": 1,
        "points": 4,
        "next": {"name": "Pro", "points_needed": 6},
    }
    assert alice["title"] == {"slug": "pioneer", "name": "Pioneer", "icon": "🚀"}
    assert [b["slug"] for b in alice["featured_badges"]] == ["helper", "pioneer"]
    assert alice["team"] is None and staff["team"] == "Velora"


@pytest.mark.django_db
def test_a_live_post_carries_its_authors_level_and_line(support, capture_events, act):
    thread = support["thread"]
    with capture_events(f"thread:{thread.pk}") as received:
        forums.reply(support["alice"], thread, body="Fixed, thanks!")
    [created] = [m for m in received if m.get("event") == "post.created"]
    author = created["data"]["author"]
    assert author["level"]["rank"] == 1 and author["title"]["name"] == "Pioneer"
    assert "tag-level" in author["line_html"] and "🚀 Pioneer" in author["line_html"]


@pytest.mark.django_db
def test_a_hidden_or_revoked_badge_leaves_the_author_line(client, support, staff):
    alice = support["alice"]
    from badges.models import Award, Badge

    helper = Badge.objects.get(slug="helper")
    award = Award.objects.get(badge=helper, user=alice)
    badge_actions.set_award_hidden(alice, award, True)
    client.force_login(support["bob"])
    html = posts_html(client, support["thread"]).split('id="post-2"')[0]
    assert 'aria-label="Helper"' not in html and "🚀 Pioneer" in html
    badge_actions.revoke(staff, Badge.objects.get(slug="pioneer"), alice, reason="Tests.")
    html = posts_html(client, support["thread"]).split('id="post-2"')[0]
    assert "Pioneer" not in html and "tag-title" not in html


@pytest.mark.django_db
def test_a_renamed_badge_shows_its_new_name_at_once(client, support, staff):
    from badges.models import Badge

    client.force_login(support["bob"])
    assert "🚀 Pioneer" in posts_html(client, support["thread"])  # cached now
    badge_actions.update_badge(staff, Badge.objects.get(slug="pioneer"), name="Trailblazer")
    html = posts_html(client, support["thread"])
    assert "🚀 Trailblazer" in html and "Pioneer" not in html


@pytest.mark.django_db
def test_another_communitys_title_and_badges_stay_off_the_author_line(
    client, support, make_community, add_member, staff
):
    """Alice wears her club's title: in Support, her author line shows no title."""
    club = make_community("club", visibility="hidden", join_policy="invite")
    add_member(club, support["alice"])
    secret = manual_badge(staff, club, name="Handshake", icon="🤝", is_title=True)
    grant(staff, secret, support["alice"])
    badge_actions.update_showcase(support["alice"], title=secret, featured=[secret])
    client.force_login(support["bob"])
    html = posts_html(client, support["thread"])
    assert "Handshake" not in html and "🤝" not in html and "tag-title" not in html
    author = client.get(f"{API}/threads/{support['thread'].pk}/posts").json()["items"][0]
    assert author["author"]["title"] is None and author["author"]["featured_badges"] == []


# --- Member payloads ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_profile_carries_levels_badges_and_endorsements(client, support, act):
    community = support["community"]
    first = support["thread"].posts.get(number=1)
    badge_actions.endorse(support["bob"], support["alice"], community, "clear", post=first)
    client.force_login(support["bob"])
    data = client.get(f"{API}/members/alice").json()
    assert data["levels"]["support"]["name"] == "Regular"
    assert data["levels"]["support"]["points"] == 4
    assert {(b["slug"], b["community"]) for b in data["badges"]} == {
        ("pioneer", None),
        ("helper", "support"),
    }
    assert data["endorsements"] == [
        {"community": "support", "quality": "clear", "quality_name": "Clear explainer", "count": 1}
    ]
    assert data["title"]["slug"] == "pioneer"
    assert [b["slug"] for b in data["featured_badges"]] == ["helper", "pioneer"]
    members = client.get(f"{API}/communities/support/members").json()["items"]
    alice = next(m for m in members if m["username"] == "alice")
    assert alice["level"]["name"] == "Regular" and len(alice["badges"]) == 2


# --- What it costs ------------------------------------------------------------------------


def thread_page_queries(client, thread):
    client.get(thread.get_absolute_url())  # the ladder and catalogue cached, the read marker
    with CaptureQueriesContext(connection) as captured:
        assert client.get(thread.get_absolute_url()).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_the_thread_page_costs_one_query_more_whatever_the_authors(
    client, make_community, make_user, add_member, staff, act, without_badge_facets
):
    community = make_community("fans")
    short_ladder(staff, community)
    pioneer = manual_badge(staff, name="Pioneer", icon="🚀", is_title=True)
    local = manual_badge(staff, community, name="Local", icon="📍")
    reader = make_user()
    add_member(community, reader)
    thread = forums.create_thread(reader, community, kind="discussion", title="T", body="Hi")
    forums.reply(staff, thread, body="The team.")
    client.force_login(reader)

    def add_authors(count):
        for number in range(count):
            author = make_user()
            add_member(community, author)
            post = forums.reply(author, thread, body=f"Reply {number}")
            react_to(act, reader, post)
            for badge in (pioneer, local):
                grant(staff, badge, author)
            badge_actions.update_showcase(author, title=pioneer, featured=[local, pioneer])

    counts = {}
    for authors, more in ((2, 2), (12, 10)):
        add_authors(more)
        page = posts_html(client, thread)
        assert page.count("tag-level") == authors + 2 and page.count("🚀 Pioneer") == authors
        assert page.count('aria-label="Local"') == authors and page.count("tag-team") == 1
        counts[authors] = thread_page_queries(client, thread)
    assert counts[2] == counts[12], counts  # no query per author
    without_badge_facets()
    assert "tag-level" not in posts_html(client, thread)
    without = thread_page_queries(client, thread)
    assert counts[12] == without + 1, (counts, without)


def grow(community, alice, bob, staff, act, number):
    """One more community shared by Alice and Bob, with points, an endorsement and two
    badges for Alice."""
    thread = forums.create_thread(alice, community, kind="discussion", title="T", body="B")
    react_to(act, bob, thread.posts.get(number=1))
    badge_actions.endorse(bob, alice, community, "kind")
    grant(staff, manual_badge(staff, community, name=f"Badge {number}"), alice)
    grant(staff, manual_badge(staff, name=f"Site {number}"), alice)


@pytest.mark.django_db
def test_profiles_and_member_lists_cost_the_same_whatever_their_size(
    client, make_community, make_user, add_member, staff, act
):
    alice, bob = make_user(username="alice"), make_user(username="bob")
    home = make_community("home")
    for user in (alice, bob):
        add_member(home, user)
    client.force_login(bob)
    client.get("/")  # the session

    def costs():
        counts = {}
        for name, path in (
            ("api", f"{API}/members/alice"),
            ("list", f"{API}/communities/home/members"),
            ("page", "/u/alice/"),
        ):
            client.get(path)  # the ladders and catalogue cached
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            counts[name] = len(captured)
        return counts

    grow(home, alice, bob, staff, act, 0)
    small = costs()
    for number in range(1, 8):
        community = make_community(f"c{number}", visibility=("public", "private")[number % 2])
        for user in (alice, bob):
            add_member(community, user)
        grow(community, alice, bob, staff, act, number)
        add_member(home, make_user())
    data = client.get(f"{API}/members/alice").json()
    assert len(data["levels"]) == 8 and len(data["badges"]) == 16
    assert len(data["endorsements"]) == 8
    assert costs() == small


@pytest.mark.django_db
def test_the_author_group_is_one_query(support, staff):
    user_ids = [support["alice"].pk, support["bob"].pk, staff.pk]
    community = support["community"]
    badge_facets.load_authors(user_ids, community, None)  # the ladder and catalogue cached
    with CaptureQueriesContext(connection) as captured:
        loaded = badge_facets.load_authors(user_ids, community, None)
    assert len(captured) == 1, [q["sql"] for q in captured]
    assert loaded[staff.pk]["team"] == "Velora" and loaded[support["bob"].pk]["title"] is None
    json.dumps(loaded)  # a payload, as events carry it
