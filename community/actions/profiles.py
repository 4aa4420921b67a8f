"""Changing a member's profile: name, bio, language, time zone, avatar, profile fields."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community import activity, permissions
from community.errors import Forbidden
from community.models import Profile, ProfileField, ProfileFieldValue
from community.validators import is_invisible


def update_profile(
    actor,
    user,
    *,
    display_name=None,
    bio=None,
    language=None,
    time_zone=None,
    avatar=None,
    remove_avatar=False,
    fields=None,
    share_with_crm=None,
):
    """Change a member's profile. ``avatar`` is an upload, checked and re-encoded here.

    ``fields`` maps ProfileField keys to values ("" clears one). ``share_with_crm`` is
    the member's consent to the CRM export: theirs alone to give or withdraw.
    """
    permissions.check_edit_profile(actor, user)
    if share_with_crm is not None and actor.pk != user.pk:
        raise Forbidden(_("Only the member can change their consent."), code="consent_is_theirs")
    from community.images import process_avatar

    profile = Profile.objects.get(user=user)
    changed = []
    for name, value in (
        ("display_name", display_name),
        ("bio", bio),
        ("language", language),
        ("time_zone", time_zone),
    ):
        if value is not None:
            setattr(profile, name, value.strip() if name in {"display_name", "bio"} else value)
            changed.append(name)
    if share_with_crm is not None and share_with_crm != profile.share_with_crm:
        profile.share_with_crm = bool(share_with_crm)
        changed.append("share_with_crm")
    if avatar is not None:
        try:
            processed = process_avatar(avatar)
        except ValidationError as error:
            raise ValidationError({"avatar": error.messages}) from None
    profile.full_clean(exclude=["avatar", "user"])
    definitions = {field.key: field for field in ProfileField.objects.all()} if fields else {}
    errors = {}
    for key, value in (fields or {}).items():
        field = definitions.get(key)
        value = (value or "").strip()
        if field is None:
            errors[key] = _("Unknown profile field.")
        elif any(is_invisible(c) for c in value):
            errors[key] = _("Remove the control or invisible characters from this text.")
        elif len(value) > field.max_length:
            errors[key] = ngettext(
                "At most %(n)d character.", "At most %(n)d characters.", field.max_length
            ) % {"n": field.max_length}
        elif value and field.choice_list and value not in field.choice_list:
            errors[key] = _("Choose one of the proposed answers.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if avatar is not None:
            old = profile.avatar.name if profile.avatar else None
            profile.avatar.save(processed.name, processed, save=False)
            changed.append("avatar")
            if old:
                name = old
                transaction.on_commit(lambda: profile.avatar.storage.delete(name))
        elif remove_avatar and profile.avatar:
            name = profile.avatar.name
            profile.avatar = ""
            changed.append("avatar")
            transaction.on_commit(lambda: profile.avatar.storage.delete(name))
        profile.save(update_fields=[*changed, "updated_at"])
        for key, value in (fields or {}).items():
            value = (value or "").strip()
            if value:
                ProfileFieldValue.objects.update_or_create(
                    profile=profile, field=definitions[key], defaults={"value": value}
                )
            else:
                ProfileFieldValue.objects.filter(profile=profile, field=definitions[key]).delete()
        activity.record("profile.updated", actor=actor, target_user=user, fields=changed)
    return profile
