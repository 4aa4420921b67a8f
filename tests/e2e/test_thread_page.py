"""The thread page as a person sees it: state tags, reactions, live posts, moderation.

Each test builds its own community, people and threads in the server's database
(``world``, through the real actions in a ``manage.py shell`` of the server) and
signs its people in with sessions made there: nothing here reads or changes
what another test uses.

``E2E_SCREENSHOTS=1`` saves the README's screenshots of a thread page and the
directory under docs/screenshots/ (else they go to a temporary folder).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import sign_in
from tests.e2e.world import open_live, person

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


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
