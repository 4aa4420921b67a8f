"""Revealing an offer's code (``cms.offers.actions``): who may, what they get, once.

Concurrency on PostgreSQL: ``test_offers_concurrency.py``."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404

from cms.models import OfferCode, OfferReveal
from cms.offers import actions
from community.errors import Conflict, Forbidden
from community.models import Activity, User
from tests.cms.offers_world import *  # noqa: F403
from tests.cms.offers_world import days

pytestmark = pytest.mark.django_db


# --- A shared code -----------------------------------------------------------------------


def test_a_member_reveals_the_shared_code_once_and_it_is_recorded(member, club_offer):
    revealed = actions.reveal(member, club_offer)
    assert revealed.code == "FANS-20"
    again = actions.reveal(member, club_offer)
    assert (again.pk, again.code, again.revealed_at) == (
        revealed.pk,
        "FANS-20",
        revealed.revealed_at,
    )
    [entry] = Activity.objects.filter(verb="offer.revealed")
    assert entry.actor == member
    assert (entry.object_type, entry.object_id) == ("offerpage", club_offer.pk)
    assert entry.data == {"mode": "shared"}
    assert actions.remaining(club_offer) is None


def test_a_shared_code_with_a_limit_sells_out(make_user, add_member, club, make_page):
    offer = make_page("offer", audience="chosen", rules=[("community", club)], quantity_limit=2)
    members = [make_user() for _ in range(3)]
    for user in members:
        add_member(club, user)
    actions.reveal(members[0], offer)
    assert actions.remaining(offer) == 1
    actions.reveal(members[1], offer)
    assert actions.remaining(offer) == 0
    with pytest.raises(Conflict) as refused:
        actions.reveal(members[2], offer)
    assert refused.value.code == "sold_out"
    assert "sold out" in refused.value.message
    # Those who revealed it still get it.
    assert actions.reveal(members[0], offer).code == "VELO-SHARED"
    assert OfferReveal.objects.filter(offer=offer).count() == 2


# --- A pool of unique codes ----------------------------------------------------------------


def test_unique_codes_go_one_per_member_never_twice(make_user, add_member, club, pool_offer):
    members = [make_user() for _ in range(4)]
    for user in members:
        add_member(club, user)
    codes = [actions.reveal(user, pool_offer).code for user in members[:3]]
    assert sorted(codes) == ["POOL-A", "POOL-B", "POOL-C"]
    assert actions.remaining(pool_offer) == 0
    # The same code on every later call.
    assert [actions.reveal(user, pool_offer).code for user in members[:3]] == codes
    with pytest.raises(Conflict) as refused:
        actions.reveal(members[3], pool_offer)
    assert refused.value.code == "sold_out"
    claimed = {c.code: c.claimed_by_id for c in OfferCode.objects.filter(offer=pool_offer)}
    assert claimed == {code: user.pk for code, user in zip(codes, members, strict=False)}
    assert Activity.objects.filter(verb="offer.revealed").count() == 3
    assert {e.data["mode"] for e in Activity.objects.filter(verb="offer.revealed")} == {"unique"}


def test_an_empty_pool_is_sold_out_from_the_start(member, make_page, club):
    offer = make_page("offer", audience="chosen", rules=[("community", club)], code_mode="unique")
    with pytest.raises(Conflict) as refused:
        actions.reveal(member, offer)
    assert refused.value.code == "sold_out"
    assert not OfferReveal.objects.exists()


def test_a_rolled_back_reveal_leaves_the_code_free_and_no_entry(member, pool_offer):
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.reveal(member, pool_offer)
        raise RuntimeError
    assert actions.remaining(pool_offer) == 3
    assert not OfferReveal.objects.exists()
    assert not Activity.objects.filter(verb="offer.revealed").exists()


# --- Who may -----------------------------------------------------------------------------


def test_a_member_outside_the_audience_is_refused_with_how_to_qualify(outsider, club_offer):
    with pytest.raises(Forbidden) as refused:
        actions.reveal(outsider, club_offer)
    assert refused.value.code == "not_in_audience"
    assert "Fans" in str(refused.value)  # the hint names the club to join
    assert "FANS-20" not in str(refused.value)
    assert not OfferReveal.objects.exists()


def test_anonymous_is_asked_to_sign_in_even_for_an_offer_for_everyone(make_page):
    offer = make_page("offer", audience="everyone")
    with pytest.raises(Forbidden) as refused:
        actions.reveal(AnonymousUser(), offer)
    assert refused.value.code == "not_authenticated"


def test_an_offer_for_a_hidden_community_does_not_exist_for_outsiders(
    make_community, make_page, outsider, make_user, add_member
):
    secret = make_community("secret", visibility="hidden")
    offer = make_page("offer", audience="chosen", rules=[("community", secret)])
    with pytest.raises(Http404):
        actions.reveal(outsider, offer)
    insider = make_user()
    add_member(secret, insider)
    assert actions.reveal(insider, offer).code == "VELO-SHARED"


def test_a_banned_member_loses_the_offer_at_once(member, club, club_offer, add_member):
    actions.reveal(member, club_offer)
    add_member(club, member, state="banned")
    banned = User.objects.get(pk=member.pk)  # the next request's user
    with pytest.raises((Forbidden, Http404)):
        actions.reveal(banned, club_offer)


def test_a_draft_offer_does_not_exist(member, make_page, club):
    # live=False: a page made outside the admin is live by default (Wagtail's field).
    offer = make_page(
        "offer", audience="chosen", rules=[("community", club)], publish=False, live=False
    )
    with pytest.raises(Http404):
        actions.reveal(member, offer)


def test_an_audience_with_no_rule_is_met_by_nobody_but_staff(make_page, member, staff):
    offer = make_page("offer", audience="chosen")
    with pytest.raises(Http404):
        actions.reveal(member, offer)
    assert actions.reveal(staff, offer).code == "VELO-SHARED"


# --- When --------------------------------------------------------------------------------


def test_not_yet_valid_and_expired_offers_give_no_code(member, make_page, club):
    rules = [("community", club)]
    early = make_page("offer", audience="chosen", rules=rules, valid_from=days(2))
    late = make_page("offer", audience="chosen", rules=rules, valid_until=days(-1))
    for offer, code in ((early, "not_yet_valid"), (late, "expired")):
        with pytest.raises(Conflict) as refused:
            actions.reveal(member, offer)
        assert refused.value.code == code
    assert not OfferReveal.objects.exists()


def test_a_code_revealed_before_the_end_is_still_shown_after(member, club_offer):
    revealed = actions.reveal(member, club_offer)
    club_offer.valid_until = days(-1)
    club_offer.save()
    assert actions.reveal(member, club_offer).pk == revealed.pk


# --- Importing codes ---------------------------------------------------------------------


def test_an_editor_imports_codes_and_repeats_are_skipped(marketer, pool_offer):
    added, skipped = actions.import_codes(marketer, pool_offer, ["POOL-A", "NEW-1", "NEW-2"])
    assert (added, skipped) == (2, 1)
    assert actions.remaining(pool_offer) == 5
    [entry] = Activity.objects.filter(verb="offer.codes_imported")
    assert entry.actor == marketer
    assert entry.data == {"added": 2, "skipped": 1}


def test_a_member_may_not_import_codes(member, pool_offer):
    with pytest.raises(Forbidden):
        actions.import_codes(member, pool_offer, ["MINE"])
    assert actions.remaining(pool_offer) == 3


def test_a_large_pool_is_imported_in_batches(marketer, pool_offer):
    codes = [f"BULK-{n:05d}" for n in range(2500)]
    assert actions.import_codes(marketer, pool_offer, codes) == (2500, 0)
    assert actions.remaining(pool_offer) == 2503


def test_the_counts_module_names_the_unique_mode_as_the_model_does():
    from cms.models import OfferPage
    from cms.offers import counts

    assert counts.UNIQUE == OfferPage.Codes.UNIQUE
