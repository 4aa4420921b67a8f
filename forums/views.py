"""Forum pages: the thread list of a community, a thread, writing and editing posts.

Every form carries a ``client_id`` minted when the form is shown, so a
double click or a resubmitted form makes one thread or post.
"""

import functools
import html
import uuid
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, formats, timezone, translation
from django.utils.html import escape, format_html, format_html_join
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from community import permissions as community_permissions
from community import queries as community_queries
from community import views as community_views
from community.errors import Conflict
from community.forms import apply_errors
from community.models import Membership, Profile
from forums import actions, notifications, permissions, queries
from forums.forms import EditForm, NotificationSettingsForm, ReplyForm, ThreadForm
from forums.models import Notification, Post, Reaction, Thread
from realtime import publish

POSTS_PER_PAGE = 50
THREADS_PER_PAGE = 25
NOTIFICATIONS_SHOWN = 50


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
    options = {"sort": sort, "kind": kind, "limit": THREADS_PER_PAGE, "user": request.user}
    try:
        threads, next_cursor = queries.threads(
            community, cursor=request.GET.get("cursor"), **options
        )
    except ValidationError:  # a mangled cursor: start from the top rather than fail
        threads, next_cursor = queries.threads(community, **options)
    thread_url = _url_maker("thread", community.slug, ANY)
    for thread in threads:
        thread.url = thread_url(thread.pk)
        last_read = getattr(thread, "last_read", None)
        thread.unread = thread.post_count - last_read if last_read is not None else None
    return {
        "threads": threads,
        "next_cursor": next_cursor,
        "sort": sort,
        "kind": kind,
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
    """A community's home page with its threads (wired to /c/<slug>/ in community/urls.py)."""
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
    if thread.community.slug != slug:
        raise Http404(_("No thread found."))
    community = thread.community
    try:
        after = int(request.GET.get("after", "0") or 0)
    except ValueError:
        after = 0
    posts, next_after = queries.post_rows(thread, after=after, limit=POSTS_PER_PAGE)
    can_participate = community_permissions.can_participate(user, community)
    can_reply = permissions.can_reply(user, thread)
    can_accept = permissions.can_accept(user, thread)
    can_moderate = permissions.can_moderate_thread(user, thread)
    prepare_posts(
        posts,
        thread,
        user,
        can_participate=can_participate,
        can_accept=can_accept,
        can_moderate=can_moderate,
    )
    accepted = thread.accepted_post
    context = {
        "community": community,
        "thread": thread,
        "posts": posts,
        "next_after": next_after,
        # Under the question, on the first page, when the answer is further down.
        "accepted_answer": accepted
        if accepted and accepted.number > 1 and posts and posts[0]["number"] == 1
        else None,
        "reply_form": ReplyForm(initial=reply_initial(request, thread), community=community)
        if can_reply
        else None,
        "can_reply": can_reply,
        "can_accept": can_accept,
        "can_moderate": can_moderate,
        "can_participate": can_participate,
        "voted": thread.kind == Thread.Kind.IDEA and thread.voted,
        "poll": queries.poll_for(user, thread),
        "can_vote_poll": thread.kind == Thread.Kind.POLL
        and permissions.can_vote_poll(user, thread),
        "first_unread_url": first_unread_url(thread, posts, thread.last_read),
        "watching": thread.watching,
        # For posts that arrive live (static/js/realtime.js): the stream's position at
        # render time, and the blank reaction buttons of a new post.
        "stream_last_id": thread.stream_last_id or 0,
        "reaction_kinds": Reaction.Kind.choices,
        "role_labels": {role.value: role.label for role in actions.STAFFING_ROLES},
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


# Stands for the argument of a URL reversed once for a whole page (see _url_maker);
# digits, so that it fits <int:...> as well as <str:...>.
ANY = "918273645546372819"


def _url_maker(name, *args):
    """``reverse(name, args=args)`` as a function of the argument that ``ANY`` stands for.

    A page of 50 posts would otherwise resolve the same route 50 times per link. The
    argument is quoted as reverse() quotes it, and the URL comes HTML-escaped (a
    ``SafeString``, as the template would escape it).
    """
    prefix, suffix = (html.escape(part) for part in reverse(name, args=args).split(ANY))
    return lambda value: SafeString(
        f"{prefix}{html.escape(quote(str(value), safe=RFC3986_SUBDELIMS + '/~:@'))}{suffix}"
    )


def prepare_posts(posts, thread, user, *, can_participate, can_accept, can_moderate):
    """Add to each row of ``queries.post_rows`` what the thread page shows of it.

    Authors' names, links, avatars and roles are worked out once per author; dates
    are formatted here, in the reader's time zone and language, as the ``date``
    filter would (see ``_post_time``); reactions as HTML (see ``_reactions_html``).
    The strings are HTML-safe already (escaped here, once per author or date, or
    made of digits), so that the template does not escape them again for every
    post: that escaping was a third of the time of the template's loop.
    """
    kinds = [(value, str(label)) for value, label in Reaction.Kind.choices]  # translated once
    # The links this reader may follow, each route reversed once for the page.
    profile_url = _url_maker("profile", ANY)
    react_url = _url_maker("post_action", ANY, "react") if can_participate else None
    accept_url = _url_maker("post_action", ANY, "accept") if can_accept else None
    if user.is_authenticated:  # their own posts, or every post for a moderator
        edit_url = _url_maker("edit_post", ANY)
        delete_url = _url_maker("post_action", ANY, "delete")
    zone, language = timezone.get_current_timezone(), translation.get_language()
    time_format = formats.get_format("SHORT_DATETIME_FORMAT")
    avatars = Profile._meta.get_field("avatar").storage
    bylines, reactions = {}, {}
    for post in posts:
        pk, author_id = post["id"], post["author_id"]
        if author_id is not None:
            byline = bylines.get(author_id)
            if byline is None:
                username = post["author_username"]
                name = post["author_display_name"] or username
                avatar = post["author_avatar"]
                role = post["author_role"]
                byline = bylines[author_id] = {
                    "author_name": escape(name),
                    "author_url": profile_url(username),
                    "avatar_url": escape(avatars.url(avatar)) if avatar else "",
                    "initial": escape(name[:1].upper()),
                    "author_role_label": escape(Membership.Role(role).label)
                    if role in actions.STAFFING_ROLES
                    else "",
                }
            post.update(byline)
        else:
            post["author_url"] = None
        # Strings, not numbers (a number in a template goes through number localization),
        # safe ones (made of digits: nothing to escape).
        post["anchor"] = SafeString(f"post-{post['number']}")
        post["quote_url"] = SafeString(f"?quote={pk}#reply-title")
        post["iso_time"], post["local_time"] = _post_time(
            post["created_at"], zone, language, time_format
        )
        post["edited"] = post["edited_at"] is not None and post["deleted_at"] is None
        post["accepted"] = accepted = thread.accepted_post_id == pk
        counts = post["reaction_counts"]
        key = tuple(counts.get(value, 0) for value, _label in kinds)
        post["reactions"] = reactions.get(key)
        if post["reactions"] is None:
            post["reactions"] = reactions[key] = _reactions_html(kinds, key, can_participate)
        if react_url:
            post["react_url"] = react_url(pk)
        post["accept_url"] = (
            accept_url(pk) if accept_url and post["number"] > 1 and not accepted else None
        )
        if user.is_authenticated and (can_moderate or author_id == user.pk):
            post["edit_url"], post["delete_url"] = edit_url(pk), delete_url(pk)
        else:
            post["edit_url"] = None


@functools.lru_cache(maxsize=10_000)
def _post_time(value, zone, language, time_format):
    """``value`` in ``zone`` as ISO 8601 and as the ``date`` filter shows it with
    ``time_format`` in ``language``, both HTML-escaped.

    Formatting a date costs more than anything else a post shows, and a post's
    date never changes while its thread is read again and again: the result,
    which depends on nothing but the arguments, is kept (10,000 dates: about 5 MB).
    """
    local = timezone.localtime(value, zone)
    with translation.override(language):  # month and a.m./p.m. names
        return escape(local.isoformat()), escape(dateformat.format(local, time_format))


def _reactions_html(kinds, counts, can_react):
    """A post's reactions: a button per kind (with its count) for those who may react,
    else the kinds that have a count.

    Built here rather than in thread.html: five buttons on each of 50 posts were the
    largest part of the page's template time, and posts mostly share their counts
    (none at all), so a page builds each distinct set once.
    """
    if can_react:  # the buttons of one form per post (thread.html): name=kind, no script
        return format_html_join(
            "",
            '<button type="submit" name="kind" value="{}" class="reaction">{}{}</button>',
            (
                (value, label, format_html(' <span class="count-pill">{}</span>', count))
                if count
                else (value, label, "")
                for (value, label), count in zip(kinds, counts, strict=True)
            ),
        )
    return format_html_join(
        "",
        '<span class="reaction">{} <span class="count-pill">{}</span></span>',
        ((label, count) for (_value, label), count in zip(kinds, counts, strict=True) if count),
    )


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
    if quoted.isdecimal():
        post = (
            Post.objects.select_related("author")
            .filter(pk=int(quoted), thread=thread, deleted_at__isnull=True)
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
    revisions = post.revisions.all() if permissions.can_see_revisions(request.user, post) else []
    return render(
        request,
        "forums/edit_post.html",
        {
            "post": post,
            "thread": thread,
            "community": thread.community,
            "form": form,
            "revisions": revisions,
        },
    )


@login_required
@require_POST
def post_action(request, post_id, verb):
    post, thread = _post(request, post_id)
    try:
        if verb == "delete":
            actions.delete_post(request.user, post)
            messages.success(request, _("The post was deleted."))
        elif verb == "react":
            actions.react(request.user, post, kind=request.POST.get("kind", ""))
        elif verb == "accept":
            actions.accept_answer(request.user, thread, post)
            messages.success(request, _("This reply is now the accepted answer."))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
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
            actions.set_idea_status(
                request.user,
                thread,
                status=request.POST.get("status", ""),
                note=request.POST.get("note", ""),
            )
        elif verb == "unaccept":
            actions.accept_answer(request.user, thread, None)
        elif verb == "watch":
            actions.watch(request.user, thread=thread, watching=request.POST.get("watching") == "1")
        elif verb == "answer":
            choices = [int(v) for v in request.POST.getlist("option") if v.isdecimal()]
            actions.vote_poll(request.user, thread, choices)
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect(thread.get_absolute_url())


@login_required
def notification_list(request):
    if request.method == "POST" and request.POST.get("read_all"):
        notifications.mark_read(request.user)
        return redirect("notifications")
    items = list(
        Notification.objects.filter(user=request.user).select_related(
            "thread__community", "post", "actor__profile"
        )[:NOTIFICATIONS_SHOWN]
    )
    unread = sum(1 for n in items if n.read_at is None)
    response = render(
        request, "forums/notifications.html", {"notifications": items, "unread": unread}
    )
    if unread:
        # Seen once listed; written after the page has gone, like read positions.
        ids = [n.pk for n in items if n.read_at is None]
        user = request.user
        response._resource_closers.append(lambda: notifications.mark_read(user, ids=ids))
    return response


@login_required
def notification_settings(request):
    current = {kind: notifications.email_setting(request.user, kind) for kind in Notification.Kind}
    form = NotificationSettingsForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        for kind, email in form.cleaned_data.items():
            notifications.set_email(request.user, kind, email)
        messages.success(request, _("Your email settings were saved."))
        return redirect("notification_settings")
    return render(request, "forums/notification_settings.html", {"form": form})


@csrf_exempt  # RFC 8058 one-click: mail clients POST here without a session or a token
def unsubscribe(request, token):
    """One-click unsubscribe from a mail's link: GET asks, POST applies (no login needed)."""
    if request.method == "POST":
        done = notifications.unsubscribe(token)
        return render(
            request,
            "forums/unsubscribe.html",
            {"done": done, "invalid": not done},
            status=200 if done else 400,
        )
    valid = notifications.unsubscribe_token_is_valid(token)
    return render(
        request, "forums/unsubscribe.html", {"invalid": not valid}, status=200 if valid else 400
    )
