"""A member's language and time zone, carried in their session.

Copied there at login and on profile save (``community.receivers``, the profile
and language views), so that the site's middlewares
(``community.site.middleware``) apply them without a query per request.
"""

SESSION_LANGUAGE_KEY = "member_language"
SESSION_TIME_ZONE_KEY = "member_time_zone"


def remember_language(request, language):
    """Carry a member's language choice into their session ("" follows the browser)."""
    if language:
        request.session[SESSION_LANGUAGE_KEY] = language
    else:
        request.session.pop(SESSION_LANGUAGE_KEY, None)


def remember_time_zone(request, name):
    """Carry a member's time zone into their session ("" is the site's)."""
    request.session[SESSION_TIME_ZONE_KEY] = name or ""
