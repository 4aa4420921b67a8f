"""The thread page as a person sees it: state tags, reactions, live posts, moderation.

Each test builds its own community, people and threads in the server's database
(``world``, through the real actions in a ``manage.py shell`` of the server) and
signs its people in with sessions made there: nothing here reads or changes
what another test uses.

``E2E_SCREENSHOTS=1`` saves the README's screenshots of a thread page and the
directory under docs/screenshots/ (else they go to a temporary folder).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import servers
from tests.e2e.test_journeys import sign_in

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Run in the server's own environment: people, a community and its threads, made
# through the actions; sessions for the people, as a sign-in would make them.
WORLD_SCRIPT = r"""
import json, os
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from community import actions as community_actions
from forums import actions

unique = os.environ["E2E_UNIQUE"]
User = get_user_model()
admin = User.objects.get(username="admin")
community = community_actions.create_community(
    admin, slug=f"t{unique}", name=f"Workshop {unique}", kind="ideas",
    visibility="public", join_policy="open",
)
people = {}
for key, name in (("member", "Mia Member"), ("other", "Omar Other"), ("manager", "Max Manager")):
    user = User.objects.create_user(f"{key}{unique}", f"{key}{unique}@example.org", "x-Pass-4821!")
    community_actions.update_profile(user, user, display_name=name, language="en")
    community_actions.join(user, community)
    people[key] = user
community_actions.set_role(admin, community, people["manager"], role="manager")
member, other, manager = people["member"], people["other"], people["manager"]

def thread(kind, title, body, reply=None):
    made = actions.create_thread(member, community, kind=kind, title=title, body=body)
    answer = actions.reply(other, made, body=reply) if reply else None
    return made, answer

talk, _ = thread("discussion", f"Chain wax {unique}", "Wax or oil?", "Wax, every 300 km.")
locked, _ = thread("discussion", f"Closed topic {unique}", "Old news.")
actions.set_locked(manager, locked, locked=True)
question, _ = thread("question", f"Brake squeal {unique}", "My brakes squeal in the rain.",
                     "Clean the rotors with alcohol.")
solved, answer = thread(
    "question", f"Saddle height {unique}", "How high should my saddle be?",
    "Set it so that your leg is almost straight at the bottom of the stroke: about "
    "109 % of your inseam, measured from the pedal axle to the top of the saddle. "
    "Then ride a week and adjust by a few millimetres at a time until your hips "
    "stop rocking.",
)
actions.reply(member, solved, body="Thanks, that did it.")
actions.accept_answer(member, solved, answer)
idea, _ = thread("idea", f"Rear radar {unique}", "A radar in the rear light.")

