"""The review queue's items (and, from the queue's part, flags)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Community, Membership

__all__ = ["Flag", "QueueItem", "QueueSettings"]


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
    # The flags' weight hid the post pending review (``hide_post(by="flags")``): approving
    # the item restores it.
    auto_hidden = models.BooleanField(default=False)

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


class Flag(models.Model):
    """A member's report of a post (``post`` set) or of a thread (``post`` null).

    One per member and thing. ``weight`` is the flagger's weight when they flagged
    (``forums.moderation.queue.flags.flagger_weight``); ``outcome`` is what the
    moderators decided of the item: upheld (rejected content) or dismissed.
    """

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        ABUSE = "abuse", _("Abuse or harassment")
        OFF_TOPIC = "off_topic", _("Off-topic")
        ILLEGAL = "illegal", _("Illegal content")
        OTHER = "other", _("Something else")

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey("forums.Thread", on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(
        "forums.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_flags"
    )
    # Whose content it is (kept for the flagged member's record: upheld flags).
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    weight = models.FloatField(default=1.0)
    created_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["community", "user", "outcome"], name="flag_flagger_outcome"),
            models.Index(fields=["subject", "outcome"], name="flag_subject_outcome"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "post"],
                condition=Q(post__isnull=False),
                name="flag_once_per_post",
            ),
            models.UniqueConstraint(
                fields=["user", "thread"],
                condition=Q(post__isnull=True),
                name="flag_once_per_thread",
            ),
        ]

    def __str__(self):
        return f"{self.reason} flag #{self.pk} by {self.user_id}"


class QueueSettings(models.Model):
    """The queue's settings of one community (managers edit them; defaults without a row)."""

    DEFAULT_HIDE_THRESHOLD = 3.0
    DEFAULT_CLAIM_MINUTES = 10

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, related_name="queue_settings"
    )
    hide_threshold = models.FloatField(
        _("weight of flags that hides a post"),
        default=DEFAULT_HIDE_THRESHOLD,
        validators=[MinValueValidator(0.5), MaxValueValidator(100)],
        help_text=_("A post whose open flags weigh this much is hidden until reviewed."),
    )
    claim_minutes = models.PositiveSmallIntegerField(
        _("minutes a claim lasts"),
        default=DEFAULT_CLAIM_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )

    def __str__(self):
        return f"queue settings of {self.community_id}"

    @classmethod
    def of(cls, community):
        """The community's settings (unsaved defaults if it has none)."""
        found = cls.objects.filter(community=community).first()
        return found if found is not None else cls(community=community)
