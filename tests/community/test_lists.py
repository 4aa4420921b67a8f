"""Activity cues on the lists (directory, thread list) and the header's unread count."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import theme
from forums import actions
from forums.models import Notification


def read(client, thread):
    """Open a thread as the signed-in client; its read position is saved after the response."""
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    response.close()  # request_finished: the deferred read-state write


@pytest.fixture
def members(make_community, make_user, add_member):
    reader, poster = make_user(), make_user()
    return reader, poster


def busy_communities(count, make_community, add_member, reader, poster):
    """``count`` communities (public and private), each with a thread the reader opened
    and that got a reply since, by ``poster``."""
    communities = []
    for i in range(count):
        community = make_community(f"c{i}", visibility=("public", "private")[i % 2])
        add_member(community, reader)
        add_member(community, poster)
        communities.append(community)
    return communities


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 8])
def test_directory_cues_without_a_query_per_card(
    client, members, make_community, add_member, make_user, rows
):
    reader, poster = members
    poster.profile.display_name = "Pauline Poster"
    poster.profile.save(update_fields=["display_name"])
    communities = busy_communities(rows, make_community, add_member, reader, poster)
    client.force_login(reader)
    for community in communities:
        thread = actions.create_thread(reader, community, kind="discussion", title="T", body="b")
        read(client, thread)
        actions.reply(poster, thread, body="news")
    # A community the reader may not read: no cue gives its activity away.
    secret = make_community("secret", visibility="private")
    add_member(secret, poster)
    actions.create_thread(poster, secret, kind="discussion", title="Secret plan", body="b")
    theme.current()
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    # Session, user, communities, memberships, the header's unread notifications, the
    # latest thread of every card (with who posted last), the unread threads per card,
    # the highlights of the communities the reader may read (curation).
    assert len(queries) == 8, [q["sql"] for q in queries]
    assert page.count("data-latest-activity") == rows
    assert page.count("last post by Pauline Poster") == rows
    assert page.count('<span class="count">1</span> thread with unread posts') == rows
    assert "Secret plan" not in page
    assert page.count("<time datetime=") >= rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 8])
def test_directory_for_a_visitor_shows_public_activity_only(
    client, members, make_community, add_member, rows
):
    reader, poster = members
    communities = busy_communities(rows, make_community, add_member, reader, poster)
    for community in communities:
        actions.create_thread(poster, community, kind="discussion", title=community.slug, body="b")
    theme.current()
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    # Communities, then the latest threads, then the highlights: nothing per card, and no
    # unread counts.
    assert len(queries) == 3, [q["sql"] for q in queries]
    assert page.count("data-latest-activity") == (rows + 1) // 2  # the public ones
    assert "unread posts" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 12])
def test_thread_list_shows_authors_last_posters_and_unread_posts(
    client, members, make_community, add_member, make_user, rows
):
    reader, poster = members
    (community,) = busy_communities(1, make_community, add_member, reader, poster)
    poster.profile.avatar = "avatars/pauline.webp"
    poster.profile.save(update_fields=["avatar"])
    client.force_login(reader)
    for i in range(rows):
        thread = actions.create_thread(
            reader, community, kind="discussion", title=f"T{i}", body="b"
        )
        read(client, thread)
        actions.reply(poster, thread, body="one")
        actions.reply(poster, thread, body="two")
    theme.current()
    client.get(community.get_absolute_url())  # its caches (tags, experts)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(community.get_absolute_url()).content.decode()
    # The same count as before the cues (who posted last comes with the threads), and the
    # community's highlights.
    assert len(queries) == 9, [q["sql"] for q in queries]
    assert page.count("data-last-poster") == rows
    assert page.count('src="/media/avatars/pauline.webp"') == rows  # the last poster's avatar
    assert page.count('aria-label="2 unread posts"') == rows
    # The authors' own avatars (initials here: no picture uploaded).
    assert len(re.findall(r'<span class="avatar avatar-initial"', page)) >= rows


@pytest.mark.django_db
def test_header_shows_the_unread_notifications_on_load(
    client, members, make_community, add_member, django_capture_on_commit_callbacks
):
    reader, poster = members
    (community,) = busy_communities(1, make_community, add_member, reader, poster)
    client.force_login(reader)
    page = client.get("/").content.decode()
    assert re.search(r'<span class="count" data-unread-notifications data-count="0" hidden', page)
    with django_capture_on_commit_callbacks(execute=True):
        thread = actions.create_thread(reader, community, kind="discussion", title="T", body="b")
    for i in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            actions.reply(poster, thread, body=f"Hey @{reader.username} {i}")
    unread = Notification.objects.filter(user=reader, read_at__isnull=True).count()
    assert unread >= 3
    page = client.get("/").content.decode()
    badge = re.search(r'<span class="count" data-unread-notifications[^>]*>([^<]*)</span>', page)
    assert f'data-count="{unread}"' in badge.group() and " hidden" not in badge.group()
    assert badge.group(1) == str(unread)
    # The same figure as GET /api/v1/me.
    assert client.get("/api/v1/me").json()["unread"]["notifications"] == unread
