"""What the thread page shows of each post, worked out once per page (forums.views).

The page's posts and the blank post that live updates copy (``blank_post``, in
the ``<template>`` that static/js/realtime.js clones) go through the same
``prepare_posts`` and the same markup (forums/_posts.html), so that a post that
arrives live and the same post after a reload are one markup.
"""

import html
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html_join
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString

from community import facets
from community.dates import format_when
from community.models import Membership, Profile
from forums import payloads
from forums.models import Reaction, Status
from forums.queries import Row

# Stands for the argument of a URL reversed once for a whole page (see url_maker);
# digits, so that it fits <int:...> as well as <str:...>.
ANY = "918273645546372819"

# What stands in the blank post for its id and number; realtime.js puts the real ones.
BLANK_ID, BLANK_NUMBER = "__ID__", "__N__"

# A reaction's icon, drawn inline (no emoji font needed, no request): the insides of
# a 24x24 stroked SVG, after Feather and Lucide icons (MIT licence). The kind's
# translated name is the button's accessible name and tooltip.
REACTION_ICONS = {
    Reaction.Kind.LIKE: SafeString(
        '<path d="M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3z'
        'M7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3"/>'
    ),
    Reaction.Kind.HELPFUL: SafeString(
        '<path d="M22 11.08V12a10 10 0 1 1-5.93-9.14"/><path d="M22 4 12 14.01l-3-3"/>'
    ),
    Reaction.Kind.LOVE: SafeString(
        '<path d="M20.84 4.61a5.5 5.5 0 0 0-7.78 0L12 5.67l-1.06-1.06a5.5 5.5 0 0 0-7.78 '
        '7.78l1.06 1.06L12 21.23l7.78-7.78 1.06-1.06a5.5 5.5 0 0 0 0-7.78z"/>'
    ),
    Reaction.Kind.INSIGHTFUL: SafeString(
        '<path d="M15 14c.2-1 .7-1.7 1.5-2.5 1-.9 1.5-2.2 1.5-3.5A6 6 0 0 0 6 8c0 1 .2 2.2 '
        '1.5 3.5.7.7 1.3 1.5 1.5 2.5"/><path d="M9 18h6"/><path d="M10 22h4"/>'
    ),
    Reaction.Kind.FUNNY: SafeString(
        '<circle cx="12" cy="12" r="10"/><path d="M8 14s1.5 2 4 2 4-2 4-2"/>'
        '<path d="M9 9h.01"/><path d="M15 9h.01"/>'
    ),
}
ICON = (
    '<svg class="reaction-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"'
    ' focusable="false" fill="none" stroke="currentColor" stroke-width="2"'
    ' stroke-linecap="round" stroke-linejoin="round">{}</svg>'
)

EXCERPT_LENGTH = 200


def url_maker(name, *args):
    """``reverse(name, args=args)`` as a function of the argument that ``ANY`` stands for.

    A page of 50 posts would otherwise resolve the same route 50 times per link. The
    argument is quoted as reverse() quotes it, and the URL comes HTML-escaped (a
    ``SafeString``, as the template would escape it).
    """
    prefix, suffix = (html.escape(part) for part in reverse(name, args=args).split(ANY))
    return lambda value: SafeString(
        f"{prefix}{html.escape(quote(str(value), safe=RFC3986_SUBDELIMS + '/~:@'))}{suffix}"
    )


def reaction_kinds():
    """(value, translated label, icon) of each kind of reaction, in their order."""
    return [(value, str(label), REACTION_ICONS[value]) for value, label in Reaction.Kind.choices]


def prepare_posts(posts, thread, user, *, can_participate, can_accept, can_moderate, edit_rights):
    """Add to each row of ``queries.post_rows`` what the thread page shows of it.

    Authors' names, links, avatars and roles are worked out once per author; dates
    are formatted here, in the reader's time zone and language, as the ``when``
    filter would (see ``_post_time``); reactions as HTML (see ``_reactions_html``).
    The strings are HTML-safe already (escaped here, once per author or date, or
    made of digits), so that the template does not escape them again for every
    post: that escaping was a third of the time of the template's loop.

    ``edit_rights`` (``forums.permissions.post_edit_rights``) decides each post's
    Edit and Delete links, as ``check_edit_post`` decides the edit itself.
    """
    kinds = reaction_kinds()  # translated once
    # The links this reader may follow, each route reversed once for the page.
    profile_url = url_maker("profile", ANY)
    react_url = url_maker("post_action", ANY, "react") if can_participate else None
    accept_url = url_maker("post_action", ANY, "accept") if can_accept else None
    if edit_rights.any or edit_rights.own:
        edit_url = url_maker("edit_post", ANY)
        delete_url = url_maker("post_action", ANY, "delete")
    if user.is_authenticated:
        history_url = url_maker("post_history", ANY)
    if can_moderate:
        hide_url = url_maker("post_action", ANY, "hide")
        restore_url = url_maker("post_action", ANY, "restore")
    now = timezone.now()  # one "now" for the whole page's relative dates
    avatars = Profile._meta.get_field("avatar").storage
    # What other apps add to the author line (community.facets), loaded at once.
    authors = {post["author_id"] for post in posts}
    shown = facets.load(authors, viewer=user, community=thread.community, authors=True)
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
                    if role in payloads.STAFFING_ROLES
                    else "",
                    "author_facets": shown.html(author_id),
                }
            post.update(byline)
        else:
            post["author_url"] = None
        # Strings, not numbers (a number in a template goes through number localization),
        # safe ones (made of digits: nothing to escape).
        post["anchor"] = SafeString(f"post-{post['number']}")
        post["quote_url"] = SafeString(f"?quote={pk}#reply-title")
        post["iso_time"], post["local_time"], post["exact_time"], post["relative_time"] = (
            _post_time(post["created_at"], now)
        )
        # Moderation (forums.queries.visible_posts chose the rows): a hidden post is a
        # placeholder but for moderators, who see it marked; a held one is marked.
        status = post.get("status", Status.PUBLISHED)
        post["held"] = status == Status.HELD
        post["hidden"] = status == Status.HIDDEN
        post["placeholder"] = post["hidden"] and not can_moderate
        if post["placeholder"]:
            post["html"] = ""
        if can_moderate and post["deleted_at"] is None:
            if post["hidden"]:
                post["restore_url"] = restore_url(pk)
            elif not post["held"]:
                post["hide_url"] = hide_url(pk)
        post["edited"] = post["edited_at"] is not None and post["deleted_at"] is None
        post["accepted"] = accepted = thread.accepted_post_id == pk
        counts = post["reaction_counts"]
        mine = post.get("my_reactions") or 0
        key = (tuple(counts.get(value, 0) for value, _label, _icon in kinds), mine)
        post["reactions"] = reactions.get(key)
        if post["reactions"] is None:
            post["reactions"] = reactions[key] = _reactions_html(
                kinds, key[0], can_participate, mine
            )
        if react_url:
            post["react_url"] = react_url(pk)
        post["accept_url"] = (
            accept_url(pk) if accept_url and post["number"] > 1 and not accepted else None
        )
        post["edit_url"] = post["history_url"] = None
        if edit_rights.allows(author_id, deleted=post["deleted_at"] is not None):
            post["edit_url"], post["delete_url"] = edit_url(pk), delete_url(pk)
        # The edit history (of a post not deleted: "edited"), for those who may see
        # it (permissions.can_see_revisions): its author and moderators.
        if post["edited"] and user.is_authenticated and (can_moderate or author_id == user.pk):
            post["history_url"] = history_url(pk)


