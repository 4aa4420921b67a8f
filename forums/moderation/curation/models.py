"""Curation's models: highlights (tags are ``forums.models.Tag``, on the thread itself)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Community
from community.validators import validate_single_line

__all__ = ["Highlight"]

NOTE_MAX_LENGTH = 140


class Highlight(models.Model):
    """A thread (or one of its posts) a moderator features, with a short note.

    Shown first on the community's page and on the home page, to whoever may read
    the community, by ``position`` (lower first), then newest first.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey("forums.Thread", on_delete=models.CASCADE, related_name="highlights")
    post = models.ForeignKey(
        "forums.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.CharField(
        _("note"), max_length=NOTE_MAX_LENGTH, validators=[validate_single_line]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    position = models.SmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "position", "-created_at"], name="highlight_order")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["thread"], condition=Q(post__isnull=True), name="highlight_one_per_thread"
            ),
            models.UniqueConstraint(
                fields=["post"], condition=Q(post__isnull=False), name="highlight_one_per_post"
            ),
        ]

    def __str__(self):
        return f"highlight #{self.pk} of thread {self.thread_id}"

    def snapshot(self):
        """What the ledger keeps of it (``before``/``after``)."""
        return {
            "thread": self.thread_id,
            "post": self.post_id,
            "note": self.note,
            "position": self.position,
        }
