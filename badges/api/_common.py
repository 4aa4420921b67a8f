"""What the badges app's API modules share: refusals with their codes, and lookups."""

import functools

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from community import permissions
from community import queries as community_queries
from community.apitools import error
from community.models import User

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
USERNAME_PATTERN = r"^[\w.@+-]+$"
# Django's own codes of a field's checks: the answer's ``code`` stays "invalid" for them.
GENERIC_CODES = {
    None,
    "invalid",
    "blank",
    "null",
    "required",
    "max_length",
    "min_length",
    "invalid_choice",
    "max_value",
    "min_value",
}


def refused(request, refusal):
    """A domain ValidationError as the API's 422, keeping the codes of the actions."""
    if hasattr(refusal, "error_dict"):
        items = [(field, e) for field, errors in refusal.error_dict.items() for e in errors]
    else:
        items = [("body", e) for e in refusal.error_list]
    errors = [
        {"field": field, "message": " ".join(e.messages), "code": e.code or "invalid"}
        for field, e in items
    ]
    summary = "; ".join(
        e["message"] if e["field"] in ("body", "__all__") else f"{e['field']}: {e['message']}"
        for e in errors[:5]
    )
    code = next((e.code for _field, e in items if e.code not in GENERIC_CODES), "invalid")
    return error(request, 422, summary, code, errors=errors)


def coded(view):
    """Answer the actions' ValidationErrors as ``refused`` does."""

    @functools.wraps(view)
    def answer(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ValidationError as refusal:
            return refused(request, refusal)

    return answer


def readable_community(request, slug):
    """A community the caller may read: 404 as missing if they may not know it, else 403."""
    community = community_queries.community_for(request.user, slug)
    permissions.check_read(request.user, community)
    return community


def active_member(username):
    """An active member, or the same 404 as ``GET /members/{username}``."""
    member = User.objects.filter(username=username, is_active=True).first()
    if member is None:
        raise Http404(_("No member found."))
    return member
