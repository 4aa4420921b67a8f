"""Registrations to events: going, waitlisted (in order), cancelled; reminded, attended.

One row per member and event, whatever they did: registering again after a
cancellation reuses it. The waitlist is ordered by ``listed_at`` (when the member
joined it); a cancellation by someone going promotes the first in line
(``cms.events.actions``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Registration(models.Model):
    class State(models.TextChoices):
        GOING = "going", _("Going")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(
        "cms.EventPage", on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices)
    registered_at = models.DateTimeField(default=timezone.now)
    listed_at = models.DateTimeField(default=timezone.now)  # place in the waitlist
    updated_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="registration_once"),
        ]
        indexes = [
            models.Index(fields=["event", "state", "listed_at"]),
            models.Index(
                fields=["state"],
                condition=Q(reminded_at__isnull=True),
                name="registration_unreminded",
            ),
        ]

    def __str__(self):
        return f"{self.event_id}: {self.user_id} {self.state}"
