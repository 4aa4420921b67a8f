"""The way into moderation: a link on the community's pages for its moderators only."""

import pytest

pytestmark = pytest.mark.django_db


def test_moderators_find_their_tabs_from_the_community_page(
    client, make_community, make_user, add_member
):
    club = make_community("club")
    moderator, member = make_user(), make_user()
    add_member(club, moderator, role="moderator")
    add_member(club, member)
    client.force_login(member)
    assert "/c/club/moderation/queue/" not in client.get("/c/club/").content.decode()
    client.force_login(moderator)
    page = client.get("/c/club/").content.decode()
    assert 'href="/c/club/moderation/queue/"' in page
    queue = client.get("/c/club/moderation/queue/").content.decode()
    # Every tab the moderator may open, from the queue; the managers' ones are not there.
    for path in ("queue/", "waiting/", "trust/", "highlights/", "audit/", ""):
        assert f'href="/c/club/moderation/{path}"' in queue, path
    assert 'href="/c/club/moderation/words/"' not in queue
