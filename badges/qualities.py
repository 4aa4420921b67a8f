"""The qualities members endorse each other for, per community.

Each community starts with four (``DEFAULTS``: helpful, clear, kind, expert), which
its managers rename, remove or add to (``badges.actions``). A default quality is
stored with its English name, the message id, and shown translated into the
reader's language for as long as it keeps that name (``label``); a manager's rename
is shown as typed. So the stored rows never depend on who created the community,
and a French reader sees "Serviable" where an English one sees "Helpful".

The defaults are written when a community is created (``connect``), by the data
migration for the communities that existed before, and on first use by
``for_community`` for a community that has none and whose list its managers never
edited (a community created in a transaction whose receivers did not run, as in
tests).
"""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from badges.models import Quality
from community import activity
from community.models import Activity, Community

DEFAULTS = (
    ("helpful", _("Helpful")),
    ("clear", _("Clear explainer")),
    ("kind", _("Kind")),
    ("expert", _("Expert")),
)
_DEFAULT_NAMES = dict(DEFAULTS)


def untranslated(name):
    """The message id of a lazily translated ``name``: what a default quality stores."""
    with translation.override(None):
        return str(name)


def label(quality):
    """The quality's name for the current reader: a default one still under its default
    name is translated, any other name is shown as stored."""
    default = _DEFAULT_NAMES.get(quality.slug)
    if default is not None and quality.name == untranslated(default):
        return str(default)
    return quality.name


def create_defaults(community):
    """Write the default qualities that ``community`` lacks. Safe to run twice or at once
    from two processes (the unique constraint keeps one of each)."""
    Quality.objects.bulk_create(
        [
            Quality(community=community, slug=slug, name=untranslated(name), position=position)
            for position, (slug, name) in enumerate(DEFAULTS)
        ],
        ignore_conflicts=True,
    )


def _edited(community):
    return Activity.objects.filter(community=community, verb="qualities.updated").exists()


def for_community(community):
    """The community's qualities in their order, the defaults written first if it has none
    and its managers never edited the list (removing every quality is a choice kept)."""
    qualities = list(Quality.objects.filter(community=community))
    if not qualities and not _edited(community):
        create_defaults(community)
        qualities = list(Quality.objects.filter(community=community))
    return qualities


def _on_community_created(entry):
    create_defaults(Community(pk=entry.community_id))


def connect():
    """Give every new community the default qualities, once its creation commits."""
    activity.connect("community.created", _on_community_created)
