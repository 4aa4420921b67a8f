"""Search from the header, the notifications page and the offline API docs, in a browser.

Each test makes its own communities, threads and people in the server's
database (through the actions, from a ``manage.py shell``), named with a
unique token, so that no other test reads or changes them.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests import servers
from tests.e2e.test_journeys import sign_in

pytestmark = pytest.mark.e2e

# A public and a hidden community of the test's own, each with a thread holding {word}.
SEARCH_SETUP = """
from community import actions
from community.models import User
from forums import actions as forum_actions
staff = User.objects.get(username="admin")
for slug, visibility, policy in (({open!r}, "public", "open"), ({hidden!r}, "hidden", "invite")):
    actions.create_community(
        staff, slug=slug, name=slug, kind="discussion", visibility=visibility, join_policy=policy
    )
from community.models import Community
forum_actions.create_thread(
    staff, Community.objects.get(slug={open!r}), kind="question",
    title="Open {word} ride", body="Bring a {word} for everyone.",
)
forum_actions.create_thread(
    staff, Community.objects.get(slug={hidden!r}), kind="discussion",
    title="Secret {word} plans", body="Only members may read about the {word}.",
)
"""

# {username}'s thread in a public community, and two replies that notify them.
NOTIFY_SETUP = """
from community.models import Community, User
from forums import actions as forum_actions
staff = User.objects.get(username="admin")
author = User.objects.get(username={username!r})
community = Community.objects.get(slug={slug!r})
thread = forum_actions.create_thread(
    author, community, kind="question", title="Which saddle {unique}?", body="Long rides."
)
forum_actions.reply(staff, thread, body="First tip {unique}: try a **wider** one.")
forum_actions.reply(staff, thread, body="Second tip {unique}: check the height.")
"""

COMMUNITY_SETUP = """
from community import actions
from community.models import User
actions.create_community(
    User.objects.get(username="admin"), slug={slug!r}, name={slug!r}, kind="discussion",
    visibility="public", join_policy="open",
)
"""


def shell(daphne_server, code):
    servers._manage(daphne_server.env, "shell", "--no-startup", "-c", code)


def header_search(page, words):
    box = page.get_by_role("search", name="Search the site")
    box.get_by_role("searchbox").fill(words)
    box.get_by_role("button", name="Search").click()


def results(page):
    return page.get_by_role("main").get_by_role("list").filter(has=page.locator(".search-hit"))


def test_a_visitor_searches_from_the_header_and_never_sees_hidden_content(
    new_context, daphne_server, unique
):
    word = f"zq{unique}"
    open_slug, hidden_slug = f"open-{unique}", f"hidden-{unique}"
    shell(daphne_server, SEARCH_SETUP.format(open=open_slug, hidden=hidden_slug, word=word))
    member = daphne_server.create_member(f"m{unique}", communities=[hidden_slug])

    visitor = new_context().new_page()
    visitor.goto("/")
    header_search(visitor, word)
    expect(visitor.get_by_role("heading", name="Search", exact=True)).to_be_visible()
    found = results(visitor)
    expect(found.get_by_role("link", name=f"Open {word} ride")).to_be_visible()
    highlighted = found.locator("mark", has_text=re.compile(rf"^{word}$", re.I))
    expect(highlighted.first).to_be_visible()
    expect(found.locator(".search-hit")).to_have_count(1)
    expect(visitor.get_by_text(f"Secret {word} plans")).to_have_count(0)
    # The hidden community is not even offered as a filter.
    expect(
        visitor.get_by_label("Community", exact=True).locator(f'option[value="{hidden_slug}"]')
    ).to_have_count(0)
    # A hand-written URL naming it shows nothing of it either.
    visitor.goto(f"/search/?q={word}&community={hidden_slug}")
    expect(visitor.get_by_text(f"Secret {word} plans")).to_have_count(0)

    insider = new_context().new_page()
    sign_in(insider, member)
    header_search(insider, word)
    found = results(insider)
    expect(found.get_by_role("link", name=f"Secret {word} plans")).to_be_visible()
    expect(found.get_by_role("link", name=f"Open {word} ride")).to_be_visible()
    # Filters: the hidden community alone, then questions only.
    insider.get_by_label("Community", exact=True).select_option(hidden_slug)
    insider.get_by_role("search", name="Search and filter").get_by_role(
        "button", name="Search"
    ).click()
    expect(found.locator(".search-hit")).to_have_count(1)
    expect(found.get_by_role("link", name=f"Secret {word} plans")).to_be_visible()
    insider.get_by_label("Community", exact=True).select_option("")
    insider.get_by_label("Kind", exact=True).select_option("question")
    insider.get_by_role("search", name="Search and filter").get_by_role(
        "button", name="Search"
    ).click()
    expect(found.locator(".search-hit")).to_have_count(1)
    expect(found.get_by_role("link", name=f"Open {word} ride")).to_be_visible()


def test_an_empty_search_shows_a_hint(page):
    page.goto("/")
    header_search(page, "")
    expect(page.get_by_text("Type one or more words")).to_be_visible()


def background(locator):
    return locator.evaluate("element => getComputedStyle(element).backgroundColor")


def test_unread_notifications_stand_out_until_read(new_context, daphne_server, unique):
    slug = f"notify-{unique}"
    shell(daphne_server, COMMUNITY_SETUP.format(slug=slug))
    username = f"n{unique}"
    email = daphne_server.create_member(username, communities=[slug])
    shell(daphne_server, NOTIFY_SETUP.format(username=username, slug=slug, unique=unique))

    page = new_context().new_page()
    sign_in(page, email)
    page.goto("/notifications/")
    items = page.get_by_role("main").get_by_role("listitem")
    first = items.filter(has_text=f"First tip {unique}")
    second = items.filter(has_text=f"Second tip {unique}")
    expect(first).to_be_visible()
    expect(second).to_be_visible()
    # Both new: each says so in words, next to who did what and an excerpt of the post.
    expect(first.get_by_text("Unread", exact=False)).to_be_visible()
    expect(second.get_by_text("Unread", exact=False)).to_be_visible()
    expect(first.get_by_text("replied in a thread you watch")).to_be_visible()
    expect(first.get_by_text(f"First tip {unique}: try a wider one.")).to_be_visible()
    expect(first.locator(".avatar")).to_be_visible()

    # Opening one reads it; the other stays new and looks different.
    first.get_by_role("link", name=f"Which saddle {unique}?").click()
    expect(page.get_by_role("heading", name=f"Which saddle {unique}?")).to_be_visible()
    page.goto("/notifications/")
    expect(first.get_by_text("Unread")).to_be_hidden()
    expect(second.get_by_text("Unread")).to_be_visible()
    assert background(first) != background(second)

    page.get_by_role("button", name="Mark all as read").click()
    expect(second).to_be_visible()
    expect(second.get_by_text("Unread")).to_be_hidden()
    expect(page.get_by_role("button", name="Mark all as read")).to_have_count(0)
    assert background(first) == background(second)


def test_the_api_docs_render_without_internet(new_context, daphne_server):
    context = new_context()
    ours = urlsplit(daphne_server.base_url).netloc
    refused = []

    def only_ours(route):
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_ours)
    page = context.new_page()
    page.goto("/api/v1/docs")
    me = page.locator(".opblock-summary").filter(has=page.locator('[data-path="/api/v1/me"]'))
    expect(me.first).to_be_visible()
    expect(me.first.get_by_text("GET", exact=True)).to_be_visible()
    assert refused == []
