"""Telling members of their sanctions: community records them, moderation writes the notice.

``community`` may not import ``forums``; so its actions record the entry
(``membership.banned``, ``membership.silenced``, ``user.suspended`` and their liftings) and
these receivers, connected from ``setup.ready()``, write the member's ``Notice`` after the
commit (the live ``moderation.notice`` event follows it).
"""

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from community.models import Community, User
from forums.moderation import notices
from forums.moderation.models import Notice

VERBS = (
    "membership.banned",
    "membership.unbanned",
    "membership.silenced",
    "membership.unsilenced",
    "user.suspended",
    "user.unsuspended",
)


def _date(value):
    when = parse_datetime(value) if isinstance(value, str) else value
    return formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")


def _text(entry, community):
    data = entry.data
    name = community.name if community else ""
    reason = data.get("reason") or ""
    if entry.verb == "membership.banned":
        if data.get("until"):
            text = _("You are banned from %(community)s until %(date)s.") % {
                "community": name,
                "date": _date(data["until"]),
            }
        else:
            text = _("You are banned from %(community)s.") % {"community": name}
        kind = Notice.Kind.BANNED
    elif entry.verb == "membership.unbanned":
        text = _("Your ban from %(community)s was lifted.") % {"community": name}
        kind = Notice.Kind.BANNED
    elif entry.verb == "membership.silenced":
        text = _("You are silenced in %(community)s until %(date)s: you can read, not post.") % {
            "community": name,
            "date": _date(data["after"]),
        }
        kind = Notice.Kind.SILENCED
    elif entry.verb == "membership.unsilenced":
        text = _("Your silence in %(community)s was lifted.") % {"community": name}
        kind = Notice.Kind.SILENCED
    elif entry.verb == "user.suspended":
        text = _("Your account is suspended until %(date)s: you can read, not take part.") % {
            "date": _date(data["after"])
        }
        kind = Notice.Kind.SUSPENDED
    else:
        text = _("Your account's suspension was lifted.")
        kind = Notice.Kind.SUSPENDED
    if reason:
        text = f"{text} {_('Reason:')} {reason}"
    return kind, text


def tell_sanctioned(entry):
    """Write the sanctioned (or reinstated) member's notice, in their language."""
    user = User.objects.select_related("profile").filter(pk=entry.target_user_id).first()
    if user is None:
        return
    community = Community.objects.filter(pk=entry.community_id).first()
    # Someone banned from a hidden community they never belonged to is not told: that
    # would reveal it to them (as community's own membership event is not sent).
    if (
        entry.verb == "membership.banned"
        and community is not None
        and community.visibility == Community.Visibility.HIDDEN
        and entry.data.get("before") is None
        and entry.data.get("after") == "banned"
    ):
        return
    language = getattr(getattr(user, "profile", None), "language", "") or None
    with translation.override(language):
        kind, text = _text(entry, community)
    with transaction.atomic():
        notices.tell(user, kind, text, community=community, actor=entry.actor)
