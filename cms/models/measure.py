"""What members do with content that is not a write of theirs: views, and notices.

``ContentView`` keeps one row per member, page and day: the first view of the
day records a ``content.viewed`` activity entry (the KPIs' source), later ones
nothing. ``ContentNotice`` is what a member is told about content in the app
(a waitlist promotion, an event's reminder, new content for them).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContentView(models.Model):
    id = models.BigAutoField(primary_key=True)
    page = models.ForeignKey("cms.ContentPage", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "user", "day"], name="content_view_daily"),
        ]

    def __str__(self):
        return f"{self.page_id}: {self.user_id} on {self.day}"


class ContentNotice(models.Model):
    class Kind(models.TextChoices):
        PUBLISHED = "published", _("New content for me")
        PROMOTED = "promoted", _("A place freed up at an event")
        REMINDER = "reminder", _("An event tomorrow")

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    page = models.ForeignKey("cms.ContentPage", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="content_notice_unread"
            ),
        ]
        constraints = [
            # New content is announced once per member, even by a retried task.
            models.UniqueConstraint(
                fields=["user", "page"],
                condition=Q(kind="published"),
                name="content_notice_published_once",
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user_id}"
