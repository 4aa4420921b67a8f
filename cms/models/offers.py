"""An offer's codes: the pool of unique codes, and who revealed which code when.

A member reveals an offer's code once (``OfferReveal``, one row per member and
offer); every later reveal shows them the same code. With a pool of unique codes
(``OfferCode``), the code handed out is claimed by that member for good: one per
member, never twice, never beyond the pool (``cms.offers.actions.reveal``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OfferCode(models.Model):
    id = models.BigAutoField(primary_key=True)
    offer = models.ForeignKey("cms.OfferPage", on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=64)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offer", "code"], name="offer_code_unique"),
            models.UniqueConstraint(
                fields=["offer", "claimed_by"],
                condition=Q(claimed_by__isnull=False),
                name="offer_code_one_per_member",
            ),
        ]
        indexes = [
            models.Index(
                fields=["offer", "id"], condition=Q(claimed_at__isnull=True), name="offer_code_free"
            )
        ]

    def __str__(self):
        return self.code


class OfferReveal(models.Model):
    id = models.BigAutoField(primary_key=True)
    offer = models.ForeignKey("cms.OfferPage", on_delete=models.CASCADE, related_name="reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=64)
    revealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offer", "user"], name="offer_reveal_once"),
        ]

    def __str__(self):
        return f"{self.offer_id}: {self.user_id}"
