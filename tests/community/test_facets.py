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
