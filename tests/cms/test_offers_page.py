"""The offer page's reveal panel and its form: a button, then the member's code; the
code is in no HTML before that member revealed it, and never in someone else's."""

import pytest
from django.test import RequestFactory

from cms import gating
from cms.models import OfferPage, OfferReveal
from cms.offers import actions, views
from tests.cms.offers_world import *  # noqa: F403
from tests.cms.offers_world import days

pytestmark = pytest.mark.django_db

POOL = ("POOL-A", "POOL-B", "POOL-C")


def _page(client, offer):
    response = client.get(offer.url)
    assert response.status_code == 200
    return response.content.decode()


def _reveal_url(offer):
    return f"/content/offers/{offer.pk}/reveal/"


def test_before_revealing_the_member_sees_a_button_and_no_code(client, member, club_offer):
    client.force_login(member)
    html = _page(client, club_offer)
    assert f'action="{_reveal_url(club_offer)}"' in html
    assert "csrfmiddlewaretoken" in html
    assert "FANS-20" not in html


def test_revealing_through_the_form_shows_the_code_on_the_page(client, member, club_offer):
    client.force_login(member)
    response = client.post(_reveal_url(club_offer))
    assert response.status_code == 302
    assert response["Location"] == f"{club_offer.url}#offer-reveal"
    html = _page(client, club_offer)
    assert "FANS-20" in html
    assert f'action="{_reveal_url(club_offer)}"' not in html
    assert OfferReveal.objects.filter(user=member, offer=club_offer).count() == 1
    # Twice: the same code, no second reveal.
    client.post(_reveal_url(club_offer))
    assert OfferReveal.objects.filter(user=member, offer=club_offer).count() == 1


def test_no_pool_code_is_in_the_page_but_the_members_own(
    client, make_user, add_member, club, pool_offer
):
    first, second = make_user(), make_user()
    for user in (first, second):
        add_member(club, user)
    mine = actions.reveal(first, pool_offer).code
    client.force_login(second)
    html = _page(client, pool_offer)
    assert not any(code in html for code in POOL)
    assert "2 codes left." in html
    client.force_login(first)
    html = _page(client, pool_offer)
    assert mine in html
    assert not any(code in html for code in POOL if code != mine)


def test_outside_the_audience_the_teaser_has_no_code_and_no_button(client, outsider, club_offer):
    client.force_login(outsider)
    html = _page(client, club_offer)
    assert "FANS-20" not in html
    assert _reveal_url(club_offer) not in html


def test_an_outsider_posting_the_form_is_told_and_gets_nothing(client, outsider, club_offer):
    client.force_login(outsider)
    response = client.post(_reveal_url(club_offer), follow=True)
    html = response.content.decode()
    assert "for members of its audience only" in html
    assert "FANS-20" not in html
    assert not OfferReveal.objects.exists()


def test_a_hidden_offer_posts_to_a_404(client, outsider, make_community, make_page):
    secret = make_community("secret", visibility="hidden")
    offer = make_page("offer", audience="chosen", rules=[("community", secret)])
    client.force_login(outsider)
    response = client.post(_reveal_url(offer))
    assert response.status_code == 404
    assert "VELO-SHARED" not in response.content.decode()
    assert client.post("/content/offers/999999/reveal/").status_code == 404


def test_anonymous_is_sent_to_sign_in_and_sees_no_code(client, make_page):
    offer = make_page("offer", audience="everyone")
    html = _page(client, offer)
    assert "VELO-SHARED" not in html
    assert "Sign in to reveal your code" in html
    response = client.post(_reveal_url(offer))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not OfferReveal.objects.exists()


def test_the_form_takes_posts_only(client, member, club_offer):
    client.force_login(member)
    assert client.get(_reveal_url(club_offer)).status_code == 405


def test_sold_out_is_said_on_the_page_and_by_the_form(client, member, make_page, club):
    offer = make_page("offer", audience="chosen", rules=[("community", club)], quantity_limit=0)
    client.force_login(member)
    html = _page(client, offer)
    assert "sold out" in html
    assert _reveal_url(offer) not in html
    html = client.post(_reveal_url(offer), follow=True).content.decode()
    assert "sold out" in html
    assert "VELO-SHARED" not in html


@pytest.mark.parametrize(
    ("dates", "said"),
    [({"valid_from": days(3)}, "This offer opens on"), ({"valid_until": days(-3)}, "ended on")],
)
def test_offers_out_of_their_dates_say_so(client, member, make_page, club, dates, said):
    offer = make_page("offer", audience="chosen", rules=[("community", club)], **dates)
    client.force_login(member)
    html = _page(client, offer)
    assert said in html
    assert "VELO-SHARED" not in html
    assert _reveal_url(offer) not in html
    html = client.post(_reveal_url(offer), follow=True).content.decode()
    assert said in html
    assert not OfferReveal.objects.exists()


def test_page_context_tells_nothing_to_whoever_is_outside_the_audience(outsider, club_offer):
    request = RequestFactory().get("/")
    request.user = outsider
    assert views.page_context(club_offer, request) == {"offer_panel": None}


def test_page_context_costs_two_queries_after_serving(
    member, pool_offer, django_assert_num_queries
):
    request = RequestFactory().get("/")
    request.user = member
    offer = gating.with_audience(OfferPage.objects.filter(pk=pool_offer.pk)).get()
    gating.check(member, offer)  # as serving does first (the member's facts are kept)
    with django_assert_num_queries(2):  # the member's reveal, the codes left
        panel = views.page_context(offer, request)["offer_panel"]
    assert (panel.state, panel.remaining, panel.code) == ("open", 3, "")


def test_the_preview_of_an_offer_being_created_has_no_panel(marketer):
    request = RequestFactory().get("/")
    request.user = marketer
    offer = OfferPage(title="New", teaser="t", audience="members", shared_code="NEW-1")
    assert views.page_context(offer, request) == {"offer_panel": None}
