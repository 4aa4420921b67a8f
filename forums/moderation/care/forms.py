import json

from django import forms
from django.utils.translation import gettext_lazy as _

from forums.moderation.care import timer
from forums.moderation.care.models import ResponsePolicy


class ResponsePolicyForm(forms.Form):
    enabled = forms.BooleanField(label=_("Measure first responses"), required=False)
    target_minutes = forms.IntegerField(
        label=_("First-response target (minutes)"), min_value=1, max_value=7 * 24 * 60
    )
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64, help_text=_("e.g. Europe/Paris")
    )
    business_hours = forms.CharField(
        label=_("Business hours"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            'JSON by weekday (0 is Monday), e.g. {"0": [["09:00", "18:00"]]}. Empty: always open.'
        ),
    )
    responders = forms.ChoiceField(
        label=_("Who counts as a responder"),
        choices=ResponsePolicy.Responders.choices,
        widget=forms.RadioSelect,
    )
    responder_min_level = forms.IntegerField(
        label=_("Lowest responder level (rank, 0 is the first step)"), min_value=0, max_value=20
    )
    routing_enabled = forms.BooleanField(label=_("Offer new questions to experts"), required=False)

    def clean_business_hours(self):
        text = self.cleaned_data["business_hours"].strip()
        if not text:
            return {}
        try:
            hours = json.loads(text)
            timer.parse_hours(hours)
        except (ValueError, TypeError) as error:
            raise forms.ValidationError(_("These hours cannot be read: %s") % error) from None
        return hours

    @classmethod
    def initial_for(cls, policy):
        return {
            "enabled": policy.enabled,
            "target_minutes": policy.target_minutes,
            "time_zone": policy.time_zone,
            "business_hours": json.dumps(policy.business_hours) if policy.business_hours else "",
            "responders": policy.responders,
            "responder_min_level": policy.responder_min_level,
            "routing_enabled": policy.routing_enabled,
        }
