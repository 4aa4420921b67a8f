"""Business-hours arithmetic for first-response clocks: pure functions, no database.

``hours`` maps a weekday (0 = Monday, as a string or an int) to intervals
``[["09:00", "18:00"], ...]`` in the community's time zone; an empty mapping (or
one with no interval at all) means always open. Local opening times become UTC
instants day by day through ``zoneinfo``, so a day that gains or loses an hour
(DST) counts the real time it was open: 09:00-18:00 is 9 hours on either side of
the change. A local time that does not exist (02:30 on a spring-forward night)
takes the offset before the change, as ``zoneinfo`` does with ``fold=0``.
"""

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_DAYS = 400  # how far the walk looks for open hours before giving up


def zone(name):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_hours(hours):
    """Normalise ``hours`` to ``{weekday: [(time, time), ...]}``; raise ValueError if invalid."""
    result = {}
    if not hours:
        return result
    if not isinstance(hours, dict):
        raise ValueError("Business hours must map weekdays to intervals.")
    for day, intervals in hours.items():
        weekday = int(day)
        if not 0 <= weekday <= 6 or not isinstance(intervals, list):
            raise ValueError(f"Bad weekday {day!r}.")
        parsed = []
        for interval in intervals:
            start, end = (time.fromisoformat(value) for value in interval)
            if end <= start and end != time(0):
                raise ValueError(f"Interval {interval!r} ends before it starts.")
            parsed.append((start, end))
        parsed.sort()
        for (_s1, e1), (s2, _e2) in pairwise(parsed):
            if e1 == time(0) or s2 < e1:
                raise ValueError("Intervals overlap.")
        if parsed:
            result[weekday] = parsed
    return result


def _open_intervals(start, hours, tz):
    """Yield the open intervals (UTC datetimes) from the local day of ``start`` on."""
    day = start.astimezone(tz).date()
    for _ in range(MAX_DAYS):
        for opens, closes in hours.get(day.weekday(), ()):
            begin = datetime.combine(day, opens, tzinfo=tz).astimezone(UTC)
            end_day = day + timedelta(days=1) if closes == time(0) else day
            end = datetime.combine(end_day, closes, tzinfo=tz).astimezone(UTC)
            if end > begin:
                yield begin, end
        day += timedelta(days=1)


def open_seconds(start, end, hours, tz_name="UTC"):
    """Seconds between ``start`` and ``end`` that fall within business hours."""
    if end <= start:
        return 0.0
    parsed = parse_hours(hours)
    if not parsed:
        return (end - start).total_seconds()
    total = 0.0
    for begin, close in _open_intervals(start, parsed, zone(tz_name)):
        if begin >= end:
            break
        overlap = (min(close, end) - max(begin, start)).total_seconds()
        total += max(overlap, 0.0)
    return total


def add_open_seconds(start, seconds, hours, tz_name="UTC"):
    """The instant at which ``seconds`` of business hours have passed since ``start``."""
    parsed = parse_hours(hours)
    if not parsed:
        return start + timedelta(seconds=seconds)
    left = float(seconds)
    for begin, close in _open_intervals(start, parsed, zone(tz_name)):
        if close <= start:
            continue
        begin = max(begin, start)
        length = (close - begin).total_seconds()
        if left <= length:
            return begin + timedelta(seconds=left)
        left -= length
    return start + timedelta(days=MAX_DAYS)


def is_open(at, hours, tz_name="UTC"):
    """Whether ``at`` falls within business hours."""
    parsed = parse_hours(hours)
    return not parsed or _is_open(at, parsed, zone(tz_name))


def _is_open(at, parsed, tz):
    for begin, close in _open_intervals(at - timedelta(days=1), parsed, tz):
        if begin > at:
            return False
        if begin <= at < close:
            return True
    return False


def status(*, state, due_at, now, hours=None, tz_name="UTC"):
    """``(state, seconds_left, ticking)`` of a clock at ``now``.

    ``seconds_left`` counts business-hours seconds until ``due_at``; negative once
    breached (how long over, in business hours). ``ticking`` tells a client whether
    to count down by the second now (false outside business hours). A met clock
    has no time left (None).
    """
    if state == "met":
        return "met", None, False
    ticking = is_open(now, hours, tz_name)
    if now < due_at:
        left = open_seconds(now, due_at, hours, tz_name)
        return ("waiting" if state == "waiting" else state), round(left), ticking
    over = open_seconds(due_at, now, hours, tz_name)
    return "breached", -round(over), ticking
