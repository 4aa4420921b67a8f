"""The world of the offers tests: a club, its member, an outsider, and offers for the club.

Imported by ``tests/cms/test_offers_*.py`` (``from tests.cms.offers_world import *``
brings the fixtures in).
"""

import datetime

import pytest
from django.utils import timezone

from cms.models import OfferCode

__all__ = ["add_codes", "club", "club_offer", "days", "member", "outsider", "pool_offer"]


def days(n):
    return timezone.now() + datetime.timedelta(days=n)


@pytest.fixture
def club(make_community):
    return make_community("fans", visibility="public")


@pytest.fixture
def member(make_user, add_member, club):
    user = make_user(username="fan")
    add_member(club, user)
    return user


@pytest.fixture
def outsider(make_user):
    return make_user(username="outsider")


@pytest.fixture
def club_offer(make_page, club):
    """A shared-code offer for the fans' club."""
    return make_page(
        "offer",
        title="Club discount",
        audience="chosen",
        rules=[("community", club)],
        shared_code="FANS-20",
    )


@pytest.fixture
def add_codes():
    def add(offer, *codes):
        OfferCode.objects.bulk_create(OfferCode(offer=offer, code=code) for code in codes)

    return add


@pytest.fixture
def pool_offer(make_page, club, add_codes):
    """A unique-code offer for the fans' club, with a pool of three codes."""
    offer = make_page(
        "offer",
        title="Club pool",
        audience="chosen",
        rules=[("community", club)],
        code_mode="unique",
        shared_code="",
    )
    add_codes(offer, "POOL-A", "POOL-B", "POOL-C")
    return offer
