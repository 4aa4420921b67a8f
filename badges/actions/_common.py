"""What several of the badges app's actions share: refusals, short names, showcases."""

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from badges.models import Showcase


def refuse(field, message, code):
    """The ValidationError of one field, with a ``code`` the API answers with."""
    return ValidationError({field: ValidationError(message, code=code)})


def free_slug(queryset, name, *, max_length, fallback):
    """A short name made from ``name`` that no row of ``queryset`` has: ``name``'s slug,
    else with ``-2``, ``-3``... One query. The caller saves it in a savepoint and asks
    again if another creation took it meanwhile (the unique constraint says so)."""
    base = slugify(name)[: max_length - 4].strip("-") or fallback
    taken = set(queryset.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base[: max_length - len(str(number)) - 1]}-{number}"


def unshowcase(user_id, badge_ids):
    """Take badges off a member's title and featured badges (a badge they no longer hold
    or show, a badge no longer a title). Returns the names of the fields changed; call
    inside the action's transaction."""
    showcase = Showcase.objects.select_for_update().filter(user_id=user_id).first()
    if showcase is None:
        return []
    changed = []
    if showcase.title_id in badge_ids:
        showcase.title = None
        changed.append("title")
    featured = [pk for pk in showcase.featured if pk not in badge_ids]
    if featured != showcase.featured:
        showcase.featured = featured
        changed.append("featured")
    if changed:
        showcase.save(update_fields=changed)
    return changed
