"""Reads of offers: an offer asked for by id, and a member's reveals."""

from django.http import Http404
from django.utils.translation import gettext as _

from cms import gating
from cms.models import OfferPage, OfferReveal


def offer_for(user, page_id):
    """The offer ``page_id`` if ``user`` may know of it (its teaser at least), with its
    audience prefetched; ``Http404`` otherwise, the same as for no such offer."""
    offer = gating.with_audience(OfferPage.objects.filter(pk=page_id)).first()
    if offer is None:
        raise Http404(_("No such content."))
    gating.check(user, offer)
    return offer


def reveal_of(user, offer):
    """``user``'s reveal of ``offer``, or None."""
    if not user.is_authenticated:
        return None
    return OfferReveal.objects.filter(offer=offer, user=user).first()


def reveals_of(user, offer_ids):
    """``{offer id: OfferReveal}`` of ``user`` among ``offer_ids``, in one query (for
    listings: the content API shows a member the codes they revealed)."""
    if not user.is_authenticated or not offer_ids:
        return {}
    rows = OfferReveal.objects.filter(user=user, offer_id__in=list(offer_ids))
    return {row.offer_id: row for row in rows}
