"""Reads of registrations: places left, a member's place in line, the attendee list;
for listings (the content API), the same for many events in one query each."""

from django.db.models import Count

from cms.models import Registration

State = Registration.State


def going_count(event):
    return Registration.objects.filter(event=event, state=State.GOING).count()


def places_from(capacity, going):
    """Free places for ``going`` members (never below 0), None without a capacity."""
    return None if capacity is None else max(0, capacity - going)


def places_left(event):
    """Free places at ``event`` (never below 0), or None when it has no capacity limit."""
    if event.capacity is None:
        return None
    return places_from(event.capacity, going_count(event))


def going_counts(event_ids):
    """``{event_id: members going}`` for these events, in one query (listings)."""
    if not event_ids:
        return {}
    rows = (
        Registration.objects.filter(event_id__in=event_ids, state=State.GOING)
        .values("event_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["event_id"]: row["n"] for row in rows}


def registrations_of(user, event_ids):
    """``{event_id: {state, position?}}`` of the viewer (waitlist positions in the same
    query: every waitlisted row of those events, in order)."""
    if not event_ids or not user.is_authenticated:
        return {}
    rows = (
        Registration.objects.filter(event_id__in=event_ids)
        .filter(user=user)
        .exclude(state=Registration.State.CANCELLED)
        .values("event_id", "state", "listed_at", "pk")
    )
    mine = {row["event_id"]: row for row in rows}
    waiting = [event_id for event_id, row in mine.items() if row["state"] == State.WAITLISTED]
    positions = {}
    if waiting:
        line = (
            Registration.objects.filter(event_id__in=waiting, state=State.WAITLISTED)
            .order_by("event_id", "listed_at", "pk")
            .values_list("event_id", "user_id")
        )
        counted = {}
        for event_id, user_id in line:
            counted[event_id] = counted.get(event_id, 0) + 1
            if user_id == user.pk:
                positions[event_id] = counted[event_id]
    result = {}
    for event_id, row in mine.items():
        registration = {"state": row["state"]}
        if row["state"] == State.WAITLISTED:
            registration["position"] = positions.get(event_id)
        result[event_id] = registration
    return result


def position(registration):
    """The registration's 1-based place on the waiting list, or None if not waitlisted."""
    if registration.state != State.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id,
        state=State.WAITLISTED,
        listed_at__lte=registration.listed_at,
    ).exclude(listed_at=registration.listed_at, pk__gt=registration.pk)
    return ahead.count()


def registration_of(user, event):
    """``user``'s registration for ``event`` (any state), or None (anonymous: None)."""
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(event=event, user=user).first()


def attendees(event):
    """Everyone going, then the waiting list in order, with their profile; each going
    registration's ``position`` None, each waitlisted one's its place in line. One query."""
    rows = list(
        Registration.objects.filter(event=event, state__in=(State.GOING, State.WAITLISTED))
        .select_related("user__profile")
        .order_by("listed_at", "pk")
    )
    rows.sort(key=lambda row: row.state != State.GOING)  # stable: going first, each in order
    line = 0
    for row in rows:
        if row.state == State.WAITLISTED:
            line += 1
            row.position = line
        else:
            row.position = None
    return rows


def attendee_data(registration):
    """One attendee as the API and the CSV show them."""
    user = registration.user
    profile = getattr(user, "profile", None)
    return {
        "username": user.username,
        "display_name": (profile.display_name if profile else "") or user.username,
        "state": registration.state,
        "position": registration.position,
        "registered_at": registration.registered_at,
        "attended_at": registration.attended_at,
    }
