"""The member's home feed page (``/feed/``): the same items as ``GET /api/v1/feed``."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from cms.conversation import queries
from cms.events import notices


def _dated(items):
    """The items with their ISO times as datetimes too, for ``|when`` in the template."""
    return [
        {
            **item,
            "published": parse_datetime(item["published_at"]) if item["published_at"] else None,
            "starts": parse_datetime(item["starts_at"]) if item.get("starts_at") else None,
        }
        for item in items
    ]


@login_required
def feed(request):
    """The feed, with the member's content notices on top: opening it reads them (the
    "content" unread count of the menu and of ``GET /api/v1/me``)."""
    context = queries.feed(request.user, request)
    context["content"] = _dated(context["content"])
    context["events"] = _dated(context["events"])
    context["notices"] = notices.notices_for(request.user)
    context["unread_notices"] = {n.pk for n in context["notices"] if n.read_at is None}
    if context["unread_notices"]:
        notices.mark_read(request.user)
    return render(request, "cms/conversation/feed.html", context)
