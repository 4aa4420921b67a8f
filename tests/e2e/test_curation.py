"""Curation in a browser: typing a new question's title shows a solved similar thread,
and opening it is recorded for deflection counting."""

import pytest
from playwright.sync_api import expect

from tests import servers
from tests.e2e.test_journeys import sign_in

pytestmark = pytest.mark.e2e

# A public support community of the test's own with a solved question holding {word}.
SETUP = """
from community import actions
from community.models import Community, User
from forums import actions as forum_actions
staff = User.objects.get(username="admin")
actions.create_community(
    staff, slug={slug!r}, name={slug!r}, kind="support", visibility="public", join_policy="open"
)
community = Community.objects.get(slug={slug!r})
forum_actions.create_thread(
    staff, community, kind="question", title="Unsolved {word} reset question", body="Any idea?"
)
solved = forum_actions.create_thread(
    staff, community, kind="question", title="How to reset the {word} speaker", body="Stuck."
)
answer = forum_actions.reply(staff, solved, body="Hold the button for ten seconds.")
forum_actions.accept_answer(staff, solved, answer)
"""

OPENED = """
from community.models import Activity
print(Activity.objects.filter(verb="similar.opened", community__slug={slug!r}).count())
"""


def test_typing_a_title_shows_a_solved_similar_thread(new_context, daphne_server, unique):
    word = f"zq{unique}"
    slug = f"help-{unique}"
    servers._manage(
        daphne_server.env, "shell", "--no-startup", "-c", SETUP.format(slug=slug, word=word)
    )
    member = daphne_server.create_member(f"s{unique}", communities=[slug])
    page = new_context().new_page()
    sign_in(page, member)
    page.goto(f"/c/{slug}/new/")
    title = page.get_by_label("Title")
    title.press_sequentially(f"reset {word}", delay=40)
    suggestions = page.locator("[data-similar-threads]")
    expect(suggestions).to_be_visible()
    links = suggestions.get_by_role("link")
    expect(links).to_have_count(2)
    # The solved one first, marked as such.
    expect(links.first).to_have_text(f"How to reset the {word} speaker")
    expect(suggestions.locator("li").first.locator(".tag-solved")).to_have_text("Solved")
    # Opening it (in a new tab) records the opening.
    with page.context.expect_page() as opened:
        links.first.click()
    expect(
        opened.value.get_by_role("heading", name=f"How to reset the {word} speaker")
    ).to_be_visible()
    count = ""
    for _ in range(20):  # the record is sent as the tab opens: wait for it, briefly
        out = servers._manage(
            daphne_server.env, "shell", "--no-startup", "-c", OPENED.format(slug=slug)
        )
        count = out.strip().splitlines()[-1]
        if count == "1":
            break
        page.wait_for_timeout(200)
    assert count == "1"
    # Clearing the title clears the list.
    title.fill("")
    title.press_sequentially("ab")
    expect(suggestions).to_be_hidden()
