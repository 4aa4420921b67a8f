from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _future(value):
    if value is not None and value <= timezone.now():
        raise forms.ValidationError(_("Choose an end date in the future."))
    return value


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class WarnForm(TextForm):
    text = forms.CharField(
        label=_("Warning (the member reads it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoteForm(TextForm):
    text = forms.CharField(
        label=_("Note (moderators of this community only)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SanctionForm(forms.Form):
    until = forms.DateTimeField(label=_("Until"), widget=LocalDateTimeInput())
    reason = forms.CharField(
        label=_("Reason (the member reads it)"), max_length=500, required=False
    )

    def clean_until(self):
        return _future(self.cleaned_data["until"])


class BanUntilForm(SanctionForm):
    until = forms.DateTimeField(
        label=_("Until (empty: no end)"), required=False, widget=LocalDateTimeInput()
    )


class AuditFilterForm(forms.Form):
    verb = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("By (username)"), max_length=150, required=False)
    since = forms.DateTimeField(label=_("Since"), required=False, widget=LocalDateTimeInput())

    def __init__(self, *args, verbs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verb"].choices = [("", _("All"))] + [(name, name) for name in verbs]
