"""The queue's page (constant queries, buttons, settings) and the flag forms of the thread page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forums import actions as forum_actions
from forums.moderation.queue import actions, flags
from forums.moderation.queue.models import Flag, QueueItem
from tests.moderation.queue_helpers import world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _fill(world, count, settings):
    """``count`` open items: a flagged thread, and flagged posts (a third of them claimed)."""
    settings.RATE_LIMITS = {"post": ["10000/m"], "flag": ["10000/m"]}
    flags.flag_thread(world.flaggers[0], world.thread, reason="off_topic")
    for i in range(count - 1):
        post = forum_actions.reply(world.author, world.thread, body=f"Post number {i}")
        flags.flag_post(world.flaggers[i % 4], post, reason="spam", note=f"note {i}")
        if i % 3 == 0:
            actions.claim(world.moderator, QueueItem.objects.get(post=post))


def _queries(client, world):
    client.force_login(world.moderator)
    url = reverse("moderation_queue", args=["club"])
    client.get(url)  # warm caches (sessions, translations)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def test_query_count_same_for_1_and_30(client, world, settings, make_user):
    _fill(world, 1, settings)
    one, _response = _queries(client, world)
    QueueItem.objects.all().delete()
    Flag.objects.all().delete()
    _fill(world, 30, settings)
    thirty, response = _queries(client, world)
    page = response.content.decode()
    assert page.count('class="queue-item ') == 30
    assert "note 28" in page and "Post number 28" in page and "Hello" in page
    assert one == thirty, (one, thirty)


def test_queue_page_scope(client, world, make_user, make_community, add_member):
    url = reverse("moderation_queue", args=["club"])
    client.force_login(world.flaggers[0])
    assert client.get(url).status_code == 403
    make_community("secret", visibility="hidden", join_policy="invite")
    assert client.get(reverse("moderation_queue", args=["secret"])).status_code == 404


def test_queue_page_buttons(client, world):
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    item = QueueItem.objects.get(post=world.post)
    client.force_login(world.moderator)
    base = reverse("moderation_queue", args=["club"])
    response = client.post(f"{base}{item.pk}/claim/")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.claimed_by == world.moderator
    response = client.post(f"{base}{item.pk}/reject/", {"reason": ""}, follow=True)
    assert "Give the reason the author will read." in response.content.decode()
    response = client.post(f"{base}{item.pk}/reject/", {"reason": "Spam."}, follow=True)
    item.refresh_from_db()
    assert item.state == "rejected"
    assert "Nothing to review." in response.content.decode()
    assert "data-live-queue" in response.content.decode()


def test_claim_conflict_message_on_page(client, world, make_user, add_member):
    flags.flag_post(world.flaggers[0], world.post, reason="spam")
    item = QueueItem.objects.get(post=world.post)
    actions.claim(world.moderator, item)
    other = make_user()
    add_member(world.club, other, role="moderator")
    client.force_login(other)
    base = reverse("moderation_queue", args=["club"])
    response = client.post(f"{base}{item.pk}/approve/", follow=True)
    assert "mod is handling this item" in response.content.decode()
    item.refresh_from_db()
    assert item.state == "open"


def test_manager_saves_settings(client, world, staff):
    client.force_login(staff)
    url = reverse("moderation_queue", args=["club"])
    response = client.post(url, {"hide_threshold": "5", "claim_minutes": "15"})
    assert response.status_code == 302
    assert actions.settings_for(world.club).hide_threshold == 5.0
    client.force_login(world.moderator)
    assert client.post(url, {"hide_threshold": "1", "claim_minutes": "15"}).status_code == 403


def test_flag_forms_on_thread_page(client, world):
    client.force_login(world.flaggers[0])
    page = client.get(world.thread.get_absolute_url()).content.decode()
    assert reverse("flag_post", args=[world.post.pk]) in page
    assert reverse("flag_thread", args=[world.thread.pk]) in page or "data-flag-thread" not in page
    response = client.post(
        reverse("flag_post", args=[world.post.pk]), {"reason": "spam", "note": ""}, follow=True
    )
    assert "the moderators will review it" in response.content.decode()
    response = client.post(
        reverse("flag_post", args=[world.post.pk]), {"reason": "spam"}, follow=True
    )
    assert "You have already flagged this post." in response.content.decode()
    response = client.post(
        reverse("flag_thread", args=[world.thread.pk]), {"reason": "other"}, follow=True
    )
    assert "Say what is wrong in a note." in response.content.decode()
    # The author sees no flag form on their own post.
    client.force_login(world.author)
    page = client.get(world.thread.get_absolute_url()).content.decode()
    assert reverse("flag_post", args=[world.post.pk]) not in page
    response = client.post(
        reverse("flag_post", args=[world.post.pk]), {"reason": "spam"}, follow=True
    )
    assert "You cannot flag your own content." in response.content.decode()
