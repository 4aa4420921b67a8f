from django.conf import settings
from django.utils.functional import SimpleLazyObject

from community import theme, unread


def site(request):
    """What every page's chrome needs: the brand's name and look, the unread badge.

    Lazy: a page that never shows the badge (or a visitor, who has none) pays no
    query, and one that shows it pays exactly one however often it is read.
    """
    user = getattr(request, "user", None)
    return {
        "BRAND_NAME": settings.BRAND_NAME,
        "BRAND_THEME": SimpleLazyObject(theme.current),
        "UNREAD_NOTIFICATIONS": SimpleLazyObject(lambda: _unread_notifications(user)),
    }


def _unread_notifications(user):
    # The same figure as GET /api/v1/me's "notifications" (forums registers the counter).
    if user is None or not user.is_authenticated:
        return 0
    return unread.count("notifications", user)
