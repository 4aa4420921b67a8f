"""The member feed's item in the site menu (``community.slots``, place ``main_nav``)."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _


def main_nav(request):
    if not request.user.is_authenticated:
        return ""
    return format_html('<li><a href="{}">{}</a></li>', reverse("cms_feed"), _("My feed"))
