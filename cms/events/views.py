"""The events' pages: the registration box of an event's page (``page_context`` and
``_rsvp.html``), its forms, and the organisers' attendee list and CSV.

Organisers are those who may edit the event in the CMS (``gating.can_edit``). Anyone
else asking for the attendees gets the same 404 as for a missing event when they may
not know of it, 403 when they may.
"""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms import gating
from cms.events import actions, queries
from cms.models import EventPage, Registration
from community.errors import Conflict, Forbidden
from community.models import User
from community.spreadsheets import neutralise

State = Registration.State


def page_context(page, request):
    """``rsvp``: what the event page's registration box shows the viewer (None when
    they do not meet the audience). The place and the online link only for those going."""
    user = request.user
    if not gating.access(user, page).met:
        return {"rsvp": None}
    now = timezone.now()
    registration = queries.registration_of(user, page)
    state = registration.state if registration and registration.state != State.CANCELLED else ""
    try:
        actions.check_open(page, now)
        closed = ""
    except Conflict as error:
        closed = error.message
    going = state == State.GOING
    return {
        "rsvp": {
            "event_id": page.pk,
            "state": state,
            "position": queries.position(registration) if state == State.WAITLISTED else None,
            "capacity": page.capacity,
            "places_left": queries.places_left(page),
            "closed": closed,
            "started": now >= page.starts_at,
            "place": page.place if going else "",
            "online_link": page.online_link if going else "",
            "signed_in": user.is_authenticated,
            "organiser": gating.can_edit(user, page),
        }
    }


def check_organiser(user, event):
    """``event`` if ``user`` organises it; else 404 (may not know of it) or 403."""
    if gating.can_edit(user, event):
        return event
    if not (event.live and gating.access(user, event).shown):
        raise Http404(_("No such content."))
    raise Forbidden(_("Only the event's organisers can see its attendees."), "not_organiser")


def _event(page_id):
    """The event page ``page_id``, any state (each view then asks gating), or 404 with the
    same words as gating's: a missing event and a hidden one answer alike."""
    event = EventPage.objects.filter(pk=page_id).first()
    if event is None:
        raise Http404(_("No such content."))
    return event


def _back(event):
    return event.get_url() or "/content/"


@login_required
@require_POST
def rsvp(request, page_id):
    """Register the member (the page's form)."""
    event = _event(page_id)
    try:
        registration = actions.register(request.user, event)
    except (Conflict, PermissionDenied) as error:
        messages.error(request, getattr(error, "message", None) or str(error))
    else:
        if registration.state == State.GOING:
            messages.success(request, _("You are registered: see you there!"))
        else:
            messages.success(
                request,
                _("The event is full: you are number %(position)s on the waiting list.")
                % {"position": registration.position},
            )
    return redirect(_back(event))


@login_required
@require_POST
def cancel(request, page_id):
    """Cancel the member's registration (the page's form)."""
    event = _event(page_id)
    try:
        actions.cancel(request.user, event)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect(_back(event))


@login_required
def attendees(request, page_id):
    """The organisers' attendee list: going (with attendance), then the waiting list."""
    event = check_organiser(request.user, _event(page_id))
    rows = queries.attendees(event)
    going = [row for row in rows if row.state == State.GOING]
    return render(
        request,
        "cms/events/attendees.html",
        {
            "event": event,
            "going": going,
            "waiting": [row for row in rows if row.state == State.WAITLISTED],
            "attended": sum(1 for row in going if row.attended_at),
        },
    )


@login_required
@require_POST
def attendance(request, page_id, username):
    """Mark a member present (``attended=1``) or take it back (``attended=0``)."""
    event = check_organiser(request.user, _event(page_id))
    user = get_object_or_404(User, username=username)
    try:
        actions.mark_attended(
            request.user, event, user, attended=request.POST.get("attended") == "1"
        )
    except Conflict as error:
        messages.error(request, error.message)
    return redirect("cms_event_attendees", page_id=event.pk)


CSV_COLUMNS = ("username", "display_name", "state", "position", "registered_at", "attended_at")


@login_required
def attendees_csv(request, page_id):
    """The attendee list as CSV (UTF-8 with a BOM; formula cells neutralised, as the
    audit log's export: ``community.spreadsheets.neutralise``)."""
    event = check_organiser(request.user, _event(page_id))
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for registration in queries.attendees(event):
        data = queries.attendee_data(registration)
        writer.writerow([neutralise(data[column]) for column in CSV_COLUMNS])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="attendees-{event.pk}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
