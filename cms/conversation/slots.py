"""The member feed's item in the site menu (``community.slots``, place ``main_nav``),
with the count of unread content notices (new content, a place freed up, a reminder)."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cms.events import notices


def main_nav(request):
    if not request.user.is_authenticated:
        return ""
    count = notices.cached_unread_count(request.user)
    badge = (
        format_html(
            ' <span class="count" data-unread-content aria-label="{}">{}</span>',
            _("new notices about content"),
            count,
        )
        if count
        else ""
    )
    return format_html('<li><a href="{}">{}{}</a></li>', reverse("cms_feed"), _("My feed"), badge)
