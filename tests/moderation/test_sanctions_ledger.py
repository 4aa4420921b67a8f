"""The sanctions part's ledger function performs every verb it declares."""

import pytest

from community.models import Activity
from tests.moderation.ledger_sanctions import every_sanctions_action

pytestmark = pytest.mark.django_db

VERBS = {
    "membership.silenced",
    "membership.unsilenced",
    "membership.banned",
    "membership.unbanned",
    "user.suspended",
    "user.unsuspended",
    "member.warned",
    "member.noted",
}


def test_every_sanctions_action(staff, make_user, make_community):
    club = make_community("club")
    every_sanctions_action(staff, make_user, club)
    recorded = set(Activity.objects.values_list("verb", flat=True))
    assert recorded >= VERBS
    expired = Activity.objects.filter(data__expired=True).values_list("verb", flat=True)
    assert {"membership.unsilenced", "membership.unbanned"} <= set(expired)
