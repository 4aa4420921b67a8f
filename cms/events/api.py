"""The events' API: register and cancel (``/events/{page_id}/rsvp``), the attendee list.

A page id that is not a live event the caller may know of is a 404, the same as one
that does not exist; an event whose teaser alone the caller may see is a 403
(``audience_not_met``). The attendee list is for organisers (``gating.can_edit``).
"""

from datetime import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cms.events import actions, queries
from cms.events.views import check_organiser
from cms.models import EventPage
from community.apitools import ObjectId

router = Router(tags=["content"])


class RsvpOut(Schema):
    state: str
    position: int | None = None


class AttendeeOut(Schema):
    username: str
    display_name: str
    state: str
    position: int | None
    registered_at: datetime
    attended_at: datetime | None


def event_or_404(page_id):
    """The event page ``page_id`` (any state: callers ask gating), or 404."""
    event = EventPage.objects.filter(pk=page_id).first()
    if event is None:
        raise Http404(_("No such content."))
    return event


def rsvp_out(registration):
    data = {"state": registration.state}
    if registration.position is not None:
        data["position"] = registration.position
    return data


@router.post("/events/{page_id}/rsvp", response={201: RsvpOut}, exclude_unset=True)
def register(request, page_id: ObjectId):
    """Register for the event: ``going``, or ``waitlisted`` with your ``position`` in line.

    409 ``already_registered``, ``event_past`` or ``registration_closed``; 403
    ``audience_not_met`` when you may see only the event's teaser.
    """
    registration = actions.register(request.user, event_or_404(page_id))
    return Status(201, rsvp_out(registration))


@router.delete("/events/{page_id}/rsvp", response=RsvpOut, exclude_unset=True)
def cancel(request, page_id: ObjectId):
    """Cancel your registration; your place goes to the first on the waiting list.

    409 ``not_registered`` or ``event_past``.
    """
    return rsvp_out(actions.cancel(request.user, event_or_404(page_id)))


@router.get("/events/{page_id}/attendees", response=list[AttendeeOut])
def attendees(request, page_id: ObjectId):
    """Everyone going, then the waiting list in order (organisers only)."""
    event = check_organiser(request.user, event_or_404(page_id))
    return [queries.attendee_data(registration) for registration in queries.attendees(event)]
