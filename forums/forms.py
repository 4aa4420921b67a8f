"""Forms for writing in the forums. They validate shape; the actions validate meaning."""

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.validators import MAX_DB_INT, validate_moment
from forums import images
from forums.models import Notification, NotificationSetting, Thread


class _BodyMixin(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, *italic*, `code`, lists, links, tables; @name mentions."),
    )

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        if community is not None:  # @mention suggestions from the community's members
            self.fields["body"].widget.attrs["data-mentions"] = reverse(
                "api-v1:list_members", args=[community.slug]
            )
            # An "Add an image" button (static/js/uploads.js).
            self.fields["body"].widget.attrs.update(images.upload_attributes(community))
        self.fields["body"].max_length = settings.FORUMS_MAX_POST_LENGTH
        self.fields["body"].widget.attrs["maxlength"] = settings.FORUMS_MAX_POST_LENGTH


class ThreadForm(_BodyMixin):
    kind = forms.ChoiceField(label=_("Kind"), choices=Thread.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    replies_allowed = forms.BooleanField(
        label=_("Members may reply (announcements)"), required=False, initial=True
    )
    options = forms.CharField(
        label=_("Poll options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Polls only: one option per line, 2 to 20."),
    )
    multiple = forms.BooleanField(label=_("Several answers allowed (polls)"), required=False)
    closes_at = forms.DateTimeField(
        label=_("Poll closes at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "max": "2099-12-31T23:59"}),
        help_text=_("Optional: leave empty for a poll that stays open."),
        validators=[validate_moment],
    )
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    field_order = [
        "kind",
        "title",
        "body",
        "options",
        "multiple",
        "closes_at",
        "replies_allowed",
        "client_id",
    ]

    def __init__(self, *args, can_announce=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = Thread.Kind.choices
        if not can_announce:
            choices = [c for c in choices if c[0] != Thread.Kind.ANNOUNCEMENT]
            del self.fields["replies_allowed"]
        self.fields["kind"].choices = choices

    def thread_arguments(self):
        """The cleaned form as keyword arguments for actions.create_thread."""
        data = self.cleaned_data
        poll = None
        if data["kind"] == Thread.Kind.POLL:
            poll = {
                "options": [line for line in data["options"].splitlines() if line.strip()],
                "multiple": data["multiple"],
                "closes_at": data["closes_at"],
            }
        return {
            "kind": data["kind"],
            "title": data["title"],
            "body": data["body"],
            "client_id": data["client_id"],
            "replies_allowed": data.get("replies_allowed", True),
            "poll": poll,
        }


class ReplyForm(_BodyMixin):
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    reply_to = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_DB_INT
    )


class EditForm(_BodyMixin):
    pass


class IdeaStatusForm(forms.Form):
    """An idea's status and the public note that explains it (managers, thread page)."""

    status = forms.ChoiceField(label=_("Status"), choices=Thread.IdeaStatus.choices)
    note = forms.CharField(
        label=_("Public note"),
        required=False,
        max_length=Thread._meta.get_field("idea_status_note").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to everyone under the idea."),
    )


class NotificationSettingsForm(forms.Form):
    """One email choice per kind of notification."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Notification.Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=NotificationSetting.Email.choices
            )
