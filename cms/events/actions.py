"""Registering to events: register, cancel (with the waitlist's promotion), attendance.

Every change of a registration's state happens under the lock of its event's row
(``cms_eventpage``, not Wagtail's page row): the number of members going is counted
and changed by one transaction at a time, so an event is never overbooked, however
many members register and cancel at once. The unique (event, user) constraint is the
backstop for a member racing themselves.

Reminders (``cms.events.reminders``) and attendance touch one registration's own
columns and never its state: they lock that row alone.
"""

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import gating
from cms.events import notices, queries
from cms.models import ContentNotice, EventPage, Registration
from community import activity, permissions
from community.errors import Conflict, Forbidden

State = Registration.State
ACTIVE = (State.GOING, State.WAITLISTED)


def _locked(event):
    """The event's own row, locked (``of=self``: Wagtail's page row stays free for editors)."""
    return EventPage.objects.select_for_update(of=("self",)).get(pk=event.pk)


def check_open(event, now):
    """Raise ``Conflict`` if registrations are closed: the event started or its deadline passed."""
    if now >= event.starts_at:
        raise Conflict(_("This event has already taken place."), code="event_past")
    closes_at = event.rsvp_deadline or event.starts_at
    if now >= closes_at:
        raise Conflict(_("Registration for this event has closed."), code="registration_closed")


def check_audience(user, event):
    """404 if the event does not exist for ``user``; 403 if they see only its teaser."""
    if not (user.is_authenticated and user.is_active):
        raise Forbidden(_("Sign in to register for this event."), code="not_authenticated")
    found = gating.check(user, event)
    if not found.met:
        raise Forbidden(
            _("This event is for its audience only: see how to qualify on its page."),
            code="audience_not_met",
        )


def register(user, event, *, now=None):
    """Register ``user`` for ``event``: going if a place is free, else on the waiting list.

    Refuses (``Conflict``) a member already registered (``already_registered``), a past
    event (``event_past``) and a closed registration (``registration_closed``); a member
    outside the audience gets the gating answer (404, or 403 ``audience_not_met``).
    A cancelled registration is reused: the member goes to the end of the line.
    Returns the registration, with ``position`` (1-based) when waitlisted.
    """
    now = now or timezone.now()
    check_audience(user, event)
    check_open(event, now)
    with transaction.atomic():
        event = _locked(event)
        check_open(event, now)
        registration = Registration.objects.filter(event=event, user=user).first()
        if registration is not None and registration.state in ACTIVE:
            raise Conflict(_("You are already registered for this event."), "already_registered")
        # Places freed by a raised capacity go to those waiting before any newcomer.
        _fill(event, now)
        free = queries.places_left(event)
        state = State.GOING if free is None or free > 0 else State.WAITLISTED
        if registration is None:
            registration = Registration.objects.create(
                event=event,
                user=user,
                state=state,
                registered_at=now,
                listed_at=now,
                updated_at=now,
            )
        else:
            registration.state = state
            registration.registered_at = registration.listed_at = registration.updated_at = now
            registration.reminded_at = registration.attended_at = None
            registration.save(
                update_fields=[
                    "state",
                    "registered_at",
                    "listed_at",
                    "updated_at",
                    "reminded_at",
                    "attended_at",
                ]
            )
        activity.record(
            "event.registered",
            actor=user,
            community=gating.kpi_community(event),
            obj=event,
            state=state,
        )
    registration.position = queries.position(registration)
    return registration


def cancel(user, event, *, now=None):
    """Cancel ``user``'s registration; a place freed goes to the first on the waiting list.

    ``Conflict`` if they are not registered (``not_registered``) or the event has
    started (``event_past``). Members who no longer meet the audience may still
    cancel (a live event only: 404 otherwise). Returns the cancelled registration.
    """
    now = now or timezone.now()
    if not (user.is_authenticated and event.live):
        raise Http404(_("No such content."))
    with transaction.atomic():
        event = _locked(event)
        registration = Registration.objects.filter(event=event, user=user, state__in=ACTIVE).first()
        if registration is None:
            if not gating.access(user, event).shown:
                raise Http404(_("No such content."))
            raise Conflict(_("You are not registered for this event."), code="not_registered")
        if now >= event.starts_at:
            raise Conflict(_("This event has already taken place."), code="event_past")
        was = registration.state
        registration.state = State.CANCELLED
        registration.updated_at = now
        registration.save(update_fields=["state", "updated_at"])
        activity.record(
            "event.cancelled",
            actor=user,
            community=gating.kpi_community(event),
            obj=event,
            was=was,
        )
        if was == State.GOING:
            _fill(event, now)
    registration.position = None
    return registration


def _fill(event, now):
    """Promote the first waiting members into the free places (the event's row locked).

    A member who no longer meets the audience (banned, badge revoked) keeps their
    place in line but is passed over. Returns the promoted registrations.
    """
    free = queries.places_left(event)
    if free is not None and free <= 0:
        return []
    waiting = (
        Registration.objects.filter(event=event, state=State.WAITLISTED)
        .select_related("user")
        .order_by("listed_at", "pk")
    )
    audience = event.audience_spec()
    promoted = []
    for registration in waiting.iterator(chunk_size=50):
        if free is not None and len(promoted) >= free:
            break
        if not permissions.audience_met(registration.user, audience):
            continue
        registration.state = State.GOING
        registration.updated_at = now
        registration.save(update_fields=["state", "updated_at"])
        activity.record(
            "event.promoted",
            community=gating.kpi_community(event),
            target_user=registration.user,
            obj=event,
        )
        notices.tell(registration.user_id, ContentNotice.Kind.PROMOTED, event, "event.promoted")
        promoted.append(registration)
    return promoted


def mark_attended(actor, event, user, *, attended=True, now=None):
    """An organiser (``gating.can_edit``) marks ``user`` present at ``event``, or takes it back.

    Only a member going can be marked (``Conflict`` ``not_going``); marking twice
    changes nothing and records nothing. Returns the registration.
    """
    now = now or timezone.now()
    if not gating.can_edit(actor, event):
        raise Forbidden(_("Only the event's organisers can take attendance."), "not_organiser")
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update().filter(event=event, user=user).first()
        )
        if registration is None or registration.state != State.GOING:
            raise Conflict(_("This member is not going to the event."), code="not_going")
        if (registration.attended_at is not None) == attended:
            return registration
        registration.attended_at = now if attended else None
        registration.updated_at = now
        registration.save(update_fields=["attended_at", "updated_at"])
        activity.record(
            "event.attended" if attended else "event.attendance_cleared",
            actor=actor,
            community=gating.kpi_community(event),
            target_user=registration.user_id,
            obj=event,
        )
    return registration
