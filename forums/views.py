"""Forum pages: the thread list of a community, a thread, writing and editing posts.

Every form carries a ``client_id`` minted when the form is shown, so a
double click or a resubmitted form makes one thread or post.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from community import permissions as community_permissions
from community import queries as community_queries
from community import views as community_views
from community.errors import Conflict
from community.forms import apply_errors
from community.validators import parse_int
from forums import actions, notification_mail, payloads, permissions, queries
from forums.forms import (
    EditForm,
    IdeaStatusForm,
    NotificationSettingsForm,
    ReplyForm,
    ThreadForm,
)
from forums.models import Notification, Post, Status, Thread
from forums.moderation.curation import queries as curation_queries
from forums.thread_page import ANY, EXCERPT_LENGTH, blank_post, prepare_posts, url_maker
from realtime import publish

POSTS_PER_PAGE = 50
THREADS_PER_PAGE = 25


def _thread(request, slug, thread_id):
    thread = queries.thread_for(request.user, thread_id)
    if thread.community.slug != slug:
        raise Http404(_("No thread found."))
    return thread


def thread_list_context(request, community):
    """The thread list shown on a community's home page (sort, kind, cursor from the query)."""
    sort = request.GET.get("sort", "latest")
    if sort not in queries.SORTS:
        sort = "latest"
    kind = request.GET.get("kind") or None
    if kind not in Thread.Kind.values:
        kind = None
    # Curation's tag filter: an unknown tag filters nothing (as an unknown kind).
    tag = curation_queries.tag_for(community, request.GET.get("tag"))
    options = {
        "sort": sort,
        "kind": kind,
        "tag": tag,
        "limit": THREADS_PER_PAGE,
        "user": request.user,
        "activity": True,  # who posted last, for the list's cues
    }
    try:
        threads, next_cursor = queries.threads(
            community, cursor=request.GET.get("cursor"), **options
        )
    except ValidationError:  # a mangled cursor: start from the top rather than fail
        threads, next_cursor = queries.threads(community, **options)
    thread_url = url_maker("thread", community.slug, ANY)
    for thread in threads:
        thread.url = thread_url(thread.pk)
        last_read = getattr(thread, "last_read", None)
        thread.unread = thread.post_count - last_read if last_read is not None else None
    return {
        "threads": threads,
        "next_cursor": next_cursor,
        "sort": sort,
        "kind": kind,
        "tag": tag,
        "sorts": [
            ("latest", _("Latest activity")),
            ("newest", _("Newest")),
            ("top", _("Top")),
            ("unanswered", _("Unanswered")),
        ],
        "kinds": Thread.Kind.choices,
        "can_start": community_permissions.can_participate(request.user, community),
    }


def community_home(request, slug):
    """A community's home page with its threads (wired to /c/<slug>/ in community/site/urls.py)."""
    context = community_views.community_context(request, slug)
    if context["can_read"]:
        context.update(thread_list_context(request, context["community"]))
        # Live updates of the list start after the stream's latest event (realtime.js).
        context["stream_last_id"] = publish.last_id(f"community:{slug}")
    return render(request, "forums/community_home.html", context)


@login_required
def new_thread(request, slug):
    community = community_queries.community_for(request.user, slug)
    community_permissions.check_participate(request.user, community)
    form = ThreadForm(
        request.POST or None,
        initial={"client_id": uuid.uuid4().hex, "kind": request.GET.get("kind", "discussion")},
        can_announce=community_permissions.can_manage(request.user, community),
        community=community,
    )
    if request.method == "POST" and form.is_valid():
        try:
            thread = actions.create_thread(request.user, community, **form.thread_arguments())
        except ValidationError as error:
            apply_errors(form, error)
        except (PermissionDenied, Conflict) as error:
            form.add_error(None, str(error))
        else:
            return redirect(thread.get_absolute_url())
    return render(request, "forums/new_thread.html", {"community": community, "form": form})


