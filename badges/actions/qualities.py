"""The qualities a community's members endorse each other for: its managers' list."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from badges import qualities
from badges.actions._common import free_slug, refuse
from badges.models import Quality
from community import activity, permissions
from community.errors import Conflict
from community.models import Community
from community.validators import validate_single_line

NAME_MAX_LENGTH = 60
SLUG_MAX_LENGTH = 40


def add_quality(actor, community, *, name, slug=None):
    """Add a quality to endorse (managers). Its slug is ``slug``, or made from its name
    (``-2``, ``-3``... when taken); a slug given and taken is a Conflict."""
    permissions.check_manage_badges(actor, community)
    name = _checked_name(name)
    if slug is not None:
        slug = _checked_slug(slug)
    with transaction.atomic():
        _lock(community)
        existing = qualities.for_community(community)
        if slug is not None and any(quality.slug == slug for quality in existing):
            raise _taken(slug)
        position = max((quality.position for quality in existing), default=-1) + 1
        quality = Quality(community=community, name=name, position=position)
        quality.slug = slug or free_slug(
            Quality.objects.filter(community=community),
            name,
            max_length=SLUG_MAX_LENGTH,
            fallback="quality",
        )
        try:
            with transaction.atomic():
                quality.save()
        except IntegrityError:  # under the community's lock, only a given slug can collide
            raise _taken(quality.slug) from None
        _record(actor, community, _snapshot(existing), [*existing, quality])
    return quality


def rename_quality(actor, quality, *, name):
    """Rename a quality (managers); its slug, and the endorsements given for it, stay."""
    community = quality.community
    permissions.check_manage_badges(actor, community)
    name = _checked_name(name)
    with transaction.atomic():
        _lock(community)
        existing = qualities.for_community(community)
        quality = next((q for q in existing if q.pk == quality.pk), None)
        if quality is None:
            raise _unknown()
        before = _snapshot(existing)
        quality.name = name
        quality.save(update_fields=["name"])
        _record(actor, community, before, existing)
    return quality


def remove_quality(actor, quality):
    """Remove a quality (managers), and the endorsements given for it."""
    community = quality.community
    permissions.check_manage_badges(actor, community)
    with transaction.atomic():
        _lock(community)
        existing = qualities.for_community(community)
        if not any(q.pk == quality.pk for q in existing):
            raise _unknown()
        Quality.objects.filter(pk=quality.pk).delete()
        _record(actor, community, _snapshot(existing), [q for q in existing if q.pk != quality.pk])


def _lock(community):
    """One change of the list at a time per community (positions, slugs, the ledger's
    before and after)."""
    Community.objects.select_for_update().filter(pk=community.pk).first()


def _snapshot(items):
    return [[quality.slug, quality.name] for quality in items]


def _record(actor, community, before, after):
    """``before``: the list's snapshot; ``after``: the qualities now."""
    activity.record(
        "qualities.updated",
        actor=actor,
        community=community,
        obj=community,
        before=before,
        after=_snapshot(after),
    )


def _checked_name(name):
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise refuse("name", _("Give the quality a name."), "blank")
    if len(name) > NAME_MAX_LENGTH:
        raise refuse("name", _("At most %(n)d characters.") % {"n": NAME_MAX_LENGTH}, "too_long")
    try:
        validate_single_line(name)
    except ValidationError as refusal:
        raise ValidationError({"name": refusal}) from None
    return name


def _checked_slug(slug):
    slug = slug.strip().lower() if isinstance(slug, str) else ""
    try:
        validate_slug(slug)
    except ValidationError:
        raise refuse(
            "slug",
            _("A short name of letters, digits and hyphens, such as “product-expert”."),
            "invalid_slug",
        ) from None
    if len(slug) > SLUG_MAX_LENGTH:
        raise refuse("slug", _("At most %(n)d characters.") % {"n": SLUG_MAX_LENGTH}, "too_long")
    return slug


def _taken(slug):
    return Conflict(
        _("This community already has a quality “%(slug)s”.") % {"slug": slug},
        code="quality_taken",
    )


def _unknown():
    return Http404(_("No quality found."))
