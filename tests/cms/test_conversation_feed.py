"""The member's home feed: /feed/ and GET /api/v1/feed, the same items.

New content for me (only what I may read), upcoming events I may attend, highlights
of the communities I may read, and the latest threads of my communities.
"""

import datetime

import pytest
from django.utils import timezone
from django.utils.html import escape

from forums import actions as forum_actions
from forums.moderation.curation import actions as curation

SECRET = "CLUB-ONLY-BODY"


@pytest.fixture
def feed_world(make_community, make_user, add_member, make_page, staff):
    club = make_community("club", name="Club", visibility="private", join_policy="request")
    other = make_community("other", name="Other")
    member, outsider = make_user(), make_user()
    add_member(club, member)
    rules = [("community", club)]
    world = {
        "club": club,
        "other": other,
        "member": member,
        "outsider": outsider,
        "article": make_page("article", audience="members", title="For all members"),
        "club_offer": make_page(
            "offer",
            audience="chosen",
            rules=rules,
            title="Club offer",
            description=f"<p>{SECRET}</p>",
        ),
        "club_event": make_page("event", audience="chosen", rules=rules, title="Club meetup"),
        "past_event": make_page(
            "event",
            audience="members",
            title="Last year's meetup",
            starts_at=timezone.now() - datetime.timedelta(days=30),
            ends_at=timezone.now() - datetime.timedelta(days=30, hours=-2),
        ),
        "club_thread": forum_actions.create_thread(
            member, club, kind="discussion", title="Club chat", body="Hello club"
        ),
        "other_thread": forum_actions.create_thread(
            staff, other, kind="discussion", title="Elsewhere", body="Hello other"
        ),
    }
    curation.feature(staff, world["club_thread"], note="Worth a read")
    return world


def titles(items):
    return [item["title"] for item in items]


def test_feed_api_for_a_member(client, feed_world):
    client.force_login(feed_world["member"])
    data = client.get("/api/v1/feed").json()
    assert set(titles(data["content"])) == {
        "For all members",
        "Club offer",
        "Club meetup",
        "Last year's meetup",
    }
    assert all(item["audience_met"] for item in data["content"])
    assert titles(data["events"]) == ["Club meetup"]  # upcoming only
    assert [h["title"] for h in data["highlights"]] == ["Club chat"]
    assert titles(data["activity"]) == ["Club chat"]  # only my communities
    assert data["activity"][0]["url"].endswith(f"/t/{feed_world['club_thread'].pk}/")


def test_feed_api_outsider_sees_nothing_exclusive(client, feed_world):
    client.force_login(feed_world["outsider"])
    response = client.get("/api/v1/feed")
    data = response.json()
    assert "Club offer" not in titles(data["content"])  # no teasers in the feed
    assert data["events"] == []
    assert data["highlights"] == []  # the club is private
    assert data["activity"] == []
    assert SECRET not in response.content.decode()


def test_feed_api_needs_a_member(client, feed_world):
    assert client.get("/api/v1/feed").status_code == 401


def test_feed_page_shows_the_same_items(client, feed_world):
    client.force_login(feed_world["member"])
    api = client.get("/api/v1/feed").json()
    response = client.get("/feed/")
    assert response.status_code == 200
    html = response.content.decode()
    for section in ("content", "events", "highlights", "activity"):
        for item in api[section]:
            assert item["url"] in html and escape(item["title"]) in html
    assert SECRET not in html  # the feed lists, it does not print bodies
    assert "Elsewhere" not in html


def test_feed_page_for_anonymous_redirects_to_sign_in(client, feed_world):
    response = client.get("/feed/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_menu_links_to_the_feed(client, feed_world):
    assert 'href="/feed/"' not in client.get("/").content.decode()
    client.force_login(feed_world["member"])
    assert 'href="/feed/"' in client.get("/").content.decode()


@pytest.mark.parametrize("n", [1, 6])
def test_feed_query_count(
    client, feed_world, make_page, django_assert_max_num_queries, n, make_community, staff
):
    rules = [("community", feed_world["club"])]
    for i in range(n):
        make_page("article", audience="members", title=f"A{i}")
        make_page("event", audience="chosen", rules=rules, title=f"E{i}")
        forum_actions.create_thread(
            feed_world["member"], feed_world["club"], kind="discussion", title=f"T{i}", body="x"
        )
    client.force_login(feed_world["member"])
    with django_assert_max_num_queries(24):
        assert client.get("/api/v1/feed").status_code == 200
    with django_assert_max_num_queries(40):
        assert client.get("/feed/").status_code == 200


def test_the_feed_lists_and_reads_the_members_content_notices(client, feed_world):
    from cms.events import notices
    from cms.models import ContentNotice

    member = feed_world["member"]
    ContentNotice.objects.create(
        user=member, kind=ContentNotice.Kind.REMINDER, page=feed_world["club_event"]
    )
    client.force_login(member)
    home = client.get("/").content.decode()
    assert 'data-unread-content aria-label="new notices about content">1<' in home
    assert client.get("/api/v1/me").json()["unread"]["content"] == 1
    html = client.get("/feed/").content.decode()
    assert "data-feed-notices" in html and "Club meetup" in html
    # Opened: read, on the API and in the menu at once (the cached count is dropped).
    assert notices.unread_count(member) == 0
    assert client.get("/api/v1/me").json()["unread"]["content"] == 0
    assert "data-unread-content" not in client.get("/").content.decode()