def thread_detail(request, slug, thread_id):
    """A page of a thread's posts.

    Its SQL does not grow with the posts shown (the thread, the reader's membership
    and state, then the page of posts with their authors), and everything each post
    shows is worked out here, once per page or once per author, so that the template
    is one plain loop.
    """
    user = request.user
    thread = queries.thread_page(user, thread_id)
    if thread.merged_into_id is not None and not permissions.can_moderate_thread(user, thread):
        # Merged by a moderator: its posts live on in the other thread, where those who
        # may see it are sent. Others (a merge into a community they may not read) get
        # the 404 of a missing thread, which tells them nothing of where it went.
        into = queries.merged_target(user, thread)
        if into is None:
            raise Http404(_("No thread found."))
        return redirect(into)
    if thread.community.slug != slug:
        # Moved to another community by a moderator: its address follows it.
        return redirect(thread.get_absolute_url(), permanent=False)
    community = thread.community
    after = parse_int(request.GET.get("after"), 0)
    can_moderate = permissions.can_moderate_thread(user, thread)
    posts, next_after = queries.post_rows(
        thread, after=after, limit=POSTS_PER_PAGE, reader=user, moderator=can_moderate
    )
    can_participate = community_permissions.can_participate(user, community)
    can_reply = permissions.can_reply(user, thread)
    can_accept = permissions.can_accept(user, thread)
    rights = {
        "can_participate": can_participate,
        "can_accept": can_accept,
        "can_moderate": can_moderate,
        "edit_rights": permissions.post_edit_rights(user, thread),
    }
    prepare_posts(posts, thread, user, **rights)
    accepted = thread.accepted_post
    # Under the question, on the first page, when the answer is further down: an
    # excerpt and a link (the answer itself is shown once, where it sits).
    show_accepted = accepted and accepted.number > 1 and posts and posts[0]["number"] == 1
    can_set_status = permissions.can_set_idea_status(user, thread)
    context = {
        "community": community,
        "thread": thread,
        "posts": posts,
        "next_after": next_after,
        "accepted_answer": accepted if show_accepted else None,
        "accepted_excerpt": accepted.excerpt(EXCERPT_LENGTH) if show_accepted else "",
        "status_form": IdeaStatusForm(
            initial={"status": thread.idea_status, "note": thread.idea_status_note}
        )
        if can_set_status
        else None,
        "reply_form": ReplyForm(initial=reply_initial(request, thread), community=community)
        if can_reply
        else None,
        "can_reply": can_reply,
        "can_accept": can_accept,
        "can_moderate": can_moderate,
        "moderation": moderation_context(user, thread) if can_moderate else None,
        "can_participate": can_participate,
        "voted": thread.kind == Thread.Kind.IDEA and thread.voted,
        "poll": queries.poll_for(user, thread),
        "can_vote_poll": thread.kind == Thread.Kind.POLL
        and permissions.can_vote_poll(user, thread),
        "first_unread_url": first_unread_url(thread, posts, thread.last_read),
        "watching": thread.watching,
        "can_watch": permissions.can_watch(user, community),
        # For posts that arrive live (static/js/realtime.js): the stream's position at
        # render time, and the blank post they copy, made as the posts above are.
        "stream_last_id": thread.stream_last_id or 0,
        "blank_posts": [blank_post(thread, user, **rights)],
        "role_labels": {role.value: role.label for role in payloads.STAFFING_ROLES},
        # The CSRF field of the posts' forms (members only), made once rather than by a
        # {% csrf_token %} in each form of each post.
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        )
        if user.is_authenticated
        else "",
    }
    response = render(request, "forums/thread.html", context)
    if user.is_authenticated and posts:
        # Remember what was read once the page has left: reading costs the reader no write.
        # (Django runs a response's closers after sending it, under WSGI and ASGI alike.)
        last, known = posts[-1]["number"], thread.last_read
        response._resource_closers.append(
            lambda: actions.mark_read(user, thread, last, last_read=known)
        )
    return response


