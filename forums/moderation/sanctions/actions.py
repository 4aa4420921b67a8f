"""Warnings and moderators' notes: the write path (``community.permissions`` decides)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community import activity, permissions
from community.errors import Forbidden
from community.models import Membership
from forums.moderation import notices
from forums.moderation.models import Notice
from forums.moderation.sanctions.models import ModeratorNote

MAX_TEXT = 2000


def _text(text, field="text"):
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("Write something.")})
    if len(text) > MAX_TEXT:
        raise ValidationError({field: _("At most %(count)d characters.") % {"count": MAX_TEXT}})
    return text


def _member(actor, community, user):
    membership = permissions.membership_of(user, community)
    if membership is None:
        permissions.check_moderate(actor, community)
        raise Forbidden(_("This person is not a member of this community."), code="not_a_member")
    return membership


def warn(actor, community, user, *, text):
    """Warn a member privately: a notice only they (and the ledger) see."""
    text = _text(text)
    membership = _member(actor, community, user)
    permissions.check_sanction(actor, community, membership)
    with transaction.atomic():
        notice = notices.tell(user, Notice.Kind.WARNING, text, community=community, actor=actor)
        activity.record(
            "member.warned",
            actor=actor,
            community=community,
            target_user=user,
            obj=notice,
            reason=text,
        )
    return notice


def add_note(actor, community, user, *, text):
    """Write a private note on a member (member, or banned) for the community's moderators."""
    text = _text(text)
    permissions.check_moderator_notes(actor, community)
    if not Membership.objects.filter(community=community, user=user).exists():
        raise Forbidden(_("This person is not a member of this community."), code="not_a_member")
    with transaction.atomic():
        note = ModeratorNote.objects.create(community=community, user=user, author=actor, text=text)
        activity.record(
            "member.noted", actor=actor, community=community, target_user=user, obj=note
        )
    return note
