import pytest

from community.models import Activity
from forums.verbs import MODERATION_VERBS
from tests.moderation.ledger_content import every_content_action


@pytest.mark.django_db
def test_ledger(staff, make_user, make_community):
    club = make_community("club")
    every_content_action(staff, make_user, club)
    seen = set(Activity.objects.values_list("verb", flat=True))
    missing = {v.name for v in MODERATION_VERBS} - seen
    assert not missing
    assert {"thread.pinned", "thread.unpinned", "thread.locked", "thread.unlocked"} <= seen
