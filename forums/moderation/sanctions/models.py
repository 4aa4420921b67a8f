"""Its models: moderators' private notes on members.

Warnings need no model of their own: a warning is a ``Notice`` (kind ``warning``) for
the member, and a ``member.warned`` entry in the ledger.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from community.models import Community

__all__ = ["ModeratorNote"]


class ModeratorNote(models.Model):
    """What a moderator writes about a member for the community's other moderators.

    Never shown to the member, nor to moderators of other communities.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderator_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "user", "-created_at"], name="moderation_note_member")
        ]

    def __str__(self):
        return f"note on {self.user_id} in {self.community_id}"
