"""Asking, answering and accepting in a real browser: the forums as a person uses them."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import sign_in


def field(page, label):
    """A field of our forms by its label, which ends in " *" when required."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


pytestmark = pytest.mark.e2e


def test_ask_answer_with_a_mention_and_accept(new_context, unique):
    title = f"Which tyres for winter {unique}?"
    alice = new_context().new_page()
    sign_in(alice, "alice@example.com")
    alice.goto("/c/ideas/")
    alice.get_by_role("link", name="New thread").click()
    field(alice, "Kind").select_option("question")
    field(alice, "Title").fill(title)
    field(alice, "Message").fill("Studded or not? *Lyon*, some ice.")
    alice.get_by_role("button", name="Publish").click()
    expect(alice.get_by_role("heading", name=title)).to_be_visible()
    thread_url = alice.url

    david = new_context().new_page()
    sign_in(david, "david@example.com")
    david.goto(thread_url)
    reply = field(david, "Message")
    reply.click()
    reply.press_sequentially("Ask @ali")
    suggestion = david.get_by_role("option", name=re.compile(r"@alice\)$"))
    expect(suggestion).to_be_visible()
    reply.press("Enter")
    expect(reply).to_have_value("Ask @alice ")
    reply.press_sequentially("about studs: worth it below 0 °C.")
    david.get_by_role("button", name="Post my reply").click()
    answer = david.locator("article", has_text="worth it below 0 °C")
    expect(answer).to_be_visible()
    expect(answer.get_by_role("link", name="@alice")).to_have_attribute("href", "/u/alice/")

    alice.reload()
    alice.locator("article", has_text="worth it below 0 °C").get_by_role(
        "button", name="Accept as answer"
    ).click()
    expect(alice.locator(".thread-header").get_by_text("Solved")).to_be_visible()

    alice.goto("/notifications/")
    expect(alice.get_by_role("link", name=title).first).to_be_visible()
    david.goto("/notifications/")
    expect(david.get_by_role("link", name=title).first).to_be_visible()
