"""Customer care: how fast a community means to answer, and each question's clock."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Community

__all__ = ["Duty", "ExpertOptIn", "QuestionClock", "ResponsePolicy"]


class ResponsePolicy(models.Model):
    """A community's first-response target. Support communities without a row get the
    defaults (``care.policy.policy_for``); other kinds need one to run clocks."""

    class Responders(models.TextChoices):
        MODERATORS = "moderators", _("Staff and moderators")
        LEVEL = "level", _("Also members from a chosen level")

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, primary_key=True, related_name="response_policy"
    )
    enabled = models.BooleanField(_("measure first responses"), default=True)
    target_minutes = models.PositiveIntegerField(_("first-response target (minutes)"), default=15)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # {"0": [["09:00", "18:00"]], ...} by weekday (0 = Monday); empty: always open.
    business_hours = models.JSONField(_("business hours"), default=dict, blank=True)
    responders = models.CharField(
        _("who counts as a responder"),
        max_length=16,
        choices=Responders.choices,
        default=Responders.MODERATORS,
    )
    responder_min_level = models.PositiveSmallIntegerField(_("lowest responder level"), default=3)
    routing_enabled = models.BooleanField(_("offer new questions to experts"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.community_id}: {self.target_minutes} min"


class QuestionClock(models.Model):
    """One published question's wait for its first response by a responder.

    ``due_at`` (the target), ``breaching_at`` (80 %) and ``escalate_at`` (50 %) are
    computed when the clock starts, business hours included, so the background
    check and the waiting list are plain indexed comparisons.
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")

    thread = models.OneToOneField(
        "forums.Thread", on_delete=models.CASCADE, primary_key=True, related_name="care_clock"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    started_at = models.DateTimeField()
    target_minutes = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    breaching_at = models.DateTimeField()
    escalate_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offered_to = models.JSONField(default=list, blank=True)  # user ids, in offer order
    escalated_at = models.DateTimeField(null=True, blank=True)
    breaching_sent = models.BooleanField(default=False)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["community", "due_at"],
                condition=models.Q(state__in=["waiting", "breached"]),
                name="care_clock_open",
            ),
            models.Index(
                fields=["due_at"], condition=models.Q(state="waiting"), name="care_clock_due"
            ),
        ]

    def __str__(self):
        return f"{self.thread_id}: {self.state}"


class ExpertOptIn(models.Model):
    """A member who wants new questions of a community offered to them live."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="care_unique_optin"),
        ]

    def __str__(self):
        return f"{self.user_id} in {self.community_id}"


class Duty(models.Model):
    """A moderator on duty: gets the community's alerts as notices."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="care_unique_duty"),
        ]

    def __str__(self):
        return f"{self.user_id} on duty in {self.community_id}"
