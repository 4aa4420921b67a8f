"""Customer care in a browser: a member's new question appears live on the moderator's
open waiting page with a timer counting down; a moderator's reply takes it off the list."""

import re

import pytest
from playwright.sync_api import expect

from tests import servers
from tests.e2e.test_forums import field
from tests.e2e.test_journeys import sign_in
from tests.e2e.world import open_live

pytestmark = pytest.mark.e2e

# A public support community of the test's own: its default policy runs a 15-minute clock.
SETUP = """
from community import actions
from community.models import User
staff = User.objects.get(username="admin")
actions.create_community(
    staff, slug={slug!r}, name={slug!r}, kind="support", visibility="public", join_policy="open"
)
"""

PROMOTE = """
from community import actions
from community.models import Community, User
staff = User.objects.get(username="admin")
community = Community.objects.get(slug={slug!r})
actions.set_role(staff, community, User.objects.get(username={username!r}), role="moderator")
"""

COUNTDOWN = re.compile(r"^\d+:\d{2} left$")


def test_a_new_question_waits_live_with_a_timer_until_a_moderator_answers(
    new_context, daphne_server, unique
):
    slug = f"care-{unique}"
    title = f"My router keeps rebooting {unique}"
    servers._manage(daphne_server.env, "shell", "--no-startup", "-c", SETUP.format(slug=slug))
    member_email = daphne_server.create_member(f"ask{unique}", communities=[slug])
    moderator_name = f"mod{unique}"
    moderator_email = daphne_server.create_member(moderator_name, communities=[slug])
    servers._manage(
        daphne_server.env,
        "shell",
        "--no-startup",
        "-c",
        PROMOTE.format(slug=slug, username=moderator_name),
    )

    moderator = new_context().new_page()
    sign_in(moderator, moderator_email)
    open_live(moderator, f"/c/{slug}/moderation/waiting/")
    expect(moderator.get_by_text("No question is waiting.")).to_be_visible()

    member = new_context().new_page()
    sign_in(member, member_email)
    member.goto(f"/c/{slug}/new/")
    field(member, "Kind").select_option("question")
    field(member, "Title").fill(title)
    field(member, "Message").fill("It restarts every ten minutes since the update.")
    member.get_by_role("button", name="Publish").click()
    expect(member.get_by_role("heading", name=title)).to_be_visible()
    thread_url = member.url

    # Live, without a reload: the question is listed with a timer that counts down.
    row = moderator.locator(".care-question", has_text=title)
    expect(row).to_be_visible()
    expect(moderator.get_by_text("No question is waiting.")).to_be_hidden()
    expect(row.get_by_role("link", name=title)).to_have_attribute(
        "href", re.compile(re.escape(thread_url.removeprefix(daphne_server.base_url)) + "$")
    )
    timer = row.locator("[data-care-timer]")
    expect(timer).to_have_text(COUNTDOWN)
    first = timer.inner_text()
    moderator.wait_for_timeout(2_000)  # watch the timer, as a person would
    expect(timer).to_have_text(COUNTDOWN)
    later = timer.inner_text()
    assert later != first, f"the timer did not count down: {first!r} then {later!r}"
    assert moderator.evaluate("window.sameDocument") is True

    # The moderator answers (from another tab): the question leaves the waiting list live.
    answering = moderator.context.new_page()
    answering.goto(thread_url)
    field(answering, "Message").fill("Try turning off automatic channel selection.")
    answering.get_by_role("button", name="Post my reply").click()
    expect(answering.locator("article", has_text="automatic channel selection")).to_be_visible()

    expect(row).to_have_count(0)
    expect(moderator.get_by_text("No question is waiting.")).to_be_visible()
    assert moderator.evaluate("window.sameDocument") is True