sessions = {}
for key, user in people.items():
    client = Client()
    client.force_login(user)
    sessions[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
print(json.dumps({
    "cookie": settings.SESSION_COOKIE_NAME,
    "sessions": sessions,
    "urls": {name: t.get_absolute_url() for name, t in (
        ("talk", talk), ("locked", locked), ("question", question), ("solved", solved),
        ("idea", idea))},
}))
"""


@pytest.fixture
def world(daphne_server, unique):
    """This test's own community, people (member, other, manager) and threads."""
    result = subprocess.run(
        [sys.executable, str(servers.MANAGE), "shell", "-c", WORLD_SCRIPT],
        cwd=servers.ROOT,
        env={**daphne_server.env, "E2E_UNIQUE": unique},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def person(new_context, daphne_server, world, key, **options):
    """A page signed in as ``key`` of the world (its own browser context)."""
    context = new_context(**options)
    context.add_cookies(
        [
            {
                "name": world["cookie"],
                "value": world["sessions"][key],
                "url": daphne_server.base_url,
            }
        ]
    )
    return context.new_page()


def open_live(page, url):
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads


def test_state_tags_show_only_what_is_true(new_context, daphne_server, world):
    urls = world["urls"]
    mia = person(new_context, daphne_server, world, "member")
    header = mia.locator(".thread-header")
    mia.goto(urls["talk"])
    expect(header.get_by_text("Discussion")).to_be_visible()
    expect(header.get_by_text("Locked")).to_be_hidden()
    mia.goto(urls["locked"])
    expect(header.get_by_text("Locked")).to_be_visible()
    mia.goto(urls["question"])
    expect(header.get_by_text("Question")).to_be_visible()
    expect(header.get_by_text("Solved")).to_be_hidden()
    expect(header.get_by_text("Locked")).to_be_hidden()
    mia.goto(urls["solved"])
    expect(header.get_by_text("Solved")).to_be_visible()

    # Accepted while Max reads the question: "Solved" appears on his page, live.
    max_ = person(new_context, daphne_server, world, "manager")
    open_live(max_, urls["question"])
    max_header = max_.locator(".thread-header")
    expect(max_header.get_by_text("Solved")).to_be_hidden()
    mia.goto(urls["question"])
    mia.locator("#post-2").get_by_role("button", name="Accept as answer").click()
    expect(header.get_by_text("Solved")).to_be_visible()
    expect(max_header.get_by_text("Solved")).to_be_visible()
    # And "Locked" when he locks it from the moderation menu (a reload of his page).
    max_.locator(".moderation-menu > summary").click()
    max_.get_by_role("button", name="Lock", exact=True).click()
    expect(max_header.get_by_text("Locked")).to_be_visible()
    expect(header.get_by_text("Locked")).to_be_visible()  # Mia's, live


def test_the_accepted_answer_once_and_an_excerpt_under_the_question(
    new_context, daphne_server, world
):
    mia = person(new_context, daphne_server, world, "member")
    mia.goto(world["urls"]["solved"])
    excerpt = mia.locator(".accepted-answer")
    expect(excerpt).to_be_visible()
    expect(excerpt).to_contain_text("Set it so that your leg is almost straight")
    expect(excerpt).not_to_contain_text("stop rocking")  # an excerpt, not the whole answer
    expect(mia.get_by_text("stop rocking.")).to_have_count(1)  # in full once, where it sits
    mia.get_by_role("link", name="Read the accepted answer").click()
    expect(mia).to_have_url(re.compile(r"#post-2$"))
    expect(mia.locator("#post-2")).to_be_in_viewport()


def reactions_of(page, number):
    return page.locator(f"#post-{number} .reaction-form button[name=kind]")


def test_reactions_toggle_in_place_on_one_row_of_a_phone(new_context, daphne_server, world):
    url = world["urls"]["talk"]
    mia = person(
        new_context, daphne_server, world, "member", viewport={"width": 360, "height": 740}
    )
    open_live(mia, url)
    buttons = reactions_of(mia, 2)
    expect(buttons).to_have_count(5)
    # All five on one row, each an icon with its name for screen readers.
    tops = {round(box["y"]) for box in (b.bounding_box() for b in buttons.all())}
    assert len(tops) == 1, tops
    right = max(b["x"] + b["width"] for b in (b.bounding_box() for b in buttons.all()))
    assert right <= 360
    love = mia.locator("#post-2").get_by_role("button", name="Love")
    expect(love).to_have_attribute("aria-pressed", "false")
    expect(love).to_have_attribute("title", "Love")
    # A visitor, who may not react, has no buttons and no reaction shown yet.
    visitor = new_context().new_page()
    open_live(visitor, url)
    their_love = visitor.locator("#post-2 .reaction-list [title=Love]")
    expect(visitor.locator("#post-2").get_by_role("button", name="Love")).to_have_count(0)
    expect(their_love).to_be_hidden()

    love.click()
    expect(love).to_have_attribute("aria-pressed", "true")
    expect(love.locator(".count-pill")).to_have_text("1")
    assert mia.evaluate("window.sameDocument") is True and mia.url.endswith(url)
    # The visitor sees the first reaction appear, live.
    expect(their_love).to_be_visible()
    expect(their_love.locator(".count-pill")).to_have_text("1")

    # Omar sees the count change live; his own button is not pressed.
    omar = person(new_context, daphne_server, world, "other")
    open_live(omar, url)
    his_love = omar.locator("#post-2").get_by_role("button", name="Love")
    expect(his_love.locator(".count-pill")).to_have_text("1")
    expect(his_love).to_have_attribute("aria-pressed", "false")
    his_love.click()
    expect(his_love).to_have_attribute("aria-pressed", "true")
    expect(love.locator(".count-pill")).to_have_text("2")  # on Mia's page, live

    love.click()  # taken back
    expect(love).to_have_attribute("aria-pressed", "false")
    expect(love.locator(".count-pill")).to_have_text("1")
    assert mia.evaluate("window.sameDocument") is True
    # After a reload, the same state from the server.
    mia.reload()
    expect(love).to_have_attribute("aria-pressed", "false")
    expect(his_love.locator(".count-pill")).to_have_text("1")
    expect(love.locator(".count-pill")).to_have_text("1")


# The shape of a post: each element's tag, classes and the attributes that make it work,
# with the post's own text left out (its body, name, date) and the page's CSRF token.
SHAPE = """(article) => [article, ...article.querySelectorAll("*")]
  .filter((e) => !e.closest(".post-body") || e.matches(".post-body"))
  .map((e) => [e.tagName, e.className, e.getAttribute("href"), e.getAttribute("action"),
               e.getAttribute("name"),
               e.getAttribute("name") === "csrfmiddlewaretoken" ? "" : e.getAttribute("value"),
               e.getAttribute("aria-pressed"),
               e.id].join("|"))"""


def test_a_live_post_is_the_same_markup_as_after_a_reload(new_context, daphne_server, world):
    url = world["urls"]["talk"]
    mia = person(new_context, daphne_server, world, "member")
    omar = person(new_context, daphne_server, world, "other")
    open_live(mia, url)
    omar.goto(url)
    omar.get_by_label(re.compile(r"^Message")).fill("Live from the workshop.")
    omar.get_by_role("button", name="Post my reply").click()
    expect(omar.locator("#post-3")).to_be_visible()

    live = mia.locator("article", has_text="Live from the workshop.")
    expect(live).to_be_visible()
    expect(live.get_by_role("link", name="Quote")).to_be_visible()
    expect(live.get_by_role("link", name="Omar Other")).to_be_visible()
    expect(live.get_by_role("button", name="Love")).to_be_visible()
    expect(live.get_by_role("link", name="Edit")).to_have_count(0)  # Omar's, not Mia's
    shape_live = live.evaluate(SHAPE)
    assert mia.evaluate("window.sameDocument") is True

    # Its reactions work as the others do, still without a reload.
    live.get_by_role("button", name="Helpful").click()
    expect(live.get_by_role("button", name="Helpful")).to_have_attribute("aria-pressed", "true")
    live.get_by_role("button", name="Helpful").click()
    expect(live.get_by_role("button", name="Helpful")).to_have_attribute("aria-pressed", "false")
    mia.reload()
    assert live.evaluate(SHAPE) == shape_live
    # Quote: the reply form starts with the quoted post.
    live.get_by_role("link", name="Quote").click()
    expect(mia.get_by_label(re.compile(r"^Message"))).to_have_value(
        re.compile(r"> Live from the workshop\.")
    )

    # Omar's own post, arriving on his other tab: with its Edit link, as rendered.
    omar_tab = omar.context.new_page()
    open_live(omar_tab, url)
    omar.get_by_label(re.compile(r"^Message")).fill("And one more.")
    omar.get_by_role("button", name="Post my reply").click()
    own = omar_tab.locator("article", has_text="And one more.")
    expect(own.get_by_role("link", name="Edit")).to_be_visible()
    shape_own = own.evaluate(SHAPE)
    omar_tab.reload()
    assert own.evaluate(SHAPE) == shape_own


def test_moderation_menu_at_the_top_and_idea_status(new_context, daphne_server, world):
    url = world["urls"]["idea"]
    mia = person(new_context, daphne_server, world, "member")
    mia.goto(url)
    expect(mia.get_by_text("Rear radar", exact=False).first).to_be_visible()
    expect(mia.locator(".moderation-menu")).to_have_count(0)

    max_ = person(new_context, daphne_server, world, "manager")
    max_.goto(url)
    menu = max_.locator(".moderation-menu")
    expect(menu).to_be_visible()
    # At the top: above the first post, and closed until opened.
    assert menu.bounding_box()["y"] < max_.locator("#post-1").bounding_box()["y"]
    lock = max_.get_by_role("button", name="Lock", exact=True)
    expect(lock).to_be_hidden()
    menu.locator("summary").click()
    expect(lock).to_be_visible()
    expect(max_.get_by_role("button", name="Pin", exact=True)).to_be_visible()
    max_.get_by_label(re.compile(r"^Status")).select_option("planned")
    max_.get_by_label(re.compile(r"^Public note")).fill("In the spring lights.")
    max_.get_by_role("button", name="Save the status").click()
    expect(max_.locator(".thread-header .tags").get_by_text("Planned")).to_be_visible()
    expect(max_.locator(".idea-box").get_by_text("In the spring lights.")).to_be_visible()
    mia.reload()
    expect(mia.locator(".thread-header .tags").get_by_text("Planned")).to_be_visible()
    expect(mia.locator(".idea-box").get_by_text("In the spring lights.")).to_be_visible()


def test_edited_opens_the_history_for_its_author(new_context, daphne_server, world):
    url = world["urls"]["talk"]
    mia = person(new_context, daphne_server, world, "member")
    mia.goto(url)
    mia.locator("#post-1").get_by_role("link", name="Edit").click()
    mia.get_by_label(re.compile(r"^Message")).fill("Wax or oil, for winter?")
    mia.get_by_role("button", name="Save").click()
    edited = mia.locator("#post-1").get_by_role("link", name="edited")
    expect(edited).to_be_visible()
    edited.click()
    expect(mia.get_by_role("heading", name="Earlier versions")).to_be_visible()
    mia.get_by_text(re.compile(r"changed by Mia Member")).click()
    expect(mia.get_by_text("Wax or oil?", exact=True)).to_be_visible()

    omar = person(new_context, daphne_server, world, "other")
    omar.goto(url)
    expect(omar.locator("#post-1").get_by_text("edited")).to_be_visible()
    expect(omar.locator("#post-1").get_by_role("link", name="edited")).to_have_count(0)


def test_screenshots_of_the_thread_page_and_the_directory(
    new_context, daphne_server, world, tmp_path
):
    """The README's pictures, taken as a member sees the pages; nothing overflows on a phone.

    Saved under docs/screenshots/ with ``E2E_SCREENSHOTS=1``, else in a temporary folder.
    """
    folder = SCREENSHOTS if os.environ.get("E2E_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for name, viewport in (
        ("thread-desktop", {"width": 1280, "height": 800}),
        ("thread-phone", {"width": 390, "height": 844}),
    ):
        page = person(new_context, daphne_server, world, "member", viewport=viewport)
        page.goto(world["urls"]["solved"])
        helpful = page.locator("#post-2").get_by_role("button", name="Helpful")
        if helpful.get_attribute("aria-pressed") == "false":
            helpful.click()
        expect(helpful).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        page.screenshot(path=folder / f"{name}.png")

    # The directory as a seeded member sees it (read only): alice belongs to all three.
    directory = new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(directory, "alice@example.com")
    directory.goto("/")
    expect(directory.get_by_role("region", name="Your communities")).to_be_visible()
    directory.screenshot(path=folder / "directory.png")
