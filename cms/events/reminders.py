"""The day before an event, each member going is reminded once: a notice, a live event
on their ``me`` stream and a mail (with the place and the online link: they are going).

``remind(now)`` is a job of the moderation clock (``forums.moderation.care.clock``),
run every minute by the background worker. A registration is due once its event
starts within ``AHEAD`` and has not started yet. Each one is its own transaction, its
row locked and re-read, so two clocks never remind twice; ``reminded_at`` is set even
for a member who no longer meets the audience (they are told nothing: no place, no
link), so that they are not looked at again every minute.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cms.events import notices
from cms.models import ContentNotice, Registration
from community import permissions

logger = logging.getLogger(__name__)

AHEAD = datetime.timedelta(hours=24)
BATCH = 500


def due(now):
    """Ids of the registrations to remind at ``now`` (at most ``BATCH``)."""
    return list(
        Registration.objects.filter(
            state=Registration.State.GOING,
            reminded_at__isnull=True,
            user__is_active=True,
            event__live=True,
            event__starts_at__gt=now,
            event__starts_at__lte=now + AHEAD,
        )
        .order_by("event__starts_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def remind(now=None):
    """Remind every registration due at ``now``; returns how many members were told."""
    now = now or timezone.now()
    return sum(remind_one(pk, now) for pk in due(now))


def remind_one(pk, now):
    """Remind one registration if it is still due (its row locked); True if told."""
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("event", "user__profile")
            .filter(pk=pk, state=Registration.State.GOING, reminded_at__isnull=True)
            .first()
        )
        if registration is None:
            return False
        event = registration.event
        if not (event.live and now < event.starts_at <= now + AHEAD):
            return False
        Registration.objects.filter(pk=pk).update(reminded_at=now)
        if not permissions.audience_met(registration.user, event.audience_spec()):
            return False
        notices.tell(registration.user_id, ContentNotice.Kind.REMINDER, event, "event.reminder")
        user = registration.user
        transaction.on_commit(lambda: _mail(user, event))
    return True


def _mail(user, event):
    if not user.email:
        return
    try:
        send_mail(user, event)
    except Exception:  # the in-app notice stands even if the mail server is down
        logger.exception("Could not mail the reminder of event %s to user %s", event.pk, user.pk)


def send_mail(user, event):
    """The reminder mail, in the member's language, the time in the event's time zone."""
    profile = getattr(user, "profile", None)
    language = (profile.language if profile else "") or settings.LANGUAGE_CODE
    # Times in the event's own time zone: templates show aware datetimes in the active one.
    with translation.override(language), timezone.override(_zone(event.time_zone)):
        context = {
            "user": user,
            "name": profile.name if profile else user.username,
            "event": event,
            "starts_at": event.starts_at,
            "url": settings.SITE_URL.rstrip("/") + (event.get_url() or ""),
            "brand": settings.BRAND_NAME,
        }
        subject = render_to_string("cms/events/email/reminder_subject.txt", context).strip()
        body = render_to_string("cms/events/email/reminder_message.txt", context)
    EmailMultiAlternatives(subject, body, to=[user.email]).send()


def _zone(name):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()