@login_required
@require_POST
def reply(request, slug, thread_id):
    thread = _thread(request, slug, thread_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        reply_to = data.pop("reply_to", None)
        data["reply_to"] = (
            Post.objects.filter(pk=reply_to, thread=thread).first() if reply_to else None
        )
        try:
            post = actions.reply(request.user, thread, **data)
        except (ValidationError, PermissionDenied, Conflict) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            return redirect(f"{thread.get_absolute_url()}#post-{post.number}")
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect(thread.get_absolute_url())


def reply_initial(request, thread):
    """The reply form's start: a fresh client_id, and the quoted post for ``?quote=<id>``."""
    initial = {"client_id": uuid.uuid4().hex}
    quoted = request.GET.get("quote", "")
    post = None
    quoted = parse_int(quoted, minimum=1)
    if quoted is not None:
        post = (
            Post.objects.select_related("author")
            .filter(pk=quoted, thread=thread, deleted_at__isnull=True)
            .first()
        )
    if post is not None:
        name = f"@{post.author.username}" if post.author else _("Someone")
        quoted_lines = "\n".join(f"> {line}" for line in post.body.splitlines())
        initial["body"] = (
            _("%(name)s [wrote](#post-%(number)d):") % {"name": name, "number": post.number}
            + f"\n{quoted_lines}\n\n"
        )
        initial["reply_to"] = post.pk
    return initial


def first_unread_url(thread, posts, last_read):
    """Where "jump to the first unread post" goes: this page, or the page that starts there.

    Asks no query: the post after which that page starts is on this page, or its id
    came with the thread (``last_read_post_id``, from ``queries.thread_page``).
    """
    if not last_read or last_read >= thread.post_count:
        return ""
    anchor = f"#post-{last_read + 1}"
    previous = None
    for post in posts:
        if post["number"] == last_read + 1:
            return anchor
        if post["number"] == last_read:
            previous = post["id"]
    if previous is None:
        previous = thread.last_read_post_id or 0
    return f"{thread.get_absolute_url()}?after={previous}{anchor}"


def _post(request, post_id):
    post = queries.post_for(request.user, post_id)
    return post, post.thread


@login_required
def edit_post(request, post_id):
    post, thread = _post(request, post_id)
    permissions.check_edit_post(request.user, post)
    form = EditForm(request.POST or None, initial={"body": post.body}, community=thread.community)
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_post(request.user, post, body=form.cleaned_data["body"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(f"{thread.get_absolute_url()}#post-{post.number}")
    return render(
        request,
        "forums/edit_post.html",
        {"post": post, "thread": thread, "community": thread.community, "form": form},
    )


@login_required
def post_history(request, post_id):
    """A post's earlier versions, for its author and moderators (others: 404, as missing)."""
    post, thread = _post(request, post_id)
    if not permissions.can_see_revisions(request.user, post):
        raise Http404(_("No post found."))
    return render(
        request,
        "forums/post_history.html",
        {
            "post": post,
            "thread": thread,
            "community": thread.community,
            "revisions": queries.post_revisions(post),
        },
    )


def _wants_json(request):
    """A script's request (static/js/thread.js): answer with data, not a redirect."""
    return request.headers.get("Accept", "").startswith("application/json")


@login_required
@require_POST
def post_action(request, post_id, verb):
    post, thread = _post(request, post_id)
    try:
        if verb == "delete":
            actions.delete_post(request.user, post)
            messages.success(request, _("The post was deleted."))
        elif verb == "react":
            kind = request.POST.get("kind", "")
            reacted = actions.react(request.user, post, kind=kind)
            if _wants_json(request):
                post.refresh_from_db(fields=["reaction_counts"])
                return JsonResponse(
                    {
                        "post": post.pk,
                        "kind": kind,
                        "reacted": reacted,
                        "reactions": post.reaction_counts,
                    }
                )
        elif verb == "accept":
            actions.accept_answer(request.user, thread, post)
            messages.success(request, _("This reply is now the accepted answer."))
        elif verb == "hide":
            actions.hide_post(request.user, post, reason=request.POST.get("reason", ""))
            messages.success(request, _("The post is hidden."))
        elif verb == "restore":
            actions.restore_post(request.user, post, reason=request.POST.get("reason", ""))
            messages.success(request, _("The post is shown again."))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(getattr(error, "messages", [str(error)]))
        if _wants_json(request):
            code = "invalid" if isinstance(error, ValidationError) else "forbidden"
            return JsonResponse(
                {"detail": text, "code": code}, status=400 if code == "invalid" else 403
            )
        messages.error(request, text)
    return redirect(f"{thread.get_absolute_url()}#post-{post.number}")


@login_required
@require_POST
def thread_action(request, slug, thread_id, verb):
    thread = _thread(request, slug, thread_id)
    try:
        if verb == "vote":
            actions.vote(request.user, thread)
        elif verb == "lock":
            actions.set_locked(request.user, thread, locked=not thread.is_locked)
        elif verb == "pin":
            actions.set_pinned(request.user, thread, pinned=not thread.pinned)
        elif verb == "status":
            form = IdeaStatusForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            actions.set_idea_status(request.user, thread, **form.cleaned_data)
            messages.success(request, _("The idea's status was saved."))
        elif verb == "unaccept":
            actions.accept_answer(request.user, thread, None)
        elif verb in MODERATION_VERBS:
            return _moderate_thread(request, thread, verb)
        elif verb == "watch":
            actions.watch(request.user, thread=thread, watching=request.POST.get("watching") == "1")
        elif verb == "answer":
            # An unparsable or out-of-range id is dropped; vote_poll then says what is wrong.
            choices = [
                number
                for number in map(parse_int, request.POST.getlist("option"))
                if number is not None
            ]
            actions.vote_poll(request.user, thread, choices)
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect(thread.get_absolute_url())


MODERATION_VERBS = ("close", "reopen", "hide", "unhide", "move", "merge", "split")


def moderation_context(user, thread):
    """The moderator's controls of a thread page: where it may move (the other communities
    they moderate) and its moderation state."""
    return {
        "communities": queries.moderated_communities(user, exclude=thread.community_id),
        "hidden": thread.status == Status.HIDDEN,
        "held": thread.status == Status.HELD,
        "closed": thread.state == Thread.State.CLOSED,
    }


def _moderate_thread(request, thread, verb):
    """close, reopen, hide, unhide, move, merge, split: the thread page's moderator forms."""
    user, reason = request.user, request.POST.get("reason", "")
    target = thread
    if verb == "close":
        actions.close_thread(user, thread, reason=reason)
    elif verb == "reopen":
        actions.reopen_thread(user, thread, reason=reason)
    elif verb == "hide":
        actions.hide_thread(user, thread, reason=reason)
        messages.success(request, _("The thread is hidden."))
    elif verb == "unhide":
        actions.unhide_thread(user, thread, reason=reason)
    elif verb == "move":
        to = community_queries.community_for(user, request.POST.get("community", ""))
        target = actions.move_thread(user, thread, to=to, reason=reason)
        messages.success(request, _("The thread was moved."))
    elif verb == "merge":
        into = queries.thread_for(user, parse_int(request.POST.get("into"), 0) or 0)
        target = actions.merge_thread(user, thread, into=into, reason=reason)
        messages.success(request, _("The thread was merged."))
    elif verb == "split":
        ids = [n for n in map(parse_int, request.POST.getlist("posts")) if n is not None]
        target = actions.split_thread(
            user, thread, posts=ids, title=request.POST.get("title", ""), reason=reason
        )
        messages.success(request, _("The replies were split off into a new thread."))
    return redirect(target.get_absolute_url())


@login_required
def notification_settings(request):
    current = {
        kind: notification_mail.email_setting(request.user, kind) for kind in Notification.Kind
    }
    form = NotificationSettingsForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        for kind, email in form.cleaned_data.items():
            notification_mail.set_email(request.user, kind, email)
        messages.success(request, _("Your email settings were saved."))
        return redirect("notification_settings")
    return render(request, "forums/notification_settings.html", {"form": form})


@csrf_exempt  # RFC 8058 one-click: mail clients POST here without a session or a token
def unsubscribe(request, token):
    """One-click unsubscribe from a mail's link: GET asks, POST applies (no login needed)."""
    if request.method == "POST":
        done = notification_mail.unsubscribe(token)
        return render(
            request,
            "forums/unsubscribe.html",
            {"done": done, "invalid": not done},
            status=200 if done else 400,
        )
    valid = notification_mail.unsubscribe_token_is_valid(token)
    return render(
        request, "forums/unsubscribe.html", {"invalid": not valid}, status=200 if valid else 400
    )
