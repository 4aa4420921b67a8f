"""What a person sees of the brand's theme, the lists' activity cues and the unread badge."""

import re

import pytest
from playwright.sync_api import expect

from community.theme import VELORA
from tests.e2e.test_forums import field
from tests.e2e.test_journeys import sign_in

pytestmark = pytest.mark.e2e


def rgb(hex_colour):
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_the_header_wears_the_brand_colour_logo_and_icon(page):
    page.goto("/")
    header = page.locator(".site-header")
    expect(header).to_be_visible()
    expect(header).to_have_css("border-top-color", rgb(VELORA["primary"]))
    logo = header.locator(".brand-logo")
    expect(logo).to_be_visible()
    # Loaded, not a broken image of the right size.
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    # Buttons and links take the colour through the custom properties.
    expect(page.get_by_role("link", name="Sign up", exact=True)).to_have_css(
        "background-color", rgb(VELORA["primary"])
    )
    icon = page.locator('link[rel="icon"]')
    assert page.request.get(icon.get_attribute("href")).ok


def test_directory_cards_show_the_latest_activity(page):
    page.goto("/")
    # The public ideas community of the demo has threads: its card says who posted last.
    card = page.locator(".community-card", has=page.locator('a[href="/c/ideas/"]'))
    activity = card.locator("[data-latest-activity]")
    expect(activity).to_be_visible()
    expect(activity.locator(".avatar")).to_be_visible()
    expect(activity.locator("time")).to_be_visible()


def test_unread_notification_count_is_still_there_after_a_reload(
    new_context, daphne_server, unique
):
    reader_name, poster_name = f"r{unique}", f"p{unique}"
    reader_email = daphne_server.create_member(reader_name, communities=["ideas"])
    poster_email = daphne_server.create_member(poster_name, communities=["ideas"])
    reader = new_context().new_page()
    sign_in(reader, reader_email)
    badge = reader.locator("[data-unread-notifications]")
    expect(badge).to_be_hidden()

    poster = new_context().new_page()
    sign_in(poster, poster_email)
    poster.goto("/c/ideas/new/")
    field(poster, "Title").fill(f"Lights for night rides {unique}")
    field(poster, "Message").fill(f"What do you think, @{reader_name}?")
    poster.get_by_role("button", name="Publish").click()
    expect(poster.get_by_role("heading", name=re.compile("Lights for night rides"))).to_be_visible()

    # Live first (the mention is delivered), then what the server renders on its own.
    expect(badge).to_have_text("1")
    reader.reload()
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")
    expect(badge).to_have_attribute("data-count", "1")
