"""Dates people set stay in a range every page can show, and no stored date breaks a page.

Issue 12, defect 5: a poll closing at 9999-12-31T23:59:59Z was accepted, then
the thread page answered 500 for everyone (OverflowError converting to Paris).
"""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from community import actions as community_actions
from community.dates import format_when, when_html
from forums import actions
from forums.models import Poll, Thread

pytestmark = pytest.mark.postgres_too

UTC = datetime.UTC


@pytest.fixture
def forum(make_community, make_user, add_member):
    club = make_community("club", visibility="public", join_policy="open")
    member = make_user()
    add_member(club, member)
    return {"community": club, "member": member}


def api_auth(user):
    _token, key = community_actions.create_api_token(user, user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def create_poll_through_api(client, forum, closes_at):
    return client.post(
        "/api/v1/communities/club/threads",
        {
            "kind": "poll",
            "title": "When?",
            "body": "Pick one",
            "options": ["Sat", "Sun"],
            "closes_at": closes_at,
        },
        content_type="application/json",
        **api_auth(forum["member"]),
    )


OUT_OF_RANGE = [
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "2150-01-01T00:00:00Z",
]


@pytest.mark.django_db
@pytest.mark.parametrize("closes_at", OUT_OF_RANGE)
def test_the_api_refuses_a_closing_time_out_of_range(client, forum, closes_at):
    response = create_poll_through_api(client, forum, closes_at)
    assert response.status_code == 422, response.content
    assert response.json()["code"]
    assert not Thread.objects.filter(kind="poll").exists()


@pytest.mark.django_db
def test_the_api_refuses_a_poll_open_for_more_than_ten_years(client, forum):
    closes_at = (timezone.now() + timedelta(days=365 * 11)).isoformat()
    response = create_poll_through_api(client, forum, closes_at)
    assert response.status_code == 422, response.content


@pytest.mark.django_db
def test_the_api_takes_a_closing_time_in_range(client, forum):
    closes_at = (timezone.now() + timedelta(days=30)).isoformat()
    response = create_poll_through_api(client, forum, closes_at)
    assert response.status_code == 201, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("closes_at", ["9999-12-31T23:59", "2150-01-01T00:00"])
def test_the_form_refuses_a_closing_time_out_of_range(client, forum, closes_at):
    client.force_login(forum["member"])
    response = client.post(
        "/c/club/new/",
        {
            "kind": "poll",
            "title": "When?",
            "body": "Pick one",
            "options": "Sat\nSun",
            "closes_at": closes_at,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["closes_at"]
    assert not Thread.objects.filter(kind="poll").exists()


def test_the_action_refuses_what_the_api_refused():
    # One rule for every surface: the action that writes the poll checks the range.
    from django.core.exceptions import ValidationError

    from forums.validation import clean_poll

    extreme = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    with pytest.raises(ValidationError) as error:
        clean_poll({"options": ["a", "b"], "closes_at": extreme})
    assert "closes_at" in error.value.message_dict


EXTREMES = [
    datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime.datetime(1, 1, 1, 0, 0, tzinfo=UTC),
]
ZONES = ["", "Pacific/Kiritimati", "America/Los_Angeles"]  # "" is the site's (Paris)


@pytest.mark.django_db
@pytest.mark.parametrize("extreme", EXTREMES)
@pytest.mark.parametrize("zone", ZONES)
def test_a_stored_extreme_date_does_not_break_the_thread_page(client, forum, extreme, zone):
    # Stored before the rule existed, or written by hand: the page still shows.
    thread = actions.create_thread(
        forum["member"],
        forum["community"],
        kind="poll",
        title="Old poll",
        body="From before the rule",
        poll={"options": ["a", "b"], "closes_at": timezone.now() + timedelta(days=1)},
    )
    Poll.objects.filter(thread=thread).update(closes_at=extreme)
    response = client.get(thread.get_absolute_url())  # anonymous, in the site's zone
    assert response.status_code == 200
    client.force_login(forum["member"])
    if zone:  # what MemberTimeZoneMiddleware reads: the member's zone, kept in the session
        session = client.session
        session["member_time_zone"] = zone
        session.save()
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    assert b"Old poll" in response.content


@pytest.mark.parametrize("extreme", EXTREMES)
@pytest.mark.parametrize("zone", ["Europe/Paris", "Pacific/Kiritimati", "America/Los_Angeles"])
def test_format_when_shows_an_extreme_in_utc_rather_than_failing(extreme, zone):
    import zoneinfo

    with timezone.override(zoneinfo.ZoneInfo(zone)):
        when = format_when(extreme)
        html = when_html(extreme)
    assert str(extreme.year) in when.exact
    assert when.iso.startswith(f"{extreme.year:04d}-")
    assert "<time" in html
