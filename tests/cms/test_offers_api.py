"""``POST /api/v1/offers/{page_id}/reveal``: the code for the audience, once; clear refusals
that never carry the code."""

import pytest
from django.test import Client

from cms.models import OfferReveal
from tests.badges.api_world import API, assert_error, bearer, call
from tests.cms.offers_world import *  # noqa: F403
from tests.cms.offers_world import days

pytestmark = pytest.mark.django_db


def _reveal(client, offer_id, auth=None):
    return call(client, "post", f"/offers/{offer_id}/reveal", auth=auth)


def test_the_endpoint_is_in_the_schema(client):
    schema = client.get(f"{API}/openapi.json").json()
    operation = schema["paths"]["/api/v1/offers/{page_id}/reveal"]["post"]
    assert {"200", "403", "404", "409"} <= set(operation["responses"])


def test_a_member_gets_the_shared_code_and_the_same_on_later_calls(client, member, club_offer):
    client.force_login(member)
    response, data = _reveal(client, club_offer.pk)
    assert response.status_code == 200, data
    assert data["code"] == "FANS-20"
    assert data["offer"] == club_offer.pk
    assert data["remaining"] is None
    response, again = _reveal(client, club_offer.pk)
    assert response.status_code == 200
    assert again == data


def test_unique_codes_count_down_then_sell_out(make_user, add_member, club, pool_offer):
    seen = []
    for left in (2, 1, 0):
        user = make_user()
        add_member(club, user)
        response, data = _reveal(Client(), pool_offer.pk, auth=bearer(user))
        assert response.status_code == 200, data
        assert data["remaining"] == left
        seen.append(data["code"])
    assert sorted(seen) == ["POOL-A", "POOL-B", "POOL-C"]
    late = make_user()
    add_member(club, late)
    response, data = _reveal(Client(), pool_offer.pk, auth=bearer(late))
    assert_error(response, data, 409, "sold_out")
    assert not any(code in response.content.decode() for code in seen)


def test_outside_the_audience_a_teaser_viewer_is_refused_without_the_code(
    client, outsider, club_offer
):
    client.force_login(outsider)
    response, data = _reveal(client, club_offer.pk)
    assert_error(response, data, 403, "not_in_audience")
    assert "FANS-20" not in response.content.decode()
    assert not OfferReveal.objects.exists()


def test_what_the_caller_may_not_know_of_is_not_found(
    client, outsider, make_community, make_page, member
):
    secret = make_community("secret", visibility="hidden")
    hidden = make_page("offer", audience="chosen", rules=[("community", secret)])
    draft = make_page("offer", audience="members", publish=False, live=False)
    article = make_page("article", audience="members")
    client.force_login(outsider)
    for page_id in (hidden.pk, draft.pk, article.pk, 10**9):
        response, data = _reveal(client, page_id)
        assert_error(response, data, 404, "not_found")
        assert "VELO-SHARED" not in response.content.decode()
    response, data = _reveal(client, 2**63)
    assert response.status_code == 422


def test_anonymous_must_authenticate(client, make_page):
    offer = make_page("offer", audience="everyone")
    response, data = _reveal(client, offer.pk)
    assert_error(response, data, 401, "not_authenticated")
    assert "VELO-SHARED" not in response.content.decode()


def test_offers_out_of_their_dates_conflict(client, member, make_page, club):
    rules = [("community", club)]
    early = make_page("offer", audience="chosen", rules=rules, valid_from=days(1))
    late = make_page("offer", audience="chosen", rules=rules, valid_until=days(-1))
    client.force_login(member)
    for offer, code in ((early, "not_yet_valid"), (late, "expired")):
        response, data = _reveal(client, offer.pk)
        assert_error(response, data, 409, code)
        assert "VELO-SHARED" not in response.content.decode()


def test_a_session_write_needs_its_csrf_token(member, club_offer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response, _data = _reveal(client, club_offer.pk)
    assert response.status_code == 403
    assert "FANS-20" not in response.content.decode()
    assert not OfferReveal.objects.exists()
