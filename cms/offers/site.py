"""The site's form behind the offer page's reveal button."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cms.offers import actions, queries
from community.errors import Conflict


@require_POST
def reveal(request, page_id):
    """The reveal button's form: reveal, then back to the offer, which shows the code
    (or why there is none)."""
    offer = queries.offer_for(request.user, page_id)
    back = f"{offer.get_url(request)}#offer-reveal"
    if not request.user.is_authenticated:
        return redirect_to_login(offer.get_url(request))
    try:
        actions.reveal(request.user, offer)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
    except Conflict as conflict:
        messages.warning(request, conflict.message)
    return redirect(back)
