"""Moderation's models: the notices here, each part's in its own ``models`` module."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Community


class Notice(models.Model):
    """What a moderator (or the platform on their behalf) privately tells a member.

    A warning, the reason a held message was refused or a post hidden, a silence, a
    ban, a suspension; and, for moderators on duty, an alert. Shown on the member's
    notices page, counted in ``GET /api/v1/me`` (``moderation_notices``), and sent
    live on their ``me`` stream as ``moderation.notice``.
    """

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Refused")
        HIDDEN = "hidden", _("Hidden")
        RESTORED = "restored", _("Restored")
        EDITED = "edited", _("Edited by a moderator")
        SILENCED = "silenced", _("Silenced")
        BANNED = "banned", _("Banned")
        SUSPENDED = "suspended", _("Suspended")
        ALERT = "alert", _("Alert")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_notices"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    thread = models.ForeignKey(
        "forums.Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        "forums.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="moderation_notice_unread",
            ),
            models.Index(fields=["user", "-created_at"], name="moderation_notice_latest"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user_id}"


# Each part's models, so that Django finds them under this app.
from forums.moderation.care.models import *  # noqa: E402, F403
from forums.moderation.curation.models import *  # noqa: E402, F403
from forums.moderation.prevention.models import *  # noqa: E402, F403
from forums.moderation.queue.models import *  # noqa: E402, F403
from forums.moderation.sanctions.models import *  # noqa: E402, F403
