"""Two members on one thread in two browsers: posts, typing and a network cut, live."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.test_forums import field
from tests.e2e.test_journeys import sign_in

pytestmark = pytest.mark.e2e


def open_thread(page, url):
    page.goto(url)
    # The socket is open and the thread's stream subscribed.
    expect(page.locator("html")).to_have_attribute("data-live", "on")


def start_thread(page, title):
    """Start a discussion in the ideas community through its form; return the thread's path."""
    page.goto("/c/ideas/new/")
    field(page, "Kind").select_option("discussion")
    field(page, "Title").fill(title)
    field(page, "Message").fill("Who rides this Sunday?")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    return urlsplit(page.url).path


def post_reply(page, text):
    field(page, "Message").fill(text)
    page.get_by_role("button", name="Post my reply").click()
    expect(page.locator("article", has_text=text)).to_be_visible()


def test_a_reply_typing_and_a_network_cut_seen_live(new_context, unique, proxy):
    title = f"Live ride {unique}"
    alice = new_context().new_page()
    sign_in(alice, "alice@example.com")
    path = start_thread(alice, title)  # the same thread, through David's own way in

    david_context = new_context(base_url=proxy.base_url)
    david = david_context.new_page()
    sign_in(david, "david@example.com")
    open_thread(david, path)
    open_thread(alice, path)
    # Each sees the other reading.
    expect(david.locator("[data-presence]")).to_contain_text("Alice Smith")
    expect(alice.locator("[data-presence]")).to_contain_text("David Chen")

    # Alice types: David sees who is writing, without reloading.
    field(alice, "Message").press_sequentially("I do")
    expect(david.locator("[data-typing]")).to_have_text(re.compile("Alice Smith"))

    # Alice posts: it appears on David's page, announced to screen readers.
    post_reply(alice, f"Count me in {unique}")
    live = david.locator("article", has_text=f"Count me in {unique}")
    expect(live).to_have_count(1)
    # Its header as the page renders one: a link to Alice's profile, her initial.
    expect(live.get_by_role("link", name="Alice Smith")).to_have_attribute("href", "/u/alice/")
    expect(live.locator(".avatar")).to_have_text("A")
    expect(david.locator("#live-announcer")).to_contain_text("Alice Smith")
    expect(david.locator("[data-typing]")).to_have_text("")

    # David's network goes away; Alice posts twice meanwhile.
    david.evaluate("window.sameDocument = true")  # gone if the page reloads
    proxy.cut()
    expect(david.locator("html")).to_have_attribute("data-live", "off", timeout=15_000)
    post_reply(alice, f"Meet at 9 {unique}")
    post_reply(alice, f"Bring lights {unique}")
    proxy.restore()

    # Back online: every post exactly once, in order, without a reload.
    expect(david.locator("html")).to_have_attribute("data-live", "on", timeout=40_000)
    for text in (f"Count me in {unique}", f"Meet at 9 {unique}", f"Bring lights {unique}"):
        expect(david.locator("article", has_text=text)).to_have_count(1)
    bodies = david.locator("article .post-body").all_inner_texts()
    order = [i for i, b in enumerate(bodies) for t in ("Count me", "Meet at 9", "Bring") if t in b]
    assert order == sorted(order) and len(order) == 3
    assert david.evaluate("window.sameDocument") is True
