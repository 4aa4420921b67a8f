"""The dashboard's item in the site menu (``community.slots``, place ``main_nav``).

Shown to whoever ``can_view_kpi_dashboard``: staff (no query) and managers. Whether a
member manages a community is kept in the cache for a few minutes, as the badges'
unread count is, so that the menu costs no query on most pages; the dashboard itself
asks the permissions on every request, so a stale menu never opens a door.
"""

from django.core.cache import cache
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from community import permissions

CACHE_SECONDS = 300


def _cache_key(user_pk):
    return f"kpis:dashboard-link:{user_pk}"


def shows_link(user):
    if not user.is_authenticated:
        return False
    if permissions.is_staff(user):
        return True
    key = _cache_key(user.pk)
    allowed = cache.get(key)
    if allowed is None:
        allowed = permissions.can_view_kpi_dashboard(user)
        cache.set(key, allowed, CACHE_SECONDS)
    return allowed


def forget(entry):
    """A role changed: the member's menu is read again on their next page."""
    for user_id in (entry.target_user_id, entry.actor_id):
        if user_id:
            cache.delete(_cache_key(user_id))


def main_nav(request):
    user = getattr(request, "user", None)  # absent on an error page answered early
    if user is None or not shows_link(user):
        return ""
    return format_html('<li><a href="{}">{}</a></li>', reverse("kpis:dashboard"), _("Figures"))
