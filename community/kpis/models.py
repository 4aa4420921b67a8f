"""Goals the brand sets for its KPIs, and the exports members of staff ask for."""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.kpis.definitions import GOALS, GRANULARITY_LABELS


class Goal(models.Model):
    """An objective for one KPI of one community (or of the whole site), per period.

    ``granularity`` is the period the target is for: "interaction rate 0.8 per month"
    is judged month by month. A goal applies from ``starts_on`` until ``ends_on``
    (open-ended when empty); a report shows each period of its range against it.
    """

    community = models.ForeignKey(
        "community.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kpi_goals",
        help_text=_("Empty for a site-wide goal."),
    )
    kpi = models.CharField(_("KPI"), max_length=40, choices=[(k, v[0]) for k, v in GOALS.items()])
    granularity = models.CharField(
        _("per"),
        max_length=8,
        choices=list(GRANULARITY_LABELS.items()),
        default="month",
    )
    target = models.FloatField(_("target"), validators=[MinValueValidator(0)])
    starts_on = models.DateField(_("from"), default=timezone.localdate)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "kpi", "granularity"],
                name="kpi_goal_unique",
            ),
            models.UniqueConstraint(
                fields=["kpi", "granularity"],
                condition=Q(community__isnull=True),
                name="kpi_goal_unique_site",
            ),
        ]
        ordering = ["kpi", "granularity"]
        verbose_name = _("KPI goal")
        verbose_name_plural = _("KPI goals")

    def __str__(self):
        return f"{self.kpi} {self.target} / {self.granularity}"

    @property
    def direction(self):
        return GOALS[self.kpi][2]


def export_storage():
    return storages["kpi_exports"]


class ExportJob(models.Model):
    """An export asked for from the dashboard, written by a background task.

    Its file lives outside MEDIA_ROOT (the ``kpi_exports`` storage) and is served only to
    its requester, through a signed link that expires (``community.kpis.jobs``).
    """

    class Kind(models.TextChoices):
        REPORT = "report", _("KPI report")
        MEMBERS = "members", _("Member engagement (CRM)")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        JSON = "json", "JSON"

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kpi_exports"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.REPORT)
    format = models.CharField(max_length=4, choices=Format.choices, default=Format.CSV)
    start = models.DateField()
    end = models.DateField()
    granularity = models.CharField(max_length=8, default="day")
    site = models.BooleanField(default=False)
    communities = models.JSONField(default=list)  # community ids
    pseudonymise = models.BooleanField(default=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    rows = models.PositiveIntegerField(default=0)
    file = models.FileField(storage=export_storage, upload_to="kpis/%Y/%m/", blank=True)
    error = models.CharField(max_length=200, blank=True)
    # What the file holds (definitions version, range, communities, rows...): inside an
    # XLSX or JSON file too, but a CSV cannot carry it, so the page serves it beside.
    manifest = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("KPI export")
        verbose_name_plural = _("KPI exports")

    def __str__(self):
        return f"{self.kind}.{self.format} for {self.requester_id} ({self.state})"
