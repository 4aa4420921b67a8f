"""The ledger path of every curation verb (what tests/test_domain_events.py will call)."""

import pytest

from community.models import Activity
from forums.moderation.curation.verbs import VERBS
from tests.moderation.ledger_curation import every_curation_action


@pytest.mark.django_db
def test_every_curation_verb_has_an_action_path(staff, make_user, make_community):
    club = make_community("club")
    every_curation_action(staff, make_user, club)
    recorded = set(Activity.objects.values_list("verb", flat=True))
    assert {verb.name for verb in VERBS} <= recorded
