"""The review queue's items (and, from the queue's part, flags)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Community, Membership

__all__ = ["QueueItem"]


class QueueItem(models.Model):
    """One thing waiting for a moderator of ``community``.

    Flagged content (a post or a thread), a message held before publication
    (pre-moderation, a watched word), or a request to join. At most one open item per
    thing: more flags or reasons add to it. A moderator claims it (for a while:
    ``claimed_until``), then approves or rejects it; the item is kept, resolved.
    """

    class Kind(models.TextChoices):
        FLAGGED = "flagged", _("Flagged")
        HELD = "held", _("Held for review")
        JOIN = "join", _("Request to join")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    thread = models.ForeignKey(
        "forums.Thread", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        "forums.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Whose content or request it is.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reasons = models.JSONField(default=list, blank=True)
    weight = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["community", "state", "created_at"], name="queue_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "post"],
                condition=Q(state="open", post__isnull=False),
                name="queue_one_open_per_post",
            ),
            models.UniqueConstraint(
                fields=["kind", "thread"],
                condition=Q(state="open", post__isnull=True, thread__isnull=False),
                name="queue_one_open_per_thread",
            ),
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(state="open", membership__isnull=False),
                name="queue_one_open_per_request",
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} in {self.community_id}"

    @property
    def is_open(self):
        return self.state == self.State.OPEN
