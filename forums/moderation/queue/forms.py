from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from forums.moderation.queue.models import Flag


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=Flag.Reason.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if data.get("reason") == Flag.Reason.OTHER and not data.get("note", "").strip():
            raise ValidationError(_("Say what is wrong in a note."))
        return data


class QueueSettingsForm(forms.Form):
    hide_threshold = forms.FloatField(
        label=_("Weight of flags that hides a post pending review"),
        min_value=0.5,
        max_value=100,
    )
    claim_minutes = forms.IntegerField(label=_("Minutes a claim lasts"), min_value=1, max_value=240)
