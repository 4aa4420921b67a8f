"""A moderator hides a post from the thread page; a member reading it sees the placeholder
arrive live, without a reload, and the moderator still reads the text, marked hidden."""

import pytest
from playwright.sync_api import expect

from tests.e2e.world import open_live, person

pytestmark = pytest.mark.e2e


def test_a_hidden_post_becomes_a_placeholder_live(new_context, daphne_server, world):
    url = world["urls"]["talk"]
    mia = person(new_context, daphne_server, world, "member")
    open_live(mia, url)
    reply = mia.locator("article", has_text="Wax, every 300 km.")
    expect(reply).to_have_count(1)

    max_ = person(new_context, daphne_server, world, "manager")
    max_.goto(url)
    post = max_.locator("article", has_text="Wax, every 300 km.")
    post.locator("[data-hide-post] summary").click()
    post.get_by_label("Reason").fill("Off-topic advice")
    post.locator("[data-hide-post]").get_by_role("button", name="Hide").click()
    expect(max_.locator(".messages, [role=status], .notice").first).to_be_visible()
    # The moderator still reads it, marked hidden, with a way back.
    hidden = max_.locator("article.post-hidden")
    expect(hidden).to_contain_text("Wax, every 300 km.")
    expect(hidden.get_by_role("button", name="Restore")).to_be_visible()

    # Mia's open page: the placeholder replaces the text, live, in the same document.
    placeholder = mia.locator("article .post-placeholder")
    expect(placeholder).to_have_text("This post was hidden by a moderator.")
    expect(mia.locator("article", has_text="Wax, every 300 km.")).to_have_count(0)
    assert mia.evaluate("window.sameDocument") is True
    # And after a reload, the page says the same.
    mia.reload()
    expect(mia.locator("article .post-placeholder")).to_have_count(1)
    expect(mia.locator("article", has_text="Wax, every 300 km.")).to_have_count(0)
