"""Member facets: who is looking reaches the loaders; a failing loader fails nothing."""

import pytest

from community import facets
from community.facets import Facet


@pytest.fixture
def facet():
    """A facet that answers 7 for everyone and remembers how it was asked."""
    calls = []

    def load(user_ids, community, viewer):
        calls.append((sorted(user_ids), community, viewer))
        return dict.fromkeys(user_ids, 7)

    facets.register(Facet("lucky", load, empty=int))
    yield calls
    facets.unregister("lucky")


@pytest.mark.django_db
def test_the_loaders_learn_who_looks_and_where(client, facet, make_community, make_user):
    community = make_community("fans")
    bob = make_user(username="bob")
    assert client.get("/api/v1/members/bob").json()["lucky"] == 7
    [(ids, where, viewer)] = facet
    assert (ids, where, viewer.is_authenticated) == ([bob.pk], None, False)
    client.force_login(bob)
    items = client.get("/api/v1/communities/fans/members").json()["items"]
    assert [m["lucky"] for m in items] == [7]  # the staff member who made it
    assert facet[-1][1] == community and facet[-1][2] == bob


@pytest.mark.django_db
def test_a_failing_loader_leaves_its_facet_empty(client, make_user, caplog):
    def broken(user_ids, community, viewer):
        raise RuntimeError("a badge query crashed")

    make_user(username="bob")
    facets.register(Facet("broken", broken, empty=list))
    try:
        response = client.get("/api/v1/members/bob")
    finally:
        facets.unregister("broken")
    assert response.status_code == 200 and response.json()["broken"] == []
    assert "Member facet 'broken' failed to load" in caplog.text


def test_a_facet_cannot_replace_what_members_carry():
    with pytest.raises(ValueError, match="would replace a key"):
        facets.register(Facet("username", lambda ids, c, v: {}))


@pytest.mark.django_db
def test_one_loader_can_fill_several_keys(client, make_user):
    """A group facet: one call for its keys, empty values for members it does not know."""
    calls = []

    def load(user_ids, community, viewer):
        calls.append(sorted(user_ids))
        return {bob.pk: {"stars": 3, "motto": "ride on"}}

    def html(values):
        return f"{values['stars']}★"

    bob = make_user(username="bob")
    eve = make_user(username="eve")
    group = Facet(
        "standing",
        load,
        empty=lambda: {"stars": 0, "motto": ""},
        html=html,
        keys=("stars", "motto"),
    )
    facets.register(group)
    try:
        shown = facets.load([bob, eve], viewer=eve)
        payload = client.get("/api/v1/members/bob").json()
    finally:
        facets.unregister("standing")
    assert calls[0] == sorted([bob.pk, eve.pk])
    mine = ("stars", "motto")
    assert {key: shown.for_user(bob.pk)[key] for key in mine} == {"stars": 3, "motto": "ride on"}
    assert {key: shown.for_user(eve.pk)[key] for key in mine} == {"stars": 0, "motto": ""}
    assert str(shown.html(bob.pk)) == "3★" and str(shown.html(eve.pk)) == ""
    assert (payload["stars"], payload["motto"]) == (3, "ride on")
    assert "standing" not in client.get("/api/v1/members/bob").json()


def test_a_group_cannot_take_a_key_another_facet_fills():
    facets.register(Facet("one", lambda ids, c, v: {}, keys=("shared",)))
    try:
        with pytest.raises(ValueError, match="already registered"):
            facets.register(Facet("two", lambda ids, c, v: {}, keys=("shared", "other")))
        with pytest.raises(ValueError, match="would replace a key"):
            facets.register(Facet("three", lambda ids, c, v: {}, keys=("bio",)))
    finally:
        facets.unregister("one")
