"""The first-response timer's arithmetic: pure functions, with and without business hours."""

from datetime import UTC, datetime, timedelta

import pytest

from forums.moderation.care import timer

PARIS = "Europe/Paris"
WEEKDAYS = {str(day): [["09:00", "18:00"]] for day in range(5)}  # Monday to Friday


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_without_hours_time_is_wall_time():
    start = utc(2026, 3, 2, 10, 0)
    assert timer.open_seconds(start, start + timedelta(minutes=15), {}) == 900
    assert timer.add_open_seconds(start, 900, {}) == start + timedelta(minutes=15)
    assert timer.status(state="waiting", due_at=start + timedelta(minutes=15), now=start) == (
        "waiting",
        900,
        True,
    )


def test_breached_counts_how_long_over():
    due = utc(2026, 3, 2, 10, 15)
    assert timer.status(state="waiting", due_at=due, now=due + timedelta(seconds=90)) == (
        "breached",
        -90,
        True,
    )
    assert timer.status(state="met", due_at=due, now=due) == ("met", None, False)


def test_hours_in_the_communitys_zone():
    # Monday 2 March 2026, 17:55 in Paris (UTC+1): 5 minutes before closing.
    start = utc(2026, 3, 2, 16, 55)
    due = timer.add_open_seconds(start, 15 * 60, WEEKDAYS, PARIS)
    # 5 minutes on Monday, the other 10 on Tuesday from 09:00 Paris (08:00 UTC).
    assert due == utc(2026, 3, 3, 8, 10)
    assert timer.open_seconds(start, due, WEEKDAYS, PARIS) == 900
    # At night the clock stands still, and a client is told not to tick.
    night = utc(2026, 3, 2, 23, 0)
    assert timer.status(state="waiting", due_at=due, now=night, hours=WEEKDAYS, tz_name=PARIS) == (
        "waiting",
        600,
        False,
    )


def test_a_question_on_friday_evening_waits_for_monday():
    friday_evening = utc(2026, 3, 6, 19, 0)  # 20:00 in Paris, closed
    due = timer.add_open_seconds(friday_evening, 15 * 60, WEEKDAYS, PARIS)
    assert due == utc(2026, 3, 9, 8, 15)  # Monday 09:15 Paris
    assert timer.open_seconds(friday_evening, due, WEEKDAYS, PARIS) == 900


def test_dst_days_count_their_real_hours():
    # 29 March 2026: Paris moves from UTC+1 to UTC+2 at 02:00; 28 and 29 open 00:00-12:00.
    hours = {"5": [["00:00", "12:00"]], "6": [["00:00", "12:00"]]}
    saturday = timer.open_seconds(utc(2026, 3, 27, 0), utc(2026, 3, 28, 20), hours, PARIS)
    sunday = timer.open_seconds(utc(2026, 3, 28, 12), utc(2026, 3, 30, 0), hours, PARIS)
    assert saturday == 12 * 3600  # 00:00-12:00 at UTC+1
    assert sunday == 11 * 3600  # the night lost an hour: 00:00-12:00 local is 11 real hours
    # Autumn (25 October 2026): the local day 00:00-12:00 lasts 13 real hours.
    autumn = timer.open_seconds(utc(2026, 10, 24, 12), utc(2026, 10, 26, 0), hours, PARIS)
    assert autumn == 13 * 3600
    # Adding across the change lands on the local time that was meant.
    due = timer.add_open_seconds(utc(2026, 3, 28, 10, 30), 2 * 3600, hours, PARIS)
    # Half an hour on Saturday (11:30-12:00 local), 1.5 h from Sunday 00:00 local (UTC+1).
    assert due == utc(2026, 3, 29, 0, 30)  # Sunday 01:30 local


def test_an_interval_until_midnight_and_bad_hours():
    hours = {"0": [["20:00", "00:00"]]}
    start = utc(2026, 3, 2, 18, 0)  # Monday 19:00 Paris
    assert timer.open_seconds(start, utc(2026, 3, 3, 0), hours, PARIS) == 4 * 3600
    for bad in ({"7": [["09:00", "10:00"]]}, {"0": [["10:00", "09:00"]]}, ["x"]):
        with pytest.raises((ValueError, TypeError)):
            timer.parse_hours(bad)
    with pytest.raises(ValueError):
        timer.parse_hours({"0": [["09:00", "12:00"], ["11:00", "13:00"]]})


def test_no_interval_at_all_means_always_open():
    start = utc(2026, 3, 2, 10)
    assert timer.open_seconds(start, start + timedelta(hours=1), {"0": []}, PARIS) == 3600
    assert timer.is_open(start, {"0": []}, PARIS)
