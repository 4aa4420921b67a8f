"""What a member shows on their profile: motto, cover picture, title, featured badges,
and which of their badges they hide."""

from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps

from badges.actions._common import unshowcase
from badges.models import Award, Showcase
from community import activity
from community.errors import Forbidden
from community.images import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, decode_upload, encode_webp

MAX_FEATURED = 3
# A cover is a wide band above the profile: cropped to this size, as an avatar to its square.
COVER_SIZE = (1500, 500)


def update_showcase(
    actor, *, motto=None, cover=None, remove_cover=False, title=None, featured=None
):
    """Change the actor's own showcase; what is None stays as it is.

    ``motto``: one line, at most 120 characters ("" clears it). ``cover``: an upload,
    checked and re-encoded as an avatar is (``community.images``). ``title``: a Badge
    they hold, do not hide and that can be worn as a title, or "" to wear none.
    ``featured``: up to ``MAX_FEATURED`` Badges they hold and do not hide, in order.
    """
    if not actor.is_authenticated:
        raise Forbidden(_("Sign in to take part."), code="not_authenticated")
    errors = {}
    processed = None
    if cover is not None:
        try:
            processed = process_cover(cover)
        except ValidationError as refusal:
            errors["cover"] = refusal.error_list
    with transaction.atomic():
        showcase, _created = Showcase.objects.select_for_update().get_or_create(user=actor)
        changed = []
        if motto is not None:
            showcase.motto = motto.strip()
            changed.append("motto")
        shown = None
        if title is not None or featured is not None:
            shown = {
                award.badge_id: award.badge
                for award in Award.objects.filter(user=actor, hidden=False).select_related("badge")
            }
        if title is not None:
            _set_title(showcase, title, shown, errors)
            changed.append("title")
        if featured is not None:
            _set_featured(showcase, featured, shown, errors)
            changed.append("featured")
        try:
            showcase.full_clean(exclude=["user", "cover", "title", "featured", *errors])
        except ValidationError as refusal:
            errors.update(refusal.error_dict)
        if errors:
            raise ValidationError(errors)
        if processed is not None:
            _replace_cover(showcase, processed)
            changed.append("cover")
        elif remove_cover and showcase.cover:
            _replace_cover(showcase, None)
            changed.append("cover")
        if changed:
            showcase.save(update_fields=changed)
        activity.record("showcase.updated", actor=actor, target_user=actor, fields=changed)
    return showcase


def set_award_hidden(actor, award, hidden):
    """Hide one of the actor's badges from their profile, or show it again. A hidden
    badge is no longer worn as their title nor featured."""
    if not actor.is_authenticated or award.user_id != actor.pk:
        raise Forbidden(
            _("Only the member who holds a badge can hide or show it."), code="not_holder"
        )
    with transaction.atomic():
        award = Award.objects.select_for_update().get(pk=award.pk)
        if award.hidden == bool(hidden):
            return award
        award.hidden = bool(hidden)
        award.save(update_fields=["hidden"])
        fields = ["hidden_badges", *(unshowcase(actor.pk, [award.badge_id]) if hidden else [])]
        activity.record("showcase.updated", actor=actor, target_user=actor, fields=fields)
    return award


def process_cover(upload):
    """A ``COVER_SIZE`` WebP picture made from the pixels of ``upload`` (nothing else of it
    kept), or a ValidationError with the code of ``community.images``."""
    image = decode_upload(
        upload,
        max_bytes=getattr(settings, "COVER_MAX_BYTES", DEFAULT_MAX_BYTES),
        max_pixels=getattr(settings, "COVER_MAX_PIXELS", DEFAULT_MAX_PIXELS),
        needed_size=lambda width, height: COVER_SIZE,
    )
    cover = ImageOps.fit(image, COVER_SIZE, method=Image.Resampling.LANCZOS)
    return ContentFile(encode_webp(cover), name=f"{uuid4().hex}.webp")


def _set_title(showcase, title, shown, errors):
    if title == "":
        showcase.title = None
        return
    badge = shown.get(getattr(title, "pk", None))
    if badge is None:
        errors["title"] = [
            ValidationError(
                _("Choose a title among the badges you hold and show."), code="not_held"
            )
        ]
    elif not badge.is_title:
        errors["title"] = [
            ValidationError(_("This badge cannot be worn as a title."), code="not_a_title")
        ]
    else:
        showcase.title = badge


def _set_featured(showcase, featured, shown, errors):
    featured = list(featured)
    ids = list(dict.fromkeys(getattr(badge, "pk", None) for badge in featured))
    if len(ids) > MAX_FEATURED:
        errors["featured"] = [
            ValidationError(
                ngettext(
                    "Feature at most %(n)d badge.", "Feature at most %(n)d badges.", MAX_FEATURED
                )
                % {"n": MAX_FEATURED},
                code="too_many_featured",
            )
        ]
    elif any(pk not in shown for pk in ids):
        errors["featured"] = [
            ValidationError(_("Feature only badges you hold and show."), code="not_held")
        ]
    else:
        showcase.featured = ids


def _replace_cover(showcase, processed):
    """Store the new cover (or none) and delete the old file once the change commits."""
    old = showcase.cover.name if showcase.cover else None
    if processed is None:
        showcase.cover = ""
    else:
        showcase.cover.save(processed.name, processed, save=False)
    if old:
        storage = showcase.cover.storage
        transaction.on_commit(lambda: storage.delete(old))
