"""The surfaces' item in the site menu (``community.slots`` place ``main_nav``)."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _


def main_nav(request):
    # Wagtail serves the content home at the root of its catch-all, /content/.
    return format_html(
        '<li><a href="{}">{}</a></li>', reverse("wagtail_serve", args=[""]), _("Content")
    )
