"""Prevention's models: trust per member and community, and watched words."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["MemberTrust", "TrustPolicy", "WatchedWord"]


class TrustPolicy(models.Model):
    """How a community limits its newcomers, and when they stop being newcomers.
    No policy: nobody is limited (every member counts as trusted)."""

    community = models.OneToOneField(
        "community.Community", on_delete=models.CASCADE, related_name="trust_policy"
    )
    hold_first_posts = models.PositiveSmallIntegerField(_("hold first posts"), default=0)
    newcomer_max_links = models.PositiveSmallIntegerField(_("links per post"), default=2)
    newcomer_max_images = models.PositiveSmallIntegerField(_("images per post"), default=1)
    newcomer_posts_per_hour = models.PositiveSmallIntegerField(_("posts per hour"), default=10)
    promote_after_days = models.PositiveSmallIntegerField(_("days of membership"), default=3)
    promote_after_posts_read = models.PositiveIntegerField(_("posts read"), default=20)
    promote_after_posts_accepted = models.PositiveSmallIntegerField(_("posts accepted"), default=3)
    require_no_upheld_flags = models.BooleanField(_("no upheld flags"), default=True)

    FIELDS = (
        "hold_first_posts",
        "newcomer_max_links",
        "newcomer_max_images",
        "newcomer_posts_per_hour",
        "promote_after_days",
        "promote_after_posts_read",
        "promote_after_posts_accepted",
        "require_no_upheld_flags",
    )

    def __str__(self):
        return f"trust policy of {self.community_id}"

    def as_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}


class MemberTrust(models.Model):
    class Level(models.TextChoices):
        NEWCOMER = "newcomer", _("Newcomer")
        TRUSTED = "trusted", _("Trusted")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust_levels"
    )
    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, related_name="member_trust"
    )
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.NEWCOMER)
    set_by_hand = models.BooleanField(default=False)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="one_trust_per_member")
        ]

    def __str__(self):
        return f"{self.user_id} {self.level} in {self.community_id}"


class WatchedWord(models.Model):
    class Action(models.TextChoices):
        BLOCK = "block", _("Block")
        HOLD = "hold", _("Hold for review")
        FLAG = "flag", _("Flag for review")
        REPLACE = "replace", _("Replace")

    community = models.ForeignKey(
        "community.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="watched_words",
    )
    pattern = models.CharField(max_length=60)
    key = models.CharField(max_length=200, editable=False)  # its normal form, unique per list
    action = models.CharField(max_length=10, choices=Action.choices)
    replacement = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pattern"]
        constraints = [
            models.UniqueConstraint(fields=["community", "key"], name="one_watched_word_per_list"),
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(community__isnull=True),
                name="one_site_watched_word",
            ),
        ]

    def __str__(self):
        return self.pattern
