"""The social value list pages cost the same number of queries whatever their length:
the catalogue, a leaderboard, the ambassador view, the managers' page, achievements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges import actions
from forums import actions as forums

PAGES = [
    "/badges/",
    "/c/fans/leaderboard/?period=all",
    "/c/fans/leaderboard/?period=week",
    "/c/fans/ambassadors/",
    "/c/fans/badges/manage/",
    "/me/achievements/",
]


@pytest.fixture
def fans(make_community, make_user, add_member, django_capture_on_commit_callbacks):
    """A community whose manager grows it: each new member posts and gets a reaction (points
    on the leaderboard), and each brings a badge granted to the manager (a notice)."""
    community = make_community("fans")
    manager = make_user()
    add_member(community, manager, role="manager")
    grown = []

    def grow(count):
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(count):
                member = make_user()
                add_member(community, member)
                thread = forums.create_thread(
                    member, community, kind="discussion", title=f"Ride {len(grown)}", body="Go"
                )
                forums.react(manager, thread.posts.get(number=1), kind="like")
                badge = actions.create_badge(
                    manager,
                    community=community,
                    name=f"Rider {len(grown)}",
                    mode="manual",
                    enabled=True,
                )
                actions.grant(manager, badge, member, reason="Rode with us")
                actions.grant(manager, badge, manager, reason="Rode with us")
                member.rider = len(grown)
                grown.append(member)
        return grown[-1]

    return manager, grow


def counted(client, path, newest):
    """The page's queries once what it caches is warm (as on a live site); it lists the
    newest member or their badge."""
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    page = response.content.decode()
    assert newest.profile.name in page or f"Rider {newest.rider}" in page, path
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_a_list_page_costs_the_same_whatever_its_length(client, fans, path):
    manager, grow = fans
    client.force_login(manager)
    few = counted(client, path, grow(1))
    assert counted(client, path, grow(6)) == few, path
