"""Who meets an audience, and what an outsider is told (community.permissions.audience).

The rules are data (``community.audiences``); the facts come from the kinds that
registered them: ``community`` (active members) and the badges app's ``badge`` and
``level``.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from badges import actions as badge_actions
from badges.models import Reputation
from community import actions, audiences, permissions
from community.audiences import ALL, ANY, CHOSEN, EVERYONE, MEMBERS, Audience, Rule


def met(user, audience):
    audiences.forget_facts(user)
    return permissions.audience_met(user, audience)


def teaser(user, audience):
    audiences.forget_facts(user)
    return permissions.teaser(user, audience)


@pytest.fixture
def world(make_community, make_user, add_member, staff):
    club = make_community("club", name="Fans' club", visibility="private", join_policy="request")
    support = make_community("support", name="Support", kind="support")
    secret = make_community("secret", name="Secret", visibility="hidden", join_policy="invite")
    fan, expert, outsider, insider, banned = (make_user() for _ in range(5))
    add_member(club, fan)
    add_member(support, expert)
    add_member(secret, insider)
    add_member(club, banned)
    actions.ban(staff, club, banned)
    Reputation.objects.create(user=expert, community=support, points=250, rank=3)
    # A rank kept after leaving does not count: levels need an active membership.
    Reputation.objects.create(user=outsider, community=support, points=900, rank=4)
    badge = badge_actions.create_badge(staff, community=support, name="Helper", mode="manual")
    badge_actions.update_badge(staff, badge, enabled=True)
    badge_actions.grant(staff, badge, expert, reason="Answers fast.")
    return {
        "club": club,
        "support": support,
        "secret": secret,
        "badge": badge,
        "fan": fan,
        "expert": expert,
        "outsider": outsider,
        "insider": insider,
        "banned": banned,
        "staff": staff,
    }


def chosen(*rules, match=ANY):
    return Audience(reach=CHOSEN, match=match, rules=tuple(rules))


def test_everyone_and_members(world):
    anonymous = AnonymousUser()
    assert met(anonymous, Audience(reach=EVERYONE))
    assert not met(anonymous, Audience(reach=MEMBERS))
    assert met(world["outsider"], Audience(reach=MEMBERS))
    told = teaser(anonymous, Audience(reach=MEMBERS))
    assert told.shown and told.hints == ("Sign in or create an account",)


def test_community_rule(world):
    audience = chosen(Rule("community", community=world["club"]))
    assert met(world["fan"], audience)
    assert not met(world["outsider"], audience)
    assert not met(world["banned"], audience)  # banned is not active
    assert met(world["staff"], audience)
    told = teaser(world["outsider"], audience)
    assert told.shown and told.hints == ("Join Fans' club",)


def test_badge_and_level_rules(world):
    by_badge = chosen(Rule("badge", badge=world["badge"]))
    by_level = chosen(Rule("level", community=world["support"], rank=3))
    assert met(world["expert"], by_badge) and met(world["expert"], by_level)
    assert not met(world["fan"], by_badge) and not met(world["fan"], by_level)
    assert not met(world["outsider"], by_level)  # rank 4, but not a member
    assert teaser(world["fan"], by_badge).hints == ("Earn the badge “Helper” in Support",)
    assert teaser(world["fan"], by_level).hints == ("Reach Expert in Support",)


def test_a_disabled_badge_counts_for_nobody(world, staff):
    badge_actions.update_badge(staff, world["badge"], enabled=False)
    world["badge"].refresh_from_db()
    audience = chosen(Rule("badge", badge=world["badge"]))
    assert not met(world["expert"], audience)
    assert not teaser(world["fan"], audience).shown


def test_any_of_and_all_of(world):
    club = Rule("community", community=world["club"])
    level = Rule("level", community=world["support"], rank=3)
    assert met(world["fan"], chosen(club, level, match=ANY))
    assert met(world["expert"], chosen(club, level, match=ANY))
    assert not met(world["fan"], chosen(club, level, match=ALL))
    assert not met(world["expert"], chosen(club, level, match=ALL))
    both = world["expert"]
    actions.join(both, world["club"])
    actions.approve(world["staff"], world["club"], both)
    assert met(both, chosen(club, level, match=ALL))
    # The fan is told only what they still miss.
    assert teaser(world["fan"], chosen(club, level, match=ALL)).hints == (
        "Reach Expert in Support",
    )


def test_an_empty_audience_is_met_by_nobody_but_staff(world):
    empty = chosen()
    assert empty.is_empty
    for name in ("fan", "expert", "outsider"):
        assert not met(world[name], empty)
        assert not teaser(world[name], empty).shown
    assert not met(AnonymousUser(), empty)
    assert met(world["staff"], empty)


def test_a_hidden_community_is_never_named_to_outsiders(world):
    secret = Rule("community", community=world["secret"])
    club = Rule("community", community=world["club"])
    assert met(world["insider"], chosen(secret))
    assert not teaser(world["outsider"], chosen(secret)).shown
    assert not teaser(AnonymousUser(), chosen(secret)).shown
    # Any-of: the visible way in is offered, the hidden one never named.
    told = teaser(world["outsider"], chosen(secret, club, match=ANY))
    assert told.shown and told.hints == ("Join Fans' club",)
    # All-of: one condition they may not know of hides the whole teaser.
    assert not teaser(world["fan"], chosen(secret, club, match=ALL)).shown


def test_anonymous_visitors_are_told_to_sign_in_first(world):
    told = teaser(AnonymousUser(), chosen(Rule("community", community=world["club"])))
    assert told.hints == ("Sign in or create an account", "Join Fans' club")


def test_members_reached(world, make_user):
    club = Rule("community", community=world["club"])
    level = Rule("level", community=world["support"], rank=3)
    badge = Rule("badge", badge=world["badge"])

    def reached(audience):
        return set(audiences.members(audience).values_list("pk", flat=True))

    assert reached(chosen(club)) == {world["fan"].pk, world["staff"].pk}
    assert reached(chosen(level)) == {world["expert"].pk}
    assert reached(chosen(badge)) == {world["expert"].pk}
    assert reached(chosen(club, level, match=ANY)) == {
        world["fan"].pk,
        world["expert"].pk,
        world["staff"].pk,
    }
    assert reached(chosen(club, level, match=ALL)) == set()
    assert reached(chosen()) == set()
    everybody = reached(Audience(reach=MEMBERS))
    assert {world["fan"].pk, world["outsider"].pk, world["banned"].pk} <= everybody


def test_facts_are_loaded_once_per_user_object(world, django_assert_num_queries):
    fan = world["fan"]
    audiences.forget_facts(fan)
    rules = [
        Rule("community", community=world["club"]),
        Rule("level", community=world["support"], rank=1),
        Rule("badge", badge=world["badge"]),
    ]
    with django_assert_num_queries(3):  # one per registered kind
        for rule in rules * 10:
            permissions.audience_met(fan, chosen(rule))


def test_a_community_badge_opens_nothing_to_a_banned_member(world, staff):
    audience = chosen(Rule("badge", badge=world["badge"]))
    actions.ban(staff, world["support"], world["expert"])
    assert not met(world["expert"], audience)
    assert not set(audiences.members(audience).values_list("pk", flat=True))
