"""Ranges and buckets: local days, cut to the range, adding up to it."""

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from django.test import override_settings

from community.kpis import period

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def test_defaults_to_the_last_30_days_to_today():
    p = period.parse(now=NOW)
    assert (p.start, p.end, p.granularity) == (date(2026, 10, 22), date(2026, 11, 20), "day")
    assert p.days == 30


@override_settings(TIME_ZONE="Europe/Paris")
def test_days_are_local_and_whole_across_a_daylight_saving_change():
    # 25 October 2026: Paris goes from UTC+2 to UTC+1 at 03:00.
    p = period.parse("2026-10-25", "2026-10-25", now=NOW)
    assert p.since == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert p.until == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    assert p.until - p.since == timedelta(hours=25)


def test_a_range_into_the_future_stops_at_now():
    p = period.parse("2026-11-01", "2026-11-30", now=NOW)
    assert p.cutoff == NOW
    assert period.parse("2026-10-01", "2026-10-31", now=NOW).cutoff < NOW


@pytest.mark.parametrize(
    ("granularity", "labels", "ends"),
    [
        ("day", ["2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01"], None),
        ("week", ["2026-11-28", "2026-11-30"], [date(2026, 11, 29), date(2026, 12, 1)]),
        ("month", ["2026-11-28", "2026-12-01"], [date(2026, 11, 30), date(2026, 12, 1)]),
    ],
)
def test_buckets_are_cut_to_the_range_and_add_up(granularity, labels, ends):
    # 28 November 2026 is a Saturday: its week ends on Sunday the 29th.
    p = period.parse("2026-11-28", "2026-12-01", granularity, now=NOW)
    buckets = p.buckets()
    assert [b.label for b in buckets] == labels
    if ends:
        assert [b.end for b in buckets] == ends
    assert buckets[0].since == p.since and buckets[-1].until == p.until
    assert all(a.until == b.since for a, b in pairwise(buckets))


def test_months_end_on_their_last_day():
    p = period.parse("2026-01-15", "2026-03-02", "month", now=NOW)
    assert [(b.start, b.end) for b in p.buckets()] == [
        (date(2026, 1, 15), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 2)),
    ]


def test_the_previous_period_has_the_same_length_just_before():
    p = period.parse("2026-11-01", "2026-11-30", now=NOW).previous()
    assert (p.start, p.end) == (date(2026, 10, 2), date(2026, 10, 31))


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("2026-11-31", "2026-12-01", "day"), "bad_date"),
        (("yesterday", None, "day"), "bad_date"),
        (("2026-12-01", "2026-11-01", "day"), "bad_range"),
        (("2020-01-01", "2026-01-01", "day"), "bad_range"),
        (("2026-11-01", "2026-11-02", "year"), "bad_granularity"),
        # The calendar's ends: refused, never an overflow (a 500).
        (("9999-12-30", "9999-12-31", "day"), "bad_range"),
        (("0001-01-01", "0001-01-03", "day"), "bad_range"),
        ((None, "0001-01-03", "day"), "bad_range"),
        (("1999-12-31", "2000-01-02", "day"), "bad_range"),
    ],
)
def test_bad_input_gets_a_clear_error(args, code):
    with pytest.raises(period.BadRange) as raised:
        period.parse(*args, now=NOW)
    assert raised.value.code == code
    assert str(raised.value)
