"""A small world for the content moderation tests: two communities, each with its own
moderator, a member, an outsider, and threads made through the actions."""

import pytest

from community.models import Activity
from forums import actions


@pytest.fixture(name="world")
def world_fixture(make_community, make_user, add_member):
    club = make_community("club")
    other = make_community("other")
    secret = make_community("secret", visibility="hidden", join_policy="invite")
    users = {
        name: make_user(username=name)
        for name in ("mod", "othermod", "member", "reader", "outsider")
    }
    add_member(club, users["mod"], role="moderator")
    add_member(other, users["othermod"], role="moderator")
    add_member(other, users["mod"], role="moderator")
    for community in (club, other):
        add_member(community, users["member"])
        add_member(community, users["reader"])
    add_member(secret, users["mod"], role="moderator")
    thread = actions.create_thread(
        users["member"], club, kind="discussion", title="Brakes squeak", body="Opening words"
    )
    reply = actions.reply(users["reader"], thread, body="A reply to hide")
    return {
        "club": club,
        "other": other,
        "secret": secret,
        "thread": thread,
        "reply": reply,
        **users,
    }


def entry(verb, **filters):
    """The latest ledger entry of ``verb``."""
    return Activity.objects.filter(verb=verb, **filters).order_by("-pk").first()


def frames(events, name):
    return [e for e in events if e.get("event") == name]
