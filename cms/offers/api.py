"""``POST /api/v1/offers/{page_id}/reveal``: a member reveals an offer's promo code."""

from datetime import datetime

from ninja import Field, Router, Schema

from cms.offers import actions, queries
from community.apitools import ObjectId

router = Router(tags=["offers"])


class RevealOut(Schema):
    code: str = Field(..., description="The promo code: the same on every later call.")
    revealed_at: datetime = Field(..., description="When this member first revealed it.")
    offer: int
    remaining: int | None = Field(
        None, description="How many more members may reveal it; null when unlimited."
    )


@router.post("/offers/{page_id}/reveal", response=RevealOut)
def reveal_offer(request, page_id: ObjectId):
    """Reveal the offer's code to the caller, once: later calls answer the same code.

    404 if the offer does not exist for the caller, 403 ``not_in_audience`` if they may
    only see its teaser, 409 ``sold_out``, ``not_yet_valid`` or ``expired``.
    """
    offer = queries.offer_for(request.user, page_id)
    revealed = actions.reveal(request.user, offer)
    return {
        "code": revealed.code,
        "revealed_at": revealed.revealed_at,
        "offer": offer.pk,
        "remaining": actions.remaining(offer),
    }
