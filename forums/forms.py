"""Forms for writing in the forums. They validate shape; the actions validate meaning."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from forums.models import Thread


class _BodyMixin(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, *italic*, `code`, lists, links, tables; @name mentions."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = settings.FORUMS_MAX_POST_LENGTH
        self.fields["body"].widget.attrs["maxlength"] = settings.FORUMS_MAX_POST_LENGTH


class ThreadForm(_BodyMixin):
    kind = forms.ChoiceField(label=_("Kind"), choices=Thread.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    replies_allowed = forms.BooleanField(
        label=_("Members may reply (announcements)"), required=False, initial=True
    )
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    field_order = ["kind", "title", "body", "replies_allowed", "client_id"]

    def __init__(self, *args, can_announce=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = Thread.Kind.choices
        if not can_announce:
            choices = [c for c in choices if c[0] != Thread.Kind.ANNOUNCEMENT]
            del self.fields["replies_allowed"]
        # Polls come with their options in the polls work; not offered here yet.
        self.fields["kind"].choices = [c for c in choices if c[0] != Thread.Kind.POLL]

    def clean(self):
        data = super().clean()
        data.setdefault("replies_allowed", True)
        return data


class ReplyForm(_BodyMixin):
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class EditForm(_BodyMixin):
    pass
