"""The API tests' world: communities of each visibility, people, badges and their tokens.

Modules with a ``world`` of their own (rules, awarding...) override this one.
"""

import pytest

from badges import actions
from tests.badges.api_world import bearer


@pytest.fixture
def world(make_community, make_user, add_member, staff):
    """support (public), private (request) and club (hidden); their people and badges."""
    support = make_community("support", kind="support")
    private = make_community("private", visibility="private", join_policy="request")
    club = make_community("club", visibility="hidden", join_policy="invite")
    manager, alice, bob, outsider = (make_user() for _ in range(4))
    add_member(support, manager, role="manager")
    for user in (alice, bob):
        add_member(support, user)
    add_member(club, alice)
    add_member(club, bob)
    add_member(private, bob)
    badges = {
        "site": actions.create_badge(staff, name="Pioneer", mode="manual", enabled=True),
        "support": actions.create_badge(
            manager, community=support, name="Ambassador", mode="manual", enabled=True
        ),
        "draft": actions.create_badge(manager, community=support, name="Draft", mode="manual"),
        "private": actions.create_badge(
            staff, community=private, name="Insider", mode="manual", enabled=True
        ),
        "club": actions.create_badge(
            staff, community=club, name="Secret keeper", mode="manual", enabled=True
        ),
    }
    actions.grant(staff, badges["site"], alice, reason="Early")
    actions.grant(staff, badges["site"], bob, reason="Early")
    actions.grant(staff, badges["club"], alice, reason="Discreet")
    keys = {
        name: bearer(user)
        for name, user in {
            "staff": staff,
            "manager": manager,
            "alice": alice,
            "bob": bob,
            "outsider": outsider,
        }.items()
    }
    return {
        "support": support,
        "private": private,
        "club": club,
        "staff": staff,
        "manager": manager,
        "alice": alice,
        "bob": bob,
        "outsider": outsider,
        "badges": badges,
        "keys": keys,
    }
