"""A reader back from a network cut never sees a post deleted meanwhile, even for an instant."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import sign_in
from tests.e2e.test_live import open_thread, post_reply, start_thread

pytestmark = pytest.mark.e2e

# Records whether a text ever entered the page, however briefly.
WATCH = """secret => {
  window.secretSeen = false;
  new MutationObserver(() => {
    if (document.body.textContent.includes(secret)) window.secretSeen = true;
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def test_a_post_deleted_during_a_cut_comes_back_as_a_placeholder(new_context, unique, proxy):
    title = f"Redacted ride {unique}"
    secret = f"my phone is 06 {unique}"
    alice = new_context().new_page()
    sign_in(alice, "alice@example.com")
    path = start_thread(alice, title)

    reader = new_context(base_url=proxy.base_url).new_page()  # anonymous
    open_thread(reader, path)
    reader.evaluate(WATCH, secret)
    proxy.cut()
    expect(reader.locator("html")).to_have_attribute("data-live", "off", timeout=15_000)

    post_reply(alice, secret)
    alice.locator("article", has_text=secret).get_by_role("button", name="Delete").click()
    expect(alice.get_by_text("This post was deleted.")).to_be_visible()
    post_reply(alice, f"Meet at 9 {unique}")
    proxy.restore()

    expect(reader.locator("html")).to_have_attribute("data-live", "on", timeout=40_000)
    expect(reader.locator("article", has_text=f"Meet at 9 {unique}")).to_be_visible()
    placeholder = reader.locator("article#post-2 .post-deleted")
    expect(placeholder).to_be_visible()
    expect(placeholder).to_have_text("This post was deleted.")
    expect(reader.locator("article#post-2").get_by_role("link", name="Alice Smith")).to_be_visible()
    assert reader.evaluate("window.secretSeen") is False
