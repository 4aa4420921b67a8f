"""Dates as a person reads them: "5 minutes ago" / "il y a 5 minutes", the exact moment
on hover, refreshed as time passes, and shaped the same by the page and by dates.js."""

import datetime as dt
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from tests import servers

pytestmark = pytest.mark.e2e

# A public community of the test's own, with a thread last active five minutes ago.
SETUP = """
from datetime import timedelta
from django.utils import timezone
from community import actions
from community.models import User
from forums import actions as forum_actions
from forums.models import Thread
staff = User.objects.get(username="admin")
community = actions.create_community(
    staff, slug={slug!r}, name={slug!r}, kind="discussion", visibility="public",
    join_policy="open",
)
thread = forum_actions.create_thread(
    staff, community, kind="discussion", title="Saddle height", body="How high?"
)
Thread.objects.filter(pk=thread.pk).update(last_activity_at=timezone.now() - timedelta(minutes=5))
"""

EXACT_EN = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$")
EXACT_FR = re.compile(r"^\d{1,2} \S+ \d{4}, \d{2}:\d{2}$")


@pytest.fixture
def community_url(daphne_server, unique):
    slug = f"dates-{unique}"
    servers._manage(daphne_server.env, "shell", "--no-startup", "-c", SETUP.format(slug=slug))
    return f"/c/{slug}/"


def paris_exact(iso):
    moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    local = moment.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    return f"{local.day} {local:%b %Y, %H:%M}"


def thread_time(page):
    return page.get_by_role("main").locator("time").first


def test_a_rendered_date_reads_ago_with_the_exact_moment_on_hover(page, community_url):
    page.goto(community_url)
    when = thread_time(page)
    expect(when).to_be_visible()
    expect(when).to_have_text(re.compile(r"^[56]\s+minutes ago$"))
    iso = when.get_attribute("datetime")
    assert iso.endswith("Z")
    expect(when).to_have_attribute("title", paris_exact(iso))


def test_a_rendered_date_reads_il_y_a_in_french(page, community_url):
    page.goto("/")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(community_url)
    when = thread_time(page)
    expect(when).to_be_visible()
    expect(when).to_have_text(re.compile(r"^il y a [56]\s+minutes$"))
    expect(when).to_have_attribute("title", EXACT_FR)


def test_relative_dates_move_on_as_time_passes(page, community_url):
    page.clock.install()
    page.goto(community_url)
    when = thread_time(page)
    expect(when).to_have_text(re.compile(r"^[56]\s+minutes ago$"))
    page.clock.run_for("03:00")
    expect(when).to_have_text(re.compile(r"^[89]\s+minutes ago$"))


@pytest.mark.parametrize(
    ("language", "recent", "just_now", "exact"),
    [
        ("English", "3 minutes ago", "just now", EXACT_EN),
        ("Français", "il y a 3 minutes", "à l'instant", EXACT_FR),
    ],
)
def test_live_dates_are_shaped_like_rendered_ones(page, language, recent, just_now, exact):
    page.goto("/")
    page.get_by_role("button", name=language).click()
    expect(page.get_by_role("button", name=language)).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => window.siteDates !== undefined")
    texts = page.evaluate(
        """() => {
          const make = (ms) => {
            const el = document.createElement("time");
            el.setAttribute("datetime", new Date(Date.now() - ms).toISOString());
            return window.siteDates.format(el);
          };
          const recent = make(3 * 60 * 1000 + 5000), now = make(2000), old = make(3 * 864e5);
          return {
            recent: recent.textContent, recentTitle: recent.title,
            recentMarked: recent.hasAttribute("data-relative"),
            now: now.textContent, old: old.textContent, oldTitle: old.title,
            oldMarked: old.hasAttribute("data-relative"),
          };
        }"""
    )
    # Django's words keep the number to its unit with a no-break space.
    assert texts["recent"].replace("\xa0", " ") == recent and texts["recentMarked"]
    assert exact.match(texts["recentTitle"]), texts
    assert texts["now"].replace("’", "'") == just_now
    assert exact.match(texts["old"]) and texts["old"] == texts["oldTitle"]
    assert not texts["oldMarked"]


@pytest.mark.parametrize(("language", "code"), [("English", "en"), ("Français", "fr")])
def test_the_browser_writes_every_month_and_a_minute_ago_as_the_server_does(page, language, code):
    """Not only the shape: the very words (Django's "Sep" and "a minute ago", not Intl's)."""
    from django.utils import timezone, translation

    from community.dates import format_when

    moments = [dt.datetime(2026, month, 14, 23, 59, tzinfo=dt.UTC) for month in range(1, 13)]
    now = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)
    with translation.override(code), timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        expected = [format_when(moment, now=now).exact for moment in moments]
        a_minute_ago = format_when(now - dt.timedelta(seconds=65), now=now).text
    page.goto("/")
    page.get_by_role("button", name=language).click()
    expect(page.get_by_role("button", name=language)).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => window.siteDates !== undefined")
    written = page.evaluate(
        """([isos, nowMs]) => {
          const write = (iso) => {
            const el = document.createElement("time");
            el.setAttribute("datetime", iso);
            return window.siteDates.format(el, nowMs).textContent;
          };
          return {exact: isos.map(write), minute: write(new Date(nowMs - 65000).toISOString())};
        }""",
        [[moment.isoformat() for moment in moments], now.timestamp() * 1000],
    )
    assert written["exact"] == expected
    assert written["minute"] == a_minute_ago
