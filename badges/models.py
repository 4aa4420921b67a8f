"""Social value: reputation and levels per community, badges, endorsements of qualities.

Models hold fields and field-local properties only. Every change goes through
``badges.actions`` (people) or ``badges.reputation`` and ``badges.awarding``
(receivers of the activity ledger); every "may X do Y" through
``badges.permissions``, which builds on ``community.permissions``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Activity, AppendOnlyModel, Community
from community.validators import validate_single_line, validate_text

# The icons a badge is drawn with, picked from a list (no upload, no free text: they
# render everywhere, page and API alike).
ICONS = (
    "🏅", "🥇", "🥈", "🥉", "🏆", "🎖️", "⭐", "🌟", "✨", "💡", "🚀", "🛟", "🤝", "💬",
    "🦉", "🌍", "🔧", "🛠️", "🎯", "❤️", "🔥", "📣", "🧭", "📚", "🧪", "🐞", "🎉", "👋",
    "👣", "👏", "✏️", "🎤", "📍", "🌙", "🚲", "⚙️",
)  # fmt: skip


class ReputationEntry(AppendOnlyModel):
    """One change of a member's points in a community, and the activity that caused it.

    Append-only, like the activity ledger: a withdrawal (a reaction taken back, an
    answer unaccepted, a post deleted) writes the reversing entry. ``key`` names what
    the points are for (``reaction:<post>:<giver>:<kind>``): an entry reverses the
    net of its key, so a total always equals the sum of the entries. One entry per
    activity, member and key: running a receiver twice adds nothing.
    """

    class Reason(models.TextChoices):
        REACTION = "reaction", _("A reaction to your post")
        ACCEPTED = "accepted", _("Your answer was accepted")
        IDEA = "idea", _("Your idea moved to planned or done")
        WELCOME = "welcome", _("You answered a newcomer first, and it helped")

    append_only = "The reputation ledger is append-only: write a reversing entry."

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    points = models.IntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    key = models.CharField(max_length=100)
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user", "key"], name="unique_reputation_entry"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "created_at"], name="reputation_period"),
            models.Index(fields=["user", "community", "key"], name="reputation_key"),
        ]

    def __str__(self):
        return f"{self.points:+d} to {self.user_id} in {self.community_id} ({self.key})"


class Reputation(models.Model):
    """A member's points and level in one community: the sum of their ledger entries,
    kept with them in the same transaction (``badges.reputation``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reputations"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    points = models.IntegerField(default=0)
    rank = models.PositiveSmallIntegerField(default=0)  # index into the community's levels
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="unique_reputation"),
        ]
        indexes = [models.Index(fields=["community", "-points"], name="reputation_board")]

    def __str__(self):
        return f"{self.user_id} has {self.points} in {self.community_id}"


class Level(models.Model):
    """One step of a community's ladder: reached at ``threshold`` points.

    A community without rows uses the default ladder (``badges.levels.DEFAULTS``);
    its managers' first change writes all of its rows.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    name = models.CharField(_("name"), max_length=40, validators=[validate_single_line])
    threshold = models.PositiveIntegerField(_("points needed"))

    class Meta:
        ordering = ["community", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["community", "rank"], name="unique_level_rank"),
        ]

    def __str__(self):
        return f"{self.name} ({self.threshold})"


class Badge(models.Model):
    """A badge or a trait: by rule (a template of ``badges.rules`` with its parameters)
    or granted by hand; site-wide (no community) or one community's."""

    class Tier(models.TextChoices):
        BRONZE = "bronze", _("Bronze")
        SILVER = "silver", _("Silver")
        GOLD = "gold", _("Gold")

    class Mode(models.TextChoices):
        RULE = "rule", _("Earned by a rule")
        MANUAL = "manual", _("Granted by hand")

    class Kind(models.TextChoices):
        BADGE = "badge", _("Badge")
        TRAIT = "trait", _("Trait")

    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=60, validators=[validate_single_line])
    description = models.CharField(
        _("description"), max_length=300, blank=True, validators=[validate_text]
    )
    icon = models.CharField(
        _("icon"), max_length=8, default="🏅", choices=[(icon, icon) for icon in ICONS]
    )
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices, default=Tier.BRONZE)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.BADGE)
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
        help_text=_("Empty: the badge is site-wide."),
    )
    mode = models.CharField(_("granted"), max_length=8, choices=Mode.choices, default=Mode.RULE)
    rule = models.CharField(_("rule"), max_length=40, blank=True)
    params = models.JSONField(_("rule settings"), default=dict, blank=True)
    is_title = models.BooleanField(_("can be worn as a title"), default=False)
    enabled = models.BooleanField(_("enabled"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["community_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="manual", rule="") | Q(mode="rule") & ~Q(rule=""),
                name="badge_rule_matches_mode",
            ),
        ]

    def __str__(self):
        return self.name


class Award(models.Model):
    """A badge held by a member since ``awarded_at``: the day they achieved it, not the
    day it was computed. Never twice (the unique constraint holds under races)."""

    id = models.BigAutoField(primary_key=True)
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="awards")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    awarded_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    hidden = models.BooleanField(default=False)  # the member hides it from their profile
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["badge", "user"], name="unique_award"),
        ]
        indexes = [models.Index(fields=["user", "-awarded_at"], name="award_timeline")]

    def __str__(self):
        return f"{self.badge_id} to {self.user_id}"


class Quality(models.Model):
    """A quality members endorse each other for in a community (``helpful``, ``kind``…),
    from a list its managers edit."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(max_length=40)
    name = models.CharField(_("name"), max_length=60, validators=[validate_single_line])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["community", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="unique_quality"),
        ]
        verbose_name_plural = _("qualities")

    def __str__(self):
        return self.name


class Endorsement(models.Model):
    """One member recognising a quality of another in a community they share,
    optionally pointing at the post that shows it."""

    id = models.BigAutoField(primary_key=True)
    endorser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    endorsee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    quality = models.ForeignKey(Quality, on_delete=models.CASCADE, related_name="endorsements")
    post = models.ForeignKey(
        "forums.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endorser", "endorsee", "community", "quality"],
                name="unique_endorsement",
            ),
            models.CheckConstraint(
                condition=~Q(endorser=models.F("endorsee")), name="endorsement_not_self"
            ),
        ]
        indexes = [models.Index(fields=["endorsee", "community"], name="endorsement_of")]

    def __str__(self):
        return f"{self.endorser_id} endorses {self.endorsee_id} ({self.quality_id})"


class Showcase(models.Model):
    """What a member adds to their profile: a motto, a cover picture, the title they
    wear and up to three featured badges (among those they hold)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="showcase",
    )
    motto = models.CharField(
        _("motto"), max_length=120, blank=True, validators=[validate_single_line]
    )
    cover = models.ImageField(_("cover picture"), upload_to="covers/", blank=True)
    title = models.ForeignKey(
        Badge,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("title"),
    )
    featured = models.JSONField(default=list, blank=True)  # up to 3 badge ids, in order

    def __str__(self):
        return f"showcase of {self.user_id}"


class Notice(models.Model):
    """An in-app notification of social value: a badge, a level, an endorsement, or the
    one summary a backfill sends. Shown on the member's achievements page and counted
    in ``GET /api/v1/me``'s unread counts (``achievements``)."""

    class Kind(models.TextChoices):
        BADGE = "badge", _("A badge awarded to me")
        LEVEL = "level", _("My level changed")
        ENDORSEMENT = "endorsement", _("Someone endorsed me")
        SUMMARY = "summary", _("Badges found for my past activity")

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notice_list"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notice_unread"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user_id}"
