"""Reads of registrations: places left, a member's place in line, the attendee list."""

from cms.models import Registration

State = Registration.State


def going_count(event):
    return Registration.objects.filter(event=event, state=State.GOING).count()


def places_left(event):
    """Free places at ``event`` (never below 0), or None when it has no capacity limit."""
    if event.capacity is None:
        return None
    return max(0, event.capacity - going_count(event))


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
