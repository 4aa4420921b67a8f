"""One way to show a moment: relative while recent, exact after, in the member's zone.

Pages use the ``when`` template filter (``community/templatetags/dates.py``);
views that build many rows at once (a thread's posts) call ``format_when`` or
``when_html`` directly, which render no template. ``static/js/dates.js``
formats live posts and refreshes relative times the same way, in the
browser: keep the two in step (thresholds, exact shape).

The time zone is the active one (``community.site.middleware.MemberTimeZoneMiddleware``
turns on the member's); the language is the active one.
"""

import datetime
import functools
from typing import NamedTuple

from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter
from django.utils import dateformat, formats, timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy

# Younger than this reads as "3 minutes ago"; older, as "5 Dec 2026, 09:29".
# static/js/dates.js has the same threshold.
RELATIVE_FOR = datetime.timedelta(hours=24)
# A moment this close to now, either side (clocks differ a little), is "just now".
JUST_NOW = datetime.timedelta(minutes=1)
# The format (a name from the active language's format module, community/formats/)
# of exact moments: unambiguous day-month order in every language.
EXACT_FORMAT = "SHORT_DATETIME_FORMAT"


class When(NamedTuple):
    iso: str  # ISO 8601 in UTC, for <time datetime>
    text: str  # what is shown: relative or exact
    exact: str  # the exact moment in the member's zone, for the title
    relative: bool  # whether ``text`` goes stale (refreshed by dates.js)


def format_when(value, now=None):
    """Return ``When`` for an aware datetime ``value``, as the active zone and language show it.

    ``now`` defaults to the current time (pass one to render a page consistently).
    Texts are not escaped.
    """
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    now = now or timezone.now()
    language = translation.get_language() or "en"
    iso, exact = _exact(value, timezone.get_current_timezone(), language)
    age = now - value
    if -JUST_NOW < age < JUST_NOW:
        return When(iso, gettext("just now"), exact, True)
    if JUST_NOW <= age < RELATIVE_FOR:
        return When(iso, _ago(age), exact, True)
    return When(iso, exact, exact, False)


def when_html(value, now=None):
    """``value`` as ``<time datetime=.. title=..>text</time>`` (safe HTML); "" for None."""
    if value is None:
        return ""
    when = format_when(value, now)
    return mark_safe(  # noqa: S308 (every part is escaped here)
        f'<time datetime="{when.iso}" title="{escape(when.exact)}"'
        f"{' data-relative' if when.relative else ''}>{escape(when.text)}</time>"
    )


@functools.lru_cache(maxsize=10_000)
def _exact(value, zone, language):
    """The UTC ISO form and the exact local text of ``value``.

    Formatting a date is the dearest part of showing it, and a thread shows the
    same dates again and again: the result depends only on the arguments, so
    it is kept (10,000 entries: a few MB).
    """
    try:
        utc = value.astimezone(datetime.UTC)
    except OverflowError:  # year 1 or 9999 with an offset: show it as it was given
        utc = value
    iso = utc.isoformat(timespec="seconds").replace("+00:00", "Z")
    with translation.override(language):  # month names and the format itself
        try:
            local = timezone.localtime(value, zone)
        except OverflowError:
            # 9999-12-31 23:59 UTC is past the last moment Python has in Paris: show a
            # stored extreme in UTC, saying so, rather than fail the page for everyone.
            return iso, f"{dateformat.format(utc, formats.get_format(EXACT_FORMAT, language))} UTC"
        text = dateformat.format(local, formats.get_format(EXACT_FORMAT, language))
    return iso, text


def _ago(age):
    """naturaltime's words for an ``age`` under a day ("3 minutes ago", "il y a 3 minutes").

    Its own strings, which Django translates, measured from our ``now`` rather
    than the clock it reads itself (one page, one now; tests pass theirs).
    """
    strings = NaturalTimeFormatter.time_strings
    minutes = int(age.total_seconds()) // 60
    if minutes < 60:
        return strings["past-minute"] % {"count": minutes}
    return strings["past-hour"] % {"count": minutes // 60}


# A count no language writes in words, to find where the number goes in a plural form.
_COUNT_MARK = 1_000_003


def relative_words():
    """``_ago``'s words in the active language, for ``static/js/dates.js``.

    ``{"minute": {"one": "a minute ago", "other": "{n} minutes ago"}, "hour": …}``:
    the browser picks the form with ``Intl.PluralRules``, so a live post reads
    exactly as a rendered one ("a minute ago", not Intl's "1 minute ago").
    """
    strings = NaturalTimeFormatter.time_strings
    words = {}
    for unit, key in (("minute", "past-minute"), ("hour", "past-hour")):
        other = str(strings[key] % {"count": _COUNT_MARK})
        words[unit] = {
            "one": str(strings[key] % {"count": 1}),
            "other": other.replace(f"{_COUNT_MARK}", "{n}"),
        }
    return words


def exact_shape():
    """The active language's exact format for ``static/js/dates.js``: pattern and month names.

    ``{"pattern": "j M Y, H:i", "months": ["Jan", …]}``: the browser fills the
    pattern itself, so "5 Dec 2026, 09:29" is written the same on both sides
    (Intl's own months differ: "Sept" for Django's "Sep").
    """
    pattern = formats.get_format(EXACT_FORMAT)
    letter = next((char for char in pattern if char in "bEFMN"), "M")
    months = [dateformat.format(datetime.date(2000, month, 1), letter) for month in range(1, 13)]
    return {"pattern": pattern, "months": months}


def browser_words():
    """Everything dates.js needs to write as the server does, in the active language."""
    return {"relative": relative_words(), "exact": exact_shape()}


# --- The member's time zone -------------------------------------------------------


@functools.cache
def time_zone_names():
    """Every IANA zone this machine knows (zoneinfo), sorted; computed once."""
    import zoneinfo

    return tuple(sorted(zoneinfo.available_timezones() - {"localtime", "Factory"}))


def time_zone_choices():
    """The site's zone (stored as "") first, then every zone.

    A callable for the profile form, so that it is translated when shown.
    """
    from django.conf import settings

    site = ("", gettext("Same as the site (%(zone)s)") % {"zone": settings.TIME_ZONE})
    return [site, *((name, name.replace("_", " ")) for name in time_zone_names())]


def validate_time_zone(value):
    """Refuse a name zoneinfo does not know ("" is the site's zone)."""
    from django.core.exceptions import ValidationError

    if value and value not in time_zone_names():
        raise ValidationError(gettext_lazy("Unknown time zone."), code="invalid_time_zone")


def zone(name):
    """The ZoneInfo for a member's stored choice; None for the site's ("" or unknown)."""
    import zoneinfo

    if not name or name not in time_zone_names():
        return None
    return zoneinfo.ZoneInfo(name)