def blank_post(thread, user, *, can_participate, can_accept, can_moderate, edit_rights):
    """The post that live updates copy: a row as ``prepare_posts`` makes them, with
    ``BLANK_ID`` and ``BLANK_NUMBER`` where its id and number go.

    What depends on the post's author (edit and delete for its author, per
    ``edit_rights``) is marked ``author_only`` (unless the reader moderates):
    realtime.js keeps it only on the reader's own posts. Names, avatar, role, date
    and body are filled by the script.
    """
    row = Row(
        id=BLANK_ID,
        number=BLANK_NUMBER,
        author_id=None,
        html="",
        created_at=None,
        edited_at=None,
        deleted_at=None,
        reaction_counts={},
        my_reactions=0,
    )
    kinds = reaction_kinds()
    row.update(
        anchor=SafeString(f"post-{BLANK_NUMBER}"),
        author_url=SafeString(""),  # an author: a link, filled in (or swapped) by the script
        author_name="",
        avatar_url="",
        initial="",
        author_role_label="",
        author_facets="",
        quote_url=SafeString(f"?quote={BLANK_ID}#reply-title"),
        iso_time="",
        local_time="",
        exact_time="",
        relative_time=False,
        edited=False,
        accepted=False,
        held=False,
        hidden=False,
        placeholder=False,
        reactions=_reactions_html(kinds, (0,) * len(kinds), can_participate, 0),
        react_url=url_maker("post_action", ANY, "react")(BLANK_ID) if can_participate else None,
        accept_url=url_maker("post_action", ANY, "accept")(BLANK_ID) if can_accept else None,
        edit_url=None,
        history_url=None,
        blank=True,
    )
    if can_moderate:
        row["hide_url"] = url_maker("post_action", ANY, "hide")(BLANK_ID)
    if edit_rights.any or edit_rights.own:
        row["edit_url"] = url_maker("edit_post", ANY)(BLANK_ID)
        row["delete_url"] = url_maker("post_action", ANY, "delete")(BLANK_ID)
        row["author_only"] = not edit_rights.any
    return row


def _post_time(value, now):
    """``value`` as the site shows every date (``community.dates``, the ``when`` filter;
    static/js/dates.js for live posts): ISO, text, exact text (HTML-escaped), relative.

    Called here rather than through the filter, once per post, with no template of its
    own; ``community.dates`` keeps the dear part (the exact text) cached.
    """
    when = format_when(value, now)
    return SafeString(when.iso), escape(when.text), escape(when.exact), when.relative


def _reactions_html(kinds, counts, can_react, mine):
    """A post's reactions: a compact button per kind (icon, count; pressed when the
    reader's own, a bit of ``mine`` per kind in order) for those who may react, else
    every kind, those without a count hidden (a live reaction shows them: thread.js).

    Built here rather than in thread.html: five buttons on each of 50 posts were the
    largest part of the page's template time, and posts mostly share their counts
    (none at all), so a page builds each distinct set once.
    """
    if can_react:  # the buttons of one form per post: name=kind, works with no script
        return format_html_join(
            "",
            '<button type="submit" name="kind" value="{}" class="reaction" title="{}"'
            ' aria-pressed="{}">' + ICON + '<span class="visually-hidden">{}</span>'
            '<span class="count-pill">{}</span></button>',
            (
                (
                    value,
                    label,
                    "true" if mine & (1 << index) else "false",
                    icon,
                    label,
                    count or "",
                )
                for index, ((value, label, icon), count) in enumerate(
                    zip(kinds, counts, strict=True)
                )
            ),
        )
    return format_html_join(
        "",
        '<span class="reaction" data-kind="{}" title="{}"{}>'
        + ICON
        + '<span class="visually-hidden">{}</span><span class="count-pill">{}</span></span>',
        (
            (value, label, "" if count else " hidden", icon, label, count or "")
            for (value, label, icon), count in zip(kinds, counts, strict=True)
        ),
    )
