"""The range a report covers: inclusive local dates, a granularity and its buckets.

Dates are the site's (``settings.TIME_ZONE``): ``start`` opens at its local midnight,
``end`` closes at the next one (both kept as UTC instants), so "1 to 30 November" is
thirty whole local days, daylight-saving changes included. A range that reaches into
the future stops at ``now`` (``cutoff``): waiting times run to now, not to the end of
the last day.

Weeks start on Monday (ISO weeks); months are calendar months. The first and last
buckets are cut to the range, so buckets always add up to it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from community.kpis.definitions import GRANULARITIES

MAX_DAYS = 731  # two years, by day at most
DEFAULT_DAYS = 30
# Dates a range may cover: nothing was recorded before, and far enough ahead for any
# plan (and far from the calendar's ends, where a day's next midnight would overflow).
FIRST_DATE = date(2000, 1, 1)
YEARS_AHEAD = 5


class BadRange(ValueError):
    """A range or granularity the API refuses (HTTP 400), with a machine-readable code."""

    def __init__(self, message, code="bad_range"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Bucket:
    label: str  # ISO date of its first day
    start: date
    end: date  # inclusive
    since: datetime
    until: datetime  # exclusive


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    granularity: str
    tz: ZoneInfo
    now: datetime

    @property
    def since(self):
        return _midnight(self.start, self.tz)

    @property
    def until(self):
        return _midnight(self.end + timedelta(days=1), self.tz)

    @property
    def cutoff(self):
        """The end of the range, or now if that comes first: what "so far" means."""
        return min(self.until, self.now)

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def as_dict(self):
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "granularity": self.granularity,
            "time_zone": str(self.tz),
        }

    def previous(self):
        """The range of the same length just before this one (for "vs previous period")."""
        length = timedelta(days=self.days)
        return Period(self.start - length, self.end - length, self.granularity, self.tz, self.now)

    def buckets(self, granularity=None):
        """The buckets of ``granularity`` (this range's by default), cut to the range."""
        granularity = granularity or self.granularity
        result = []
        first = self.start
        while first <= self.end:
            last = min(_bucket_end(first, granularity), self.end)
            result.append(
                Bucket(
                    first.isoformat(),
                    first,
                    last,
                    _midnight(first, self.tz),
                    _midnight(last + timedelta(days=1), self.tz),
                )
            )
            first = last + timedelta(days=1)
        return result


def _midnight(day, tz):
    # In UTC: Python subtracts two datetimes of the same zone on the wall clock, so a
    # local 25-hour day would read as 24 hours.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _bucket_end(day, granularity):
    if granularity == "day":
        return day
    if granularity == "week":
        return day + timedelta(days=6 - day.weekday())
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month - timedelta(days=1)


def site_zone():
    return ZoneInfo(settings.TIME_ZONE)


def parse(start=None, end=None, granularity=None, *, now=None):
    """A Period from query parameters (ISO dates, or None for the last 30 days to today).

    Raise ``BadRange`` with a clear message on a bad date, a reversed or too long range,
    or an unknown granularity.
    """
    now = now or timezone.now()
    tz = site_zone()
    today = now.astimezone(tz).date()
    granularity = granularity or "day"
    if granularity not in GRANULARITIES:
        raise BadRange(
            _("Granularity must be one of: %(choices)s.") % {"choices": ", ".join(GRANULARITIES)},
            code="bad_granularity",
        )
    last_date = today.replace(year=today.year + YEARS_AHEAD, day=min(today.day, 28))
    end_date = _within(_date(end, "end") if end else today, last_date)
    if start:
        start_date = _within(_date(start, "start"), last_date)
    else:
        start_date = max(FIRST_DATE, end_date - timedelta(days=DEFAULT_DAYS - 1))
    if start_date > end_date:
        raise BadRange(_("The start date comes after the end date."))
    if (end_date - start_date).days + 1 > MAX_DAYS:
        raise BadRange(_("A range covers at most %(days)d days.") % {"days": MAX_DAYS})
    return Period(start_date, end_date, granularity, tz, now)


def _within(day, last_date):
    if not FIRST_DATE <= day <= last_date:
        raise BadRange(
            _("Dates go from %(first)s to %(last)s.")
            % {"first": FIRST_DATE.isoformat(), "last": last_date.isoformat()}
        )
    return day


def _date(value, name):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadRange(
            _("%(name)s must be a date written YYYY-MM-DD.") % {"name": name}, code="bad_date"
        ) from None
