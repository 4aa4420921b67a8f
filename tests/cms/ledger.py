"""Every exclusive-content verb, through the actions (for tests/test_domain_events.py)."""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

from cms.events import actions as events
from cms.models import EventPage, OfferPage
from cms.offers import actions as offers
from cms.surfaces import actions as surfaces
from tests.cms.conftest import ensure_site


def _publish(page, user):
    ensure_site().add_child(instance=page)
    page.save_revision(user=user).publish(user=user)  # content.published
    page.refresh_from_db()
    return page


def every_cms_action(staff, make_user, club):
    """Publish an offer and an event for the club, reveal, register, cancel, attend."""
    marketer = make_user()
    marketer.groups.add(Group.objects.get(name="Marketing"))
    fan, other = make_user(), make_user()
    from community import actions as community

    for member in (fan, other):
        community.join(member, club)
    offer = _publish(
        OfferPage(
            title="Ten percent", teaser="For the club.", audience="members", code_mode="unique"
        ),
        marketer,
    )
    offers.import_codes(marketer, offer, ["CLUB-1", "CLUB-2"])
    offers.reveal(fan, offer)
    surfaces.record_view(fan, offer)
    starts = timezone.now() + datetime.timedelta(days=3)
    event = _publish(
        EventPage(
            title="Night ride",
            teaser="Ride with us.",
            audience="members",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            capacity=1,
        ),
        marketer,
    )
    events.register(fan, event)  # going
    events.register(other, event)  # waitlisted
    events.cancel(fan, event)  # other is promoted
    events.mark_attended(staff, event, other)
    events.mark_attended(staff, event, other, attended=False)
