"""Curation's pages: the moderators' highlights and the managers' tags (tabs of the
moderation pages), and the thread page's forms to feature a thread and set its tags.

Every write goes through ``actions``; refusals come back as a message on the page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import permissions as community_permissions
from community import queries as community_queries
from community.errors import Conflict
from community.validators import parse_int
from forums import queries as forum_queries
from forums.models import Post, Tag
from forums.moderation.curation import actions, queries


def _error_text(error):
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _run(request, action, success):
    """Call ``action``; tell the moderator what happened, or why it was refused."""
    try:
        action()
    except (ValidationError, PermissionDenied, Conflict) as error:
        messages.error(request, _error_text(error))
        return False
    messages.success(request, success)
    return True


def _community(request, slug, check):
    community = community_queries.community_for(request.user, slug)
    check(request.user, community)
    return community


@login_required
def highlights_page(request, slug):
    community = _community(request, slug, community_permissions.check_curate)
    return render(
        request,
        "moderation/curation/highlights.html",
        {
            "community": community,
            "highlights": queries.community_highlights(community),
            "max_highlights": actions.MAX_HIGHLIGHTS,
        },
    )


@login_required
@require_POST
def remove_highlight(request, slug, highlight_id):
    community = _community(request, slug, community_permissions.check_curate)
    highlight = queries.highlight_for(community, highlight_id)
    if highlight is None:
        raise Http404(_("No highlight found."))
    _run(
        request,
        lambda: actions.unfeature(request.user, highlight, reason=request.POST.get("reason", "")),
        _("The highlight was removed."),
    )
    return redirect(request.POST.get("next") or reverse("moderation_highlights", args=[slug]))


@login_required
@require_POST
def feature_thread(request, slug, thread_id):
    """The thread page's "Feature" form: the thread, or one of its posts by number."""
    thread = forum_queries.thread_for(request.user, thread_id)
    if thread.community.slug != slug:
        raise Http404(_("No thread found."))
    community_permissions.check_curate(request.user, thread.community)
    number = parse_int(request.POST.get("post") or "", minimum=1)
    post = None
    if request.POST.get("post"):
        post = Post.objects.filter(thread=thread, number=number).first() if number else None
        if post is None:
            messages.error(request, _("This thread has no post with that number."))
            return redirect(thread.get_absolute_url())
    _run(
        request,
        lambda: actions.feature(
            request.user,
            thread,
            post=post,
            note=request.POST.get("note", ""),
            position=request.POST.get("position") or 0,
        ),
        _("Featured: it now shows first on the community's page and on the home page."),
    )
    return redirect(thread.get_absolute_url())


@login_required
@require_POST
def thread_tags(request, slug, thread_id):
    """The thread page's tags form (moderators)."""
    thread = forum_queries.thread_for(request.user, thread_id)
    if thread.community.slug != slug:
        raise Http404(_("No thread found."))
    _run(
        request,
        lambda: actions.set_tags(request.user, thread, request.POST.getlist("tags")),
        _("The thread's tags were saved."),
    )
    return redirect(thread.get_absolute_url())


@login_required
def tags_page(request, slug):
    """The community's tags: list, add, rename, delete (managers)."""
    community = _community(request, slug, community_permissions.check_manage_tags)
    if request.method == "POST":
        name = request.POST.get("name", "")
        if _run(
            request,
            lambda: actions.create_tag(
                request.user, community, name=name, slug=request.POST.get("slug", "")
            ),
            _("The tag “%(name)s” was added.") % {"name": name.strip()},
        ):
            return redirect("moderation_tags", slug)
    return render(
        request,
        "moderation/curation/tags.html",
        {
            "community": community,
            "tags": queries.tags(community),
            "max_tags": actions.MAX_TAGS,
            "name": request.POST.get("name", ""),
            "slug_value": request.POST.get("slug", ""),
        },
    )


def _tag(request, slug, tag_id):
    community = _community(request, slug, community_permissions.check_manage_tags)
    tag = Tag.objects.filter(community=community, pk=tag_id).select_related("community").first()
    if tag is None:
        raise Http404(_("No tag found."))
    return tag


@login_required
@require_POST
def rename_tag(request, slug, tag_id):
    tag = _tag(request, slug, tag_id)
    _run(
        request,
        lambda: actions.rename_tag(request.user, tag, name=request.POST.get("name", "")),
        _("The tag was renamed."),
    )
    return redirect("moderation_tags", slug)


@login_required
@require_POST
def delete_tag(request, slug, tag_id):
    tag = _tag(request, slug, tag_id)
    _run(
        request,
        lambda: actions.delete_tag(request.user, tag, reason=request.POST.get("reason", "")),
        _("The tag was deleted."),
    )
    return redirect("moderation_tags", slug)
