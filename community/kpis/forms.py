"""The dashboard's forms: the range picked, a goal set, an export asked for.

Goals are entered as a person thinks of them: shares as percentages (90 for 90 %) and
response times in minutes; the form converts them to the unit the goal is stored in
(a share between 0 and 1, seconds), which is what the API and exports show.
"""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.kpis.definitions import GOALS, GRANULARITIES, GRANULARITY_LABELS
from community.models import ExportJob

PRESETS = (7, 30, 90)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def granularity_choices():
    return [(g, GRANULARITY_LABELS[g]) for g in GRANULARITIES]


class RangeForm(forms.Form):
    """The dashboard's GET form: whose figures, from when to when, by what."""

    community = forms.ChoiceField(label=_("Figures of"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    granularity = forms.ChoiceField(label=_("By"), required=False, choices=granularity_choices)

    def __init__(self, data, *, scopes, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["community"].choices = scopes


class GoalForm(forms.Form):
    """A goal for one KPI of one community (or the site), per day, week or month."""

    community = forms.ChoiceField(label=_("Community"))
    kpi = forms.ChoiceField(label=_("KPI"), choices=[(k, v[0]) for k, v in GOALS.items()])
    granularity = forms.ChoiceField(label=_("Per"), choices=granularity_choices, initial="month")
    target = forms.FloatField(
        label=_("Target"),
        help_text=_(
            "Shares (answered within target, questions solved) as a percentage: 90 for 90 %. "
            "Response times in minutes. Other KPIs as they are shown."
        ),
    )
    starts_on = forms.DateField(label=_("From"), widget=DateInput(), initial=timezone.localdate)
    ends_on = forms.DateField(
        label=_("Until"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for a goal that stays."),
    )

    def __init__(self, data=None, *, scopes, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["community"].choices = scopes

    def clean(self):
        data = super().clean()
        kpi, target = data.get("kpi"), data.get("target")
        if kpi in GOALS and target is not None:
            unit = GOALS[kpi][1]
            if target < 0:
                self.add_error("target", _("The target cannot be negative."))
            elif unit == "share" and target > 100:
                self.add_error("target", _("A share is a percentage between 0 and 100."))
            elif unit == "share":
                data["value"] = round(target / 100, 6)
            elif unit == "seconds":
                data["value"] = round(target * 60, 3)
            else:
                data["value"] = target
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The goal cannot end before it starts."))
        return data


def shown_target(kpi, target):
    """A stored target as the goal form shows it (percent, minutes)."""
    unit = GOALS[kpi][1]
    if unit == "share":
        return round(target * 100, 4)
    if unit == "seconds":
        return round(target / 60, 4)
    return target


class ExportForm(forms.Form):
    """What to export of the range on screen."""

    community = forms.CharField(required=False, widget=forms.HiddenInput)
    start = forms.DateField(widget=forms.HiddenInput)
    end = forms.DateField(widget=forms.HiddenInput)
    granularity = forms.ChoiceField(choices=granularity_choices, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("What"), choices=ExportJob.Kind.choices, initial=ExportJob.Kind.REPORT
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=ExportJob.Format.choices, initial=ExportJob.Format.CSV
    )
    pseudonymise = forms.BooleanField(
        label=_("Pseudonymise members (member export)"), required=False
    )


def preset_range(days, today=None):
    today = today or timezone.localdate()
    return today - timedelta(days=days - 1), today
