"""Content as the API and the member feed show it: one item per page, in one batch.

Every item has what a teaser may show (``id, type, title, teaser, url,
published_at, audience_met, hints``). Only when the viewer meets the audience
does it carry the rest: ``body`` (the article's body or the offer's or event's
description, as HTML) and the fields of its kind:

- offer: ``valid_from``, ``valid_until``, ``mode``, and ``code``/``revealed_at``
  (the code the viewer revealed, else None: revealing is an action of its own);
- event: ``starts_at``, ``ends_at``, ``time_zone``, ``capacity``, ``places_left``,
  ``registration`` (``{state, position}`` or None), and ``place`` and
  ``online_link`` only for those going.

A teaser item carries none of those keys: nothing exclusive, not even empty.
Queries for a batch: one per kind among the met pages (their specific fields),
then one for the viewer's reveals, one for the events' going counts and one for
the viewer's registrations, whatever the number of items.
"""

import datetime

from wagtail.rich_text import expand_db_html

from cms import gating
from cms.events import queries as event_queries
from cms.models import ArticlePage, EventPage, OfferPage, Registration
from cms.offers import queries as offer_queries

KINDS = {"article": ArticlePage, "offer": OfferPage, "event": EventPage}
Going = Registration.State.GOING
Waitlisted = Registration.State.WAITLISTED


def iso(value):
    """ISO 8601 in UTC (``...Z``), or None."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def teaser_data(page, access, request=None):
    """What anyone shown the page may know of it."""
    return {
        "id": page.pk,
        "type": gating.kind_of(page),
        "title": page.title,
        "teaser": page.teaser,
        "url": page.get_url(request=request),
        "published_at": iso(page.first_published_at),
        "audience_met": access.met,
        "hints": list(access.hints),
    }


def _specifics(pages):
    """``{pk: specific page}`` for ``pages``: one query per kind present."""
    found, wanted = {}, {}
    for page in pages:
        if isinstance(page, tuple(KINDS.values())):
            found[page.pk] = page
        else:
            wanted.setdefault(gating.kind_of(page), []).append(page.pk)
    for kind, ids in wanted.items():
        model = KINDS.get(kind)
        if model is not None:
            found.update((page.pk, page) for page in model.objects.filter(pk__in=ids))
    return found


def _offer_data(offer, reveal):
    return {
        "body": expand_db_html(offer.description),
        "valid_from": iso(offer.valid_from),
        "valid_until": iso(offer.valid_until),
        "mode": offer.code_mode,
        "code": reveal.code if reveal else None,
        "revealed_at": iso(reveal.revealed_at) if reveal else None,
    }


def _event_data(event, going, registration):
    data = {
        "body": expand_db_html(event.description),
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "time_zone": event.time_zone,
        "capacity": event.capacity,
        "places_left": event_queries.places_from(event.capacity, going),
        "registration": registration,
    }
    if registration and registration["state"] == Going:
        # Registrants only: never in a teaser, nor for the waiting list.
        data["place"] = event.place
        data["online_link"] = event.online_link
    return data


def items(user, pairs, request=None):
    """The API's items for ``[(page, Access)]`` (``gating.visible``), in order."""
    met = [page for page, access in pairs if access.met]
    specific = _specifics(met)
    offers = [pk for pk, page in specific.items() if isinstance(page, OfferPage)]
    events = [pk for pk, page in specific.items() if isinstance(page, EventPage)]
    reveals = offer_queries.reveals_of(user, offers)
    going = event_queries.going_counts(events)
    registrations = event_queries.registrations_of(user, events)
    result = []
    for page, access in pairs:
        data = teaser_data(page, access, request)
        full = specific.get(page.pk) if access.met else None
        if isinstance(full, ArticlePage):
            data["body"] = str(full.body)
        elif isinstance(full, OfferPage):
            data.update(_offer_data(full, reveals.get(full.pk)))
        elif isinstance(full, EventPage):
            data.update(_event_data(full, going.get(full.pk, 0), registrations.get(full.pk)))
        result.append(data)
    return result
