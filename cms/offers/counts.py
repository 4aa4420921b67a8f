"""How many more members may reveal an offer's code.

Imports nothing of ``cms``: the offer page's context (``views.page_context``, which
``cms.models`` calls) reads it without an import cycle back to the models.
"""

UNIQUE = "unique"


def remaining(offer):
    """How many more members may reveal ``offer``'s code: the free codes of its pool,
    what is left of a shared code's limit, or None for a shared code without one."""
    if offer.code_mode == UNIQUE:
        return offer.codes.filter(claimed_at__isnull=True).count()
    if offer.quantity_limit is None:
        return None
    return max(0, offer.quantity_limit - offer.reveals.count())
