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
    authors and author lines.

    One query can serve several keys: a facet with ``keys`` names a group, not a key;
    ``load`` returns ``{user_id: {key: value}}``, ``empty()`` the dict of every key's
    empty value, and ``html`` gets that dict. The thread page's author line costs one
    query per facet, so what it shows together is best loaded together."""

    key: str
    load: Callable[[list[int], Any, Any], Mapping[int, Any]]
    empty: Callable[[], Any] = dict
    html: Callable[[Any], str] | None = None
    on_authors: bool = True
    keys: tuple[str, ...] = ()

    @property
    def provides(self):
        """The payload keys this facet fills."""
        return self.keys or (self.key,)

    def value(self, values):
        """What ``html`` renders, from one member's loaded values."""
        if self.keys:
            return {key: values[key] for key in self.keys}
        return values[self.key]

    def shows(self, values):
        """Whether the author line shows this facet: a group, when any of its keys has a value."""
        return any(values[key] for key in self.provides)

    def empties(self):
        return self.empty() if self.keys else {self.key: self.empty()}


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
    for key in facet.provides:
        if key in RESERVED:
            raise ValueError(f"Member facet {key!r} would replace a key members carry.")
        taken = [other.key for other in _facets.values() if key in other.provides]
        if taken and _facets.get(facet.key) != facet:
            raise ValueError(f"Member facet {key!r} is already registered.")
    if facet.key in _facets and _facets[facet.key] != facet:
        raise ValueError(f"Member facet {facet.key!r} is already registered.")
    _facets[facet.key] = facet


def unregister(key):
    """Remove a facet (tests register their own)."""
    _facets.pop(key, None)


def names():
    """Every payload key the registered facets fill."""
    return [key for facet in _facets.values() for key in facet.provides]


class Loaded(dict):
    """``{user_id: {key: value}}`` for a batch of members; ``html(user_id)`` is their
    author line's fragments."""

    def __init__(self, values, facets):
        super().__init__(values)
        self.facets = facets

    def for_user(self, user_id):
        values = self.get(user_id)
        if values is None:
            return {key: value for facet in self.facets for key, value in facet.empties().items()}
        return values

    def html(self, user_id):
        values = self.for_user(user_id)
        parts = [
            (facet.html(facet.value(values)),)
            for facet in self.facets
            if facet.html is not None and facet.shows(values)
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
            if facet.keys:
                loaded[user_id].update(facet.empties())
                loaded[user_id].update(value or {})
            else:
                loaded[user_id][facet.key] = facet.empty() if value is None else value
    return loaded
