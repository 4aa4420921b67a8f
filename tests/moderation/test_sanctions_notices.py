"""The member's notices page: listing, marking read, the user menu's count; and the
member sanctions page that moderators use."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import Activity, Membership
from forums.moderation.models import Notice
from forums.moderation.sanctions import actions as sanctions

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_community, make_user, add_member):
    club = make_community("club")
    member, mod = make_user(username="member"), make_user(username="mod")
    add_member(club, member)
    add_member(club, mod, role="moderator")
    return {"club": club, "member": member, "mod": mod}


def test_notices_page_lists_marks_read_and_the_menu_counts(client, world):
    sanctions.warn(world["mod"], world["club"], world["member"], text="First warning")
    sanctions.warn(world["mod"], world["club"], world["member"], text="Second warning")
    client.force_login(world["member"])
    home = client.get("/").content.decode()
    assert 'data-unread-moderation-notices data-count="2"' in home
    page = client.get("/settings/notices/").content.decode()
    assert "First warning" in page and "Second warning" in page
    assert page.count("notice-warning unread") == 2  # shown as new this once
    assert not Notice.objects.filter(user=world["member"], read_at__isnull=True).exists()
    assert 'data-unread-moderation-notices data-count="0"' in page
    assert "unread" not in client.get("/settings/notices/").content.decode().split("<main")[1]


def test_notices_are_the_members_own(client, world):
    sanctions.warn(world["mod"], world["club"], world["member"], text="For member only")
    client.force_login(world["mod"])
    assert "For member only" not in client.get("/settings/notices/").content.decode()
    client.logout()
    assert client.get("/settings/notices/").status_code == 302  # sign in first


def test_notices_page_queries_do_not_grow(client, world):
    client.force_login(world["member"])

    def measure():
        client.get("/settings/notices/")
        with CaptureQueriesContext(connection) as queries:
            client.get("/settings/notices/")
        return len(queries)

    sanctions.warn(world["mod"], world["club"], world["member"], text="one")
    one = measure()
    for n in range(8):
        sanctions.warn(world["mod"], world["club"], world["member"], text=f"w{n}")
    assert measure() == one


def test_member_sanctions_page(client, world):
    client.force_login(world["mod"])
    url = "/c/club/moderation/members/member/"
    assert client.get(url).status_code == 200
    until = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(url, {"verb": "silence", "silence-until": until, "silence-reason": "calm"})
    membership = Membership.objects.get(community=world["club"], user=world["member"])
    assert membership.silenced_until is not None and membership.silence_reason == "calm"
    client.post(url, {"verb": "warn", "warn-text": "Careful"})
    client.post(url, {"verb": "note", "note-text": "Seen twice"})
    page = client.get(url).content.decode()
    assert "Careful" in page and "Seen twice" in page and "Silenced until" in page
    client.post(url, {"verb": "unsilence"})
    client.post(url, {"verb": "ban", "ban-until": "", "ban-reason": "spam"})
    assert Membership.objects.get(pk=membership.pk).state == "banned"
    client.post(url, {"verb": "unban"})
    assert Membership.objects.get(pk=membership.pk).state == "active"
    verbs = list(Activity.objects.filter(actor=world["mod"]).values_list("verb", flat=True))
    for verb in (
        "membership.silenced",
        "member.warned",
        "member.noted",
        "membership.unsilenced",
        "membership.banned",
        "membership.unbanned",
    ):
        assert verb in verbs
    past = (timezone.localtime() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"verb": "silence", "silence-until": past}, follow=True)
    assert "future" in response.content.decode()


def test_member_sanctions_page_scope(client, world, make_user, add_member):
    other = make_user(username="other")
    add_member(world["club"], other)
    client.force_login(other)
    assert client.get("/c/club/moderation/members/member/").status_code == 403
    client.post("/c/club/moderation/members/member/", {"verb": "warn", "warn-text": "x"})
    assert not Notice.objects.exists()
