"""How a notification reads to the person notified: why they got it, and an excerpt.

Shared by the notifications page (``reason_html``, ``excerpt``) and the mails
(``reason_text``), so that both say the same thing in the reader's language.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forums.models import Notification

Kind = Notification.Kind

# The notifications page speaks to the member ("mentioned you"); the model's choice
# labels describe a setting in the first person ("Someone mentions me") and stay so.
REASONS = {
    Kind.REPLY: _("{actor} replied in a thread you watch"),
    Kind.MENTION: _("{actor} mentioned you"),
    Kind.QUOTE: _("{actor} replied to your post"),
    Kind.ACCEPTED: _("{actor} accepted your answer"),
    Kind.IDEA_STATUS: _("{actor} updated an idea you voted for"),
}
OWN_IDEA = _("{actor} updated your idea")
EXCERPT_CHARS = 160


def _reason(notification):
    """The reason's translated words, with ``{actor}`` where the name goes, and the name."""
    actor = notification.actor
    if actor is None:
        name = gettext("Someone")
    else:
        try:
            name = actor.profile.name
        except ObjectDoesNotExist:
            name = actor.username
    template = REASONS.get(notification.kind, REASONS[Kind.REPLY])
    if (
        notification.kind == Kind.IDEA_STATUS
        and notification.thread.author_id == notification.user_id
    ):
        template = OWN_IDEA
    return str(template), name


def reason_html(notification):
    """Who did what, for the person notified: "<strong>Alice</strong> mentioned you"."""
    # Split, not format(): a stray brace in a translation must not break the page.
    template, name = _reason(notification)
    before, found, after = template.partition("{actor}")
    if not found:
        return format_html("{}", template)
    return format_html("{}<strong>{}</strong>{}", before, name, after)


def reason_text(notification):
    """The same reason in plain text, for mails: "Alice mentioned you"."""
    template, name = _reason(notification)
    return template.replace("{actor}", name)


def excerpt(notification):
    """A short plain-text excerpt of the post (or an idea's new status); "" when none."""
    post = notification.post
    if post is not None:
        if post.deleted_at is not None:
            return ""
        return post.excerpt(EXCERPT_CHARS)
    thread = notification.thread
    if notification.kind == Kind.IDEA_STATUS and thread.idea_status:
        return thread.get_idea_status_display()
    return ""
