"""Pages for bearer API tokens: a member's own (``/settings/tokens/``), a member's for staff.

A new token's key is rendered in the POST's own answer (never redirected
through the session or a message) and the pages are never cached, so the key
is shown once and kept nowhere but in the hash.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from community import actions, permissions, queries
from community.errors import Conflict
from community.forms import apply_errors

TOKENS_PER_PAGE = 50


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What is it for?"),
        max_length=80,
        help_text=gettext_lazy("A name to recognise it by, such as “CRM sync”."),
    )


def _page(request, owner, *, form=None, created=None, status=200):
    cursor = request.GET.get("before", "")
    before = int(cursor) if cursor.isdecimal() and len(cursor) <= 18 else None
    tokens, next_cursor = queries.api_tokens_of(owner, before=before, limit=TOKENS_PER_PAGE)
    is_self = owner.pk == request.user.pk
    may_create = is_self and permissions.can_create_api_token(request.user)
    if may_create and form is None:
        form = TokenForm()
    return render(
        request,
        "community/api_tokens.html",
        {
            "owner": owner,
            "is_self": is_self,
            "layout": "allauth/layouts/manage.html" if is_self else "base.html",
            "tokens": tokens,
            "next_cursor": next_cursor,
            "form": form if may_create else None,
            "created": created,
        },
        status=status,
    )


@never_cache
@login_required
def my_tokens(request):
    """List the member's tokens; create one (managers and staff)."""
    if request.method != "POST":
        return _page(request, request.user)
    permissions.check_create_api_token(request.user)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, request.user, form=form, status=400)
    try:
        token, key = actions.create_own_api_token(request.user, name=form.cleaned_data["name"])
    except ValidationError as error:
        apply_errors(form, error)
        return _page(request, request.user, form=form, status=400)
    return _page(request, request.user, created={"token": token, "key": key})


@never_cache
@login_required
def member_tokens(request, username):
    """A member's tokens, for staff (the member is sent to their own page)."""
    owner = queries.api_token_owner(request.user, username)
    if owner.pk == request.user.pk:
        return redirect("api_tokens")
    return _page(request, owner)


@require_POST
@login_required
def revoke_token(request, username, token):
    owner = queries.api_token_owner(request.user, username)
    try:
        revoked = actions.revoke_api_token(request.user, queries.api_token_of(owner, token))
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The token %(prefix)s… is revoked.") % {"prefix": f"bcm_{revoked.prefix}"}
        )
    if owner.pk == request.user.pk:
        return redirect("api_tokens")
    return redirect("member_api_tokens", username=owner.username)
