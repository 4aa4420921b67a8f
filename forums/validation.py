"""Cleaners of what members write: a post's body, a thread's title, a client_id, a poll.

Each returns the cleaned value or raises ``ValidationError`` keyed by the
field, with a message that says what is wrong. The actions call them; forms
and the API may too, so that every surface refuses the same input.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from community.validators import validate_moment, validate_single_line, validate_text
from forums.models import Poll


def clean_body(body):
    """Return the stripped body, or raise with a message that says what is wrong."""
    if not isinstance(body, str):
        raise ValidationError({"body": _("Write a message.")})
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a message: it cannot be empty.")})
    limit = settings.FORUMS_MAX_POST_LENGTH
    if len(body) > limit:
        raise ValidationError(
            {"body": _("A message can be at most %(limit)d characters.") % {"limit": limit}}
        )
    try:
        validate_text(body)
    except ValidationError as error:
        raise ValidationError({"body": error.messages}) from None
    return body


def clean_title(title):
    title = (title or "").strip() if isinstance(title, str) else ""
    if not title:
        raise ValidationError({"title": _("Give your thread a title.")})
    if len(title) > 200:
        raise ValidationError({"title": _("A title can be at most 200 characters.")})
    try:
        validate_single_line(title)
    except ValidationError as error:
        raise ValidationError({"title": error.messages}) from None
    return title


def clean_client_id(client_id):
    client_id = client_id or ""
    if not isinstance(client_id, str) or len(client_id) > 64:
        raise ValidationError({"client_id": _("A client_id is a string of at most 64 characters.")})
    return client_id


# A closing time further away is a typo or a probe (year 9999), not a poll.
POLL_LONGEST = timedelta(days=3653)


def clean_poll(poll):
    """Check a new poll's options and rules; return them cleaned."""
    if not isinstance(poll, dict):
        raise ValidationError({"options": _("A poll needs its options.")})
    raw = poll.get("options")
    if not isinstance(raw, list | tuple):
        raise ValidationError({"options": _("A poll needs its options.")})
    options = [o.strip() for o in raw if isinstance(o, str) and o.strip()]
    if not Poll.MIN_OPTIONS <= len(options) <= Poll.MAX_OPTIONS or len(options) != len(raw):
        raise ValidationError(
            {
                "options": _("A poll has %(min)d to %(max)d options, none of them empty.")
                % {"min": Poll.MIN_OPTIONS, "max": Poll.MAX_OPTIONS}
            }
        )
    if len({o.casefold() for o in options}) != len(options):
        raise ValidationError({"options": _("Each option must be different.")})
    for option in options:
        if len(option) > 200:
            raise ValidationError({"options": _("An option can be at most 200 characters.")})
        try:
            validate_single_line(option)
        except ValidationError as error:
            raise ValidationError({"options": error.messages}) from None
    closes_at = poll.get("closes_at")
    if closes_at is not None and (
        not isinstance(closes_at, datetime) or timezone.is_naive(closes_at)
    ):
        raise ValidationError({"closes_at": _("Give the closing time with its time zone.")})
    if closes_at is not None:
        # Range first: comparing with now is safe only for a moment every zone can show.
        try:
            validate_moment(closes_at)
        except ValidationError as error:
            raise ValidationError({"closes_at": error.messages}) from None
        if closes_at <= timezone.now():
            raise ValidationError({"closes_at": _("The closing time must be in the future.")})
        if closes_at > timezone.now() + POLL_LONGEST:
            raise ValidationError(
                {"closes_at": _("A poll stays open at most 10 years: choose an earlier time.")}
            )
    return {"options": options, "multiple": bool(poll.get("multiple")), "closes_at": closes_at}
