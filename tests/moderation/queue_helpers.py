"""Setup shared by the queue's tests: a community with a moderator, members and content."""

from dataclasses import dataclass

import pytest

from community import actions as community_actions
from forums import actions as forum_actions

API = "/api/v1"


@dataclass
class World:
    club: object
    moderator: object
    author: object
    flaggers: list
    thread: object
    post: object


def bearer(user):
    _token, key = community_actions.create_api_token(user, user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def call(client, method, path, auth=None, body=None):
    kwargs = dict(auth or {})
    if body is not None or method == "post":
        kwargs.update(data=body or {}, content_type="application/json")
    response = getattr(client, method)(API + path, **kwargs)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response, response.json()


@pytest.fixture(name="world")
def world_fixture(make_community, make_user, add_member):
    club = make_community("club", visibility="public", join_policy="open")
    moderator, author = make_user(username="mod"), make_user(username="author")
    flaggers = [make_user(username=f"flagger{i}") for i in range(4)]
    add_member(club, moderator, role="moderator")
    for user in (author, *flaggers):
        add_member(club, user)
    thread = forum_actions.create_thread(author, club, kind="discussion", title="Hello", body="Hi")
    post = forum_actions.reply(author, thread, body="Buy cheap watches now")
    return World(club, moderator, author, flaggers, thread, post)
