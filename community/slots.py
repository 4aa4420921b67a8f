"""Page slots: HTML that the apps built on community add to its pages.

Community's pages cannot import those apps, so each registers a renderer for a
named place from its ``ready()``, as it registers facets (``community.facets``):

- ``"profile"``: sections of a member's profile page, ``render(request, member)``;
- ``"community_links"``: links under a community's header, ``render(request, community)``;
- ``"main_nav"``: items of the site menu, ``render(request)``.

A renderer returns HTML-safe text (``render_to_string`` or ``format_html``) or "".
It decides what the viewer may see: a section about a hidden community must not
render for an outsider. A renderer that fails is logged and renders nothing, so
another app's bug never fails the page.
"""

import logging

from django.utils.html import format_html_join

logger = logging.getLogger(__name__)

PLACES = ("profile", "community_links", "main_nav")
_renderers: dict[str, list] = {place: [] for place in PLACES}


def register(place, render):
    """Add ``render`` to ``place``, after those already there. Call from AppConfig.ready()."""
    if place not in _renderers:
        raise ValueError(f"Unknown page slot {place!r}: one of {', '.join(PLACES)}.")
    if render not in _renderers[place]:
        _renderers[place].append(render)


def unregister(place, render):
    """Remove a renderer (tests register their own)."""
    if render in _renderers.get(place, ()):
        _renderers[place].remove(render)


def render(place, request, *args):
    """Every renderer's HTML for ``place``, in order, joined."""
    parts = []
    for renderer in _renderers[place]:
        try:
            parts.append(renderer(request, *args) or "")
        except Exception:
            logger.exception("Page slot %r: %s failed to render", place, renderer.__qualname__)
    # What a renderer marked safe stays as it is; a plain string is escaped.
    return format_html_join("", "{}", ((part,) for part in parts))
