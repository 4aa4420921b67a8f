"""Customer care's pages: waiting questions (moderators), response policy (managers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import expertise, permissions
from community import queries as community_queries
from forums.moderation.care import actions, api, queries
from forums.moderation.care.forms import ResponsePolicyForm


@login_required
def waiting(request, slug):
    community = community_queries.community_for(request.user, slug)
    permissions.check_view_waiting(request.user, community)
    rows = queries.waiting(community)
    return render(
        request,
        "moderation/care/waiting.html",
        {
            "community": community,
            "questions": rows,
            "on_duty": queries.is_on_duty(request.user, community),
            "api_url": f"/api/v1/communities/{community.slug}/waiting",
        },
    )


@login_required
@require_POST
def duty(request, slug):
    community = community_queries.community_for(request.user, slug)
    if request.POST.get("on") == "1":
        actions.start_duty(request.user, community)
        messages.success(request, _("You are on duty: alerts come to you as notices."))
    else:
        actions.end_duty(request.user, community)
        messages.success(request, _("You are off duty."))
    return redirect("care_waiting", slug=community.slug)


@login_required
def response_policy(request, slug):
    community = community_queries.community_for(request.user, slug)
    permissions.check_configure_response(request.user, community)
    policy = api._policy_or_row(community)
    form = ResponsePolicyForm(request.POST or None, initial=ResponsePolicyForm.initial_for(policy))
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_response_policy(request.user, community, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Response policy saved."))
            return redirect("care_response", slug=community.slug)
    return render(request, "moderation/care/response.html", {"community": community, "form": form})


@login_required
@require_POST
def expert(request, slug):
    community = community_queries.community_for(request.user, slug)
    if request.POST.get("on") == "1":
        actions.opt_in(request.user, community)
        messages.success(request, _("New questions will be offered to you while you are online."))
    else:
        actions.opt_out(request.user, community)
        messages.success(request, _("New questions will no longer be offered to you."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("community", args=[community.slug])
    return redirect(target)


def expert_toggle(request, community):
    """The ``community_links`` slot: an expert's toggle for live questions."""
    user = request.user
    if not user.is_authenticated:
        return ""
    # Experts only, known from a cache first: no query for everyone else on every page.
    if user.pk not in expertise.cached_experts(community):
        return ""
    if not permissions.can_expert_opt_in(user, community):
        return ""
    opted = actions.is_opted_in(user, community)
    return render_to_string(
        "moderation/care/_expert_toggle.html",
        {"community": community, "opted_in": opted, "next": request.get_full_path()},
        request=request,
    )
