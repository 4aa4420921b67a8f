"""The review queue's page, its buttons, and the flag forms of the thread page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import permissions
from community import queries as community_queries
from community.errors import Conflict
from forums import queries as forum_queries
from forums.moderation.queue import actions, flags
from forums.moderation.queue import queries as queue_queries
from forums.moderation.queue.forms import FlagForm, QueueSettingsForm
from realtime import publish

VERBS = ("claim", "approve", "reject")


def _message(error):
    if isinstance(error, Conflict):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@login_required
def queue_page(request, slug):
    """The open items, oldest first; refreshed live on ``queue.changed``."""
    community = community_queries.community_for(request.user, slug)
    permissions.check_handle_queue(request.user, community)
    current = actions.settings_for(community)
    settings_form = None
    if permissions.can_manage(request.user, community):
        settings_form = QueueSettingsForm(
            request.POST or None,
            initial={
                "hide_threshold": current.hide_threshold,
                "claim_minutes": current.claim_minutes,
            },
        )
        if request.method == "POST":
            try:
                if not settings_form.is_valid():
                    raise ValidationError(settings_form.errors)
                actions.configure(request.user, community, **settings_form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, _message(error))
            else:
                messages.success(request, _("The queue's settings were saved."))
                return redirect("moderation_queue", slug)
    elif request.method == "POST":
        permissions.check_configure_queue(request.user, community)
    if request.GET.get("partial") == "list":  # the live refresh (static/js/moderation-queue.js)
        return render(
            request,
            "moderation/queue/_list.html",
            {"community": community, "items": queue_queries.open_items(community)},
        )
    return render(
        request,
        "moderation/queue/queue.html",
        {
            "community": community,
            "items": queue_queries.open_items(community),
            "queue_settings": current,
            "settings_form": settings_form,
            "stream_last_id": publish.last_id(f"moderation:{community.slug}"),
        },
    )


@login_required
@require_POST
def queue_action(request, slug, item_id, verb):
    community = community_queries.community_for(request.user, slug)
    permissions.check_handle_queue(request.user, community)
    item = queue_queries.item_for(item_id)
    if item is None or item.community_id != community.pk or verb not in VERBS:
        raise Http404(_("No such item in this review queue."))
    reason = request.POST.get("reason", "")
    try:
        if verb == "claim":
            actions.claim(request.user, item)
            messages.success(request, _("You hold this item for a while: decide on it."))
        elif verb == "approve":
            actions.approve(request.user, item, reason=reason)
            messages.success(request, _("Approved."))
        else:
            actions.reject(request.user, item, reason=reason)
            messages.success(request, _("Rejected: the author was told why."))
    except (Conflict, ValidationError, PermissionDenied) as error:
        messages.error(request, _message(error))
    return redirect(f"{reverse('moderation_queue', args=[community.slug])}#item-{item_id}")


def _flag(request, flag, back):
    form = FlagForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        flag(**form.cleaned_data)
    except (Conflict, ValidationError, PermissionDenied) as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("Thank you: the moderators will review it."))
    return redirect(back)


@login_required
@require_POST
def flag_post(request, post_id):
    post = forum_queries.post_for(request.user, post_id)
    thread = post.thread
    return _flag(
        request,
        lambda **data: flags.flag_post(request.user, post, **data),
        f"{thread.get_absolute_url()}#post-{post.number}",
    )


@login_required
@require_POST
def flag_thread(request, thread_id):
    thread = forum_queries.thread_for(request.user, thread_id)
    return _flag(
        request,
        lambda **data: flags.flag_thread(request.user, thread, **data),
        thread.get_absolute_url(),
    )
