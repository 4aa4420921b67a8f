"""Member facets: what the apps built on community add to what is shown about a member.

The badges app adds a member's badges and levels, for example. A facet is a key
of the member payloads (``GET /api/v1/members/{username}``, the members list, post
authors in the API and in live events) and, if it says how, a fragment of the
author line on pages. Its loader takes every member shown at once, so a page or a
response costs one query per facet, never one per member; community cannot
import the apps built on it, so they register their facets from ``ready()``,
as they register unread counters (``community.unread``).
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html_join

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Facet:
    """``load(user_ids, community, viewer)`` returns ``{user_id: value}`` for the members it
    knows about; the others get ``empty()``. ``community`` is the one the page or response
    is about, or None (a profile). ``viewer`` is who will see the values: a facet about
    several communities shows only those the viewer may read
    (``community.permissions.filter_readable_communities``); None means whoever may read
    ``community`` (a live event goes to everyone on its stream). ``html(value)``, if
    given, renders the value on the author line (HTML-safe: build it with
    ``format_html``). ``on_authors=False`` keeps a facet to the member payloads, off post
    authors and author lines."""

    key: str
    load: Callable[[list[int], Any, Any], Mapping[int, Any]]
    empty: Callable[[], Any] = dict
    html: Callable[[Any], str] | None = None
    on_authors: bool = True


_facets: dict[str, Facet] = {}

# Keys the member payloads already carry: a facet may not replace them.
RESERVED = frozenset(
    {
        "username",
        "display_name",
        "avatar",
        "avatar_url",
        "role",
        "state",
        "community",
        "communities",
        "joined_at",
        "bio",
        "fields",
        "line_html",
    }
)


def register(facet):
    """Add a facet. Call once per key, from AppConfig.ready()."""
    if facet.key in RESERVED:
        raise ValueError(f"Member facet {facet.key!r} would replace a key members carry.")
    if facet.key in _facets and _facets[facet.key] != facet:
        raise ValueError(f"Member facet {facet.key!r} is already registered.")
    _facets[facet.key] = facet


def unregister(key):
    """Remove a facet (tests register their own)."""
    _facets.pop(key, None)


def names():
    return list(_facets)


class Loaded(dict):
    """``{user_id: {key: value}}`` for a batch of members; ``html(user_id)`` is their
    author line's fragments."""

    def __init__(self, values, facets):
        super().__init__(values)
        self.facets = facets

    def for_user(self, user_id):
        values = self.get(user_id)
        if values is None:
            return {facet.key: facet.empty() for facet in self.facets}
        return values

    def html(self, user_id):
        values = self.for_user(user_id)
        parts = [
            (facet.html(values[facet.key]),)
            for facet in self.facets
            if facet.html is not None and values[facet.key]
        ]
        return format_html_join("", "{}", parts)


def load(users: Iterable, *, viewer, community=None, authors=False) -> Loaded:
    """The facets of ``users`` (users or user ids) as ``viewer`` may see them, one loader
    call per facet; ``authors=True``: only those shown with post authors.

    A loader that fails is logged and its facet shown empty: another app's bug must not
    fail the page, the response, or the reply whose live event this is.
    """
    chosen = [facet for facet in _facets.values() if facet.on_authors or not authors]
    ids = list(dict.fromkeys(getattr(user, "pk", user) for user in users if user is not None))
    loaded = Loaded({user_id: {} for user_id in ids}, chosen)
    for facet in chosen:
        try:
            values = facet.load(ids, community, viewer) if ids else {}
        except Exception:
            logger.exception("Member facet %r failed to load", facet.key)
            values = {}
        for user_id in ids:
            value = values.get(user_id)
            loaded[user_id][facet.key] = facet.empty() if value is None else value
    return loaded
