"""Code handout under concurrency, on PostgreSQL: threads with their own connections.

N members racing for a pool of K codes get exactly min(N, K) distinct codes; a member
racing himself gets one code; a shared code's limit holds."""

import pytest
from django.db import connection

from cms.models import OfferCode, OfferPage, OfferReveal
from cms.offers import actions
from community.models import Activity, User
from tests.concurrency import race

pytestmark = [
    pytest.mark.production,
    # The content home, emptied by each test's flush, is made again by content_home.
    pytest.mark.django_db(transaction=True),
]


def _reveal_as(user_pk, offer_pk):
    # Each request loads its own user and page, as a view does.
    def work():
        return actions.reveal(User.objects.get(pk=user_pk), OfferPage.objects.get(pk=offer_pk))

    return work


@pytest.fixture
def club(make_community):
    return make_community("fans")


def _members(make_user, add_member, club, count):
    users = [make_user() for _ in range(count)]
    for user in users:
        add_member(club, user)
    return users


def _pool(make_page, club, size):
    offer = make_page("offer", audience="chosen", rules=[("community", club)], code_mode="unique")
    OfferCode.objects.bulk_create(OfferCode(offer=offer, code=f"C-{n:03d}") for n in range(size))
    return offer


@pytest.mark.parametrize(("racers", "pool"), [(10, 4), (4, 10), (6, 6)])
def test_members_racing_for_a_pool_get_min_n_k_distinct_codes(
    make_user, add_member, club, make_page, racers, pool
):
    assert connection.vendor == "postgresql"
    offer = _pool(make_page, club, pool)
    users = _members(make_user, add_member, club, racers)
    results = race([_reveal_as(user.pk, offer.pk) for user in users])
    won = [value for kind, value in results if kind == "ok"]
    assert len(won) == min(racers, pool), results
    assert sorted(kind for kind, _ in results) == ["conflict"] * (racers - len(won)) + ["ok"] * len(
        won
    )
    assert {value for kind, value in results if kind == "conflict"} <= {"sold_out"}
    assert len({reveal.code for reveal in won}) == len(won)
    claimed = OfferCode.objects.filter(offer=offer, claimed_by__isnull=False)
    assert claimed.count() == len(won)
    assert {(c.claimed_by_id, c.code) for c in claimed} == {(r.user_id, r.code) for r in won}
    assert OfferReveal.objects.filter(offer=offer).count() == len(won)
    assert Activity.objects.filter(verb="offer.revealed").count() == len(won)
    assert actions.remaining(offer) == pool - len(won)


def test_a_member_racing_himself_gets_one_code(make_user, add_member, club, make_page):
    offer = _pool(make_page, club, 5)
    [user] = _members(make_user, add_member, club, 1)
    results = race([_reveal_as(user.pk, offer.pk) for _ in range(8)])
    assert {kind for kind, _ in results} == {"ok"}, results
    assert len({value.code for _, value in results}) == 1
    assert OfferCode.objects.filter(offer=offer, claimed_by=user).count() == 1
    assert OfferReveal.objects.filter(offer=offer).count() == 1
    assert Activity.objects.filter(verb="offer.revealed").count() == 1
    assert actions.remaining(offer) == 4


def test_a_shared_codes_limit_holds_under_arace(make_user, add_member, club, make_page):
    offer = make_page("offer", audience="chosen", rules=[("community", club)], quantity_limit=3)
    users = _members(make_user, add_member, club, 8)
    results = race([_reveal_as(user.pk, offer.pk) for user in users])
    assert sorted(kind for kind, _ in results) == ["conflict"] * 5 + ["ok"] * 3, results
    assert OfferReveal.objects.filter(offer=offer).count() == 3
    assert actions.remaining(offer) == 0


def test_a_member_racing_himself_for_a_shared_code_reveals_once(
    make_user, add_member, club, make_page
):
    offer = make_page("offer", audience="chosen", rules=[("community", club)])
    [user] = _members(make_user, add_member, club, 1)
    results = race([_reveal_as(user.pk, offer.pk) for _ in range(6)])
    assert {kind for kind, _ in results} == {"ok"}, results
    assert len({value.pk for _, value in results}) == 1
    assert Activity.objects.filter(verb="offer.revealed").count() == 1
