"""Forms for the community pages. They validate input; the actions write."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community import actions
from community.dates import time_zone_choices
from community.models import Community, Membership, Profile
from community.validators import validate_display_name


class SignupExtraForm(forms.Form):
    """Fields allauth's signup form gains (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        required=False,
        validators=[validate_display_name],
        help_text=_("How your name appears to others. You can change it later."),
    )

    def signup(self, request, user):
        name = self.cleaned_data.get("display_name", "").strip()
        if name:
            actions.update_profile(user, user, display_name=name)


def apply_errors(form, error):
    """Put an action's ValidationError next to the fields it names."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"), max_length=60, required=False, validators=[validate_display_name]
    )
    bio = forms.CharField(
        label=_("About me"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=Profile.Language.choices, required=False
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        required=False,
        help_text=_("Dates and times are shown in this time zone."),
    )
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("A JPEG, PNG, GIF or WebP image, at most 5 MB. It is cropped to a square."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)
    # The member's consent to the CRM export (community.kpis.exports): off by default.
    share_with_crm = forms.BooleanField(
        label=_("Share my engagement with the brand's customer service"),
        required=False,
        help_text=_(
            "When ticked, the brand's managers may include your username, your email "
            "address and your activity in their communities (interactions, level, badges, "
            "the day you joined) in the exports they load into their customer records. "
            "Off unless you tick it; untick it at any time and the next export leaves you "
            "out (exports are deleted a day after they are made)."
        ),
    )

    def __init__(self, *args, profile_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.profile_fields = list(profile_fields)
        for field in self.profile_fields:
            name = f"field_{field.key}"
            if field.choice_list:
                self.fields[name] = forms.ChoiceField(
                    label=field.label,
                    help_text=field.help_text,
                    required=False,
                    choices=[("", "—"), *((c, c) for c in field.choice_list)],
                )
            else:
                self.fields[name] = forms.CharField(
                    label=field.label,
                    help_text=field.help_text,
                    required=False,
                    max_length=field.max_length,
                )
        # The consent comes last, after the brand's own questions.
        self.fields["share_with_crm"] = self.fields.pop("share_with_crm")

    def custom_values(self):
        return {f.key: self.cleaned_data.get(f"field_{f.key}", "") for f in self.profile_fields}

    def add_error(self, field, error):
        if field and field not in self.fields and f"field_{field}" in self.fields:
            field = f"field_{field}"
        super().add_error(field, error)


class CommunityForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = ["name", "description", "kind", "visibility", "join_policy"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "kind": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "join_policy": forms.RadioSelect,
        }


class CommunityCreateForm(CommunityForm):
    class Meta(CommunityForm.Meta):
        fields = ["name", "slug", "description", "kind", "visibility", "join_policy"]
        help_texts = {"slug": _("The community's address: letters, digits and hyphens.")}


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class BanForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (seen by moderators only)"), max_length=500, required=False
    )


def clean_or_error(form):
    if not form.is_valid():
        raise ValidationError(form.errors)
    return form.cleaned_data
