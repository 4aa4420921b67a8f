"""Dates: one formatting (community.dates), localised, in the member's time zone."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from community import actions
from community.dates import format_when, when_html

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)


def when(delta, language="en", zone="Europe/Paris"):
    with translation.override(language), timezone.override(zone):
        return format_when(NOW - delta, NOW)


def plain(text):
    return text.replace("\xa0", " ")


@pytest.mark.parametrize(
    ("delta", "english", "french"),
    [
        (dt.timedelta(seconds=0), "just now", "à l'instant"),
        (dt.timedelta(seconds=59), "just now", "à l'instant"),
        (dt.timedelta(seconds=-30), "just now", "à l'instant"),  # a clock a little ahead
        (dt.timedelta(minutes=1), "a minute ago", "il y a une minute"),
        (dt.timedelta(minutes=3, seconds=40), "3 minutes ago", "il y a 3 minutes"),
        (dt.timedelta(hours=2, minutes=59), "2 hours ago", "il y a 2 heures"),
        (dt.timedelta(hours=23, minutes=59), "23 hours ago", "il y a 23 heures"),
    ],
)
def test_recent_moments_read_relative(delta, english, french):
    assert plain(when(delta).text) == english
    assert plain(when(delta, "fr").text) == french
    assert when(delta).relative


def test_a_day_and_older_read_as_the_exact_moment_day_first():
    moment = when(dt.timedelta(hours=24))
    assert moment.text == moment.exact == "4 Dec 2026, 13:00"
    assert not moment.relative
    french = when(dt.timedelta(days=300), "fr")
    assert french.text == "8 fév. 2026, 13:00"


def test_future_moments_read_exact():
    assert when(dt.timedelta(days=-3)).text == "8 Dec 2026, 13:00"
    assert when(dt.timedelta(minutes=-5)).text == "5 Dec 2026, 13:05"


def test_never_zero_minutes():
    for language in ("en", "fr"):
        for seconds in range(0, 7200, 7):
            text = when(dt.timedelta(seconds=seconds), language).text
            assert not re.search(r"\b0\s", text), text


def test_exact_and_iso_in_the_zone_asked():
    moment = when(dt.timedelta(hours=1), zone="America/New_York")
    assert moment.iso == "2026-12-05T11:00:00Z"
    assert moment.exact == "5 Dec 2026, 06:00"
    assert when(dt.timedelta(hours=1)).exact == "5 Dec 2026, 12:00"


def test_when_html_and_the_filter_render_the_same_time_element():
    value = NOW - dt.timedelta(minutes=3)
    with translation.override("en"), timezone.override("Europe/Paris"):
        html = when_html(value, NOW)
        assert html == (
            '<time datetime="2026-12-05T11:57:00Z" title="5 Dec 2026, 12:57" data-relative>'
            "3\xa0minutes ago</time>"
        )
        old = NOW - dt.timedelta(days=2)
        rendered = Template("{% load dates %}{{ value|when }}{{ none|when }}").render(
            Context({"value": old, "none": None})
        )
        assert rendered == (
            '<time datetime="2026-12-03T12:00:00Z" title="3 Dec 2026, 13:00">'
            "3 Dec 2026, 13:00</time>"
        )


def test_naive_datetimes_are_read_as_utc():
    with translation.override("en"), timezone.override("UTC"):
        assert format_when(dt.datetime(2026, 1, 2, 3, 4), NOW).exact == "2 Jan 2026, 03:04"


# --- The member's time zone, on pages ---------------------------------------------


@pytest.fixture
def invitations_page(make_community, staff):
    """A page with a date on it: a community's invitations, seen by its manager."""
    community = make_community("club", visibility="private", join_policy="invite")
    invitation = actions.invite(staff, community, email="guest@example.com")
    return f"/c/{community.slug}/invitations/", staff, invitation


def _time_title(html):
    return re.search(r'<time datetime="[^"]+" title="([^"]+)"', html)[1]


@pytest.mark.django_db
def test_a_member_in_new_york_sees_new_york_time(client, invitations_page):
    url, manager, invitation = invitations_page
    actions.update_profile(manager, manager, time_zone="America/New_York")
    client.force_login(manager)
    html = client.get(url).content.decode()
    assert 'data-time-zone="America/New_York"' in html
    new_york = invitation.created_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert _time_title(html).endswith(new_york.strftime(", %H:%M"))

    actions.update_profile(manager, manager, time_zone="")
    client.force_login(manager)
    html = client.get(url).content.decode()
    assert 'data-time-zone="Europe/Paris"' in html
    paris = invitation.created_at.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    assert _time_title(html).endswith(paris.strftime(", %H:%M"))


@pytest.mark.django_db
def test_the_zone_is_saved_from_the_profile_page_and_validated(client, make_user):
    member = make_user()
    client.force_login(member)
    url = reverse("profile_edit")
    assert "America/New_York" in client.get(url).content.decode()
    response = client.post(url, {"time_zone": "Asia/Tokyo", "display_name": "M"})
    assert response.status_code == 302
    member.profile.refresh_from_db()
    assert member.profile.time_zone == "Asia/Tokyo"
    assert client.session["member_time_zone"] == "Asia/Tokyo"
    assert client.post(url, {"time_zone": "Mars/Olympus"}).status_code == 200
    member.profile.refresh_from_db()
    assert member.profile.time_zone == "Asia/Tokyo"


@pytest.mark.django_db
def test_the_zone_costs_no_query_once_in_the_session(client, make_user, django_assert_num_queries):
    member = make_user()
    actions.update_profile(member, member, time_zone="Asia/Tokyo")
    client.force_login(member)  # the login receiver copies it into the session
    assert client.session["member_time_zone"] == "Asia/Tokyo"
    with django_assert_num_queries(1):  # the session, which the language reads anyway
        assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_a_session_from_before_the_setting_reads_it_once(client, invitations_page):
    url, manager, _invitation = invitations_page
    actions.update_profile(manager, manager, time_zone="Asia/Tokyo")
    client.force_login(manager)
    session = client.session
    del session["member_time_zone"]
    session.save()
    assert 'data-time-zone="Asia/Tokyo"' in client.get(url).content.decode()
    assert client.session["member_time_zone"] == "Asia/Tokyo"
