"""The offer page's reveal panel (its form's view: ``cms.offers.site``).

``cms.models`` calls ``page_context`` from ``OfferPage.get_context``: this module
imports nothing of ``cms`` but ``cms.offers.counts``, so no import cycle runs back to
the models. It reads through the page's own relations (``reveals``, ``codes``).
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from cms.offers.counts import remaining
from community import permissions


@dataclass(frozen=True)
class RevealPanel:
    """What ``cms/offers/_reveal.html`` shows: ``state`` is ``revealed`` (``code`` set),
    ``open`` (the button), ``sign_in``, ``sold_out``, ``not_yet_valid`` or ``expired``."""

    state: str
    reveal_url: str
    code: str = ""
    revealed_at: datetime | None = None
    remaining: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


def page_context(page, request):
    """``{"offer_panel": RevealPanel | None}`` for the offer page's template: None for a
    viewer outside the audience (they get the teaser: nothing here is for them). The
    code is in it only once this viewer revealed it."""
    user = request.user
    if page.pk is None or not permissions.audience_met(user, page.audience_spec()):
        # (No pk: the preview of an offer being created, with nothing to reveal yet.)
        return {"offer_panel": None}
    common = {
        "reveal_url": reverse("cms-offer-reveal", args=[page.pk]),
        "valid_from": page.valid_from,
        "valid_until": page.valid_until,
    }
    revealed = page.reveals.filter(user=user).first() if user.is_authenticated else None
    if revealed is not None:
        return {
            "offer_panel": RevealPanel(
                state="revealed", code=revealed.code, revealed_at=revealed.revealed_at, **common
            )
        }
    now = timezone.now()
    if page.valid_from is not None and now < page.valid_from:
        return {"offer_panel": RevealPanel(state="not_yet_valid", **common)}
    if page.valid_until is not None and now > page.valid_until:
        return {"offer_panel": RevealPanel(state="expired", **common)}
    left = remaining(page)
    if left == 0:
        return {"offer_panel": RevealPanel(state="sold_out", remaining=0, **common)}
    state = "open" if user.is_authenticated else "sign_in"
    return {"offer_panel": RevealPanel(state=state, remaining=left, **common)}
