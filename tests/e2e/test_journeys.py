"""What people do on the site, in a real browser against a real daphne.

Each journey opens fresh browser contexts. They share one server (and so
one database) for the session, so a journey that changes a person makes
its own (a signup with a unique address, or ``daphne_server.create_member``);
seeded people are only read.
"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.servers import DEMO_PASSWORD, links_in, mail_text

pytestmark = pytest.mark.e2e

IDEAS = "Product ideas"
CLUB = "Club Velora"


def either(text):
    """``text`` in English or as the French catalog has it: seeded people speak French.

    The server reads the same locale/ catalogs, so this follows the translations.
    """
    with translation.override("fr"):
        french = translation.gettext(text)
    return re.compile(rf"^(?:{re.escape(text)}|{re.escape(french)})$")


def field(page, label):
    """A form field by its label, with or without Django's ":" suffix."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def sign_in(page, email, password=DEMO_PASSWORD):
    """Sign in through the login form, as a person would, from the header link."""
    page.goto("/")
    page.get_by_role("link", name="Sign in", exact=True).click()
    field(page, "Email").fill(email)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("button", name=either("Sign out"))).to_be_visible()


def your_communities(page):
    return page.get_by_role("region", name="Your communities")


def test_visitor_signs_up_confirms_and_joins_a_community(page, daphne_server, unique):
    email = f"rider-{unique}@example.org"
    username = f"rider{unique}"
    password = "Cadence-Ridge-4821!"

    page.goto("/")
    page.get_by_role("link", name="Sign up", exact=True).click()
    field(page, "Email").fill(email)
    field(page, "Username").fill(username)
    field(page, "Password").fill(password)
    field(page, "Password (again)").fill(password)
    field(page, "Display name").fill("Zoé Rider")
    page.get_by_role("button", name="Sign Up", exact=True).click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    mail = daphne_server.wait_for_mail(email)
    links = [link for link in links_in(mail_text(mail)) if "/accounts/confirm-email/" in link]
    assert len(links) == 1, mail_text(mail)
    assert links[0].startswith(daphne_server.base_url), links[0]

    page.goto(links[0])
    expect(page.get_by_role("heading", name="Confirm Email Address")).to_be_visible()
    expect(page.get_by_text(email).first).to_be_visible()
    page.get_by_role("button", name="Confirm", exact=True).click()
    # Confirming signs the new member in.
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name="My profile")).to_be_visible()

    page.goto("/c/ideas/")
    expect(page.get_by_role("heading", level=1, name=IDEAS)).to_be_visible()
    page.get_by_role("button", name="Join this community").click()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to {IDEAS}!")
    expect(page.get_by_text("You are a member.", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Join this community")).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    expect(your_communities(page).get_by_role("link", name=IDEAS)).to_be_visible()


def test_hidden_community_is_invisible_to_visitors_and_visible_to_members(
    page, new_context, daphne_server
):
    response = page.goto("/c/club/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name=re.compile("Page not found"))).to_be_visible()
    expect(page.get_by_text(CLUB)).to_have_count(0)
    page.goto("/")
    expect(page.get_by_role("link", name=IDEAS)).to_be_visible()
    expect(page.get_by_role("link", name=CLUB)).to_have_count(0)

    alice = new_context().new_page()
    sign_in(alice, "alice@example.com")
    expect(your_communities(alice).get_by_role("link", name=CLUB)).to_be_visible()
    your_communities(alice).get_by_role("link", name=CLUB).click()
    expect(alice).to_have_url(f"{daphne_server.base_url}/c/club/")
    expect(alice.get_by_role("heading", level=1, name=CLUB)).to_be_visible()
    expect(alice.get_by_text("You are a member.", exact=True)).to_be_visible()


def test_moderator_approves_a_join_request(new_context, daphne_server, unique):
    # A person of this journey's own asks to join support; Théo (seeded) approves.
    username = f"asker{unique}"
    asker = new_context().new_page()
    sign_in(asker, daphne_server.create_member(username))
    asker.goto("/c/support/")
    asker.get_by_role("button", name="Ask to join").click()
    expect(
        asker.get_by_text("Your request to join is awaiting a moderator's approval.")
    ).to_be_visible()
    expect(asker.get_by_text("You are a member.", exact=True)).to_have_count(0)

    theo = new_context().new_page()
    sign_in(theo, "theo@example.com")
    theo.goto("/c/support/moderation/")
    requests = theo.get_by_role("region", name=either("Requests to join"))
    request = requests.get_by_role("listitem").filter(has_text=f"@{username}")
    expect(request).to_have_count(1)
    # Théo's profile language is French: he sees the French labels.
    request.get_by_role("button", name=either("Approve")).click()
    expect(theo.get_by_role("status")).to_contain_text(username.title())
    expect(requests.get_by_role("listitem").filter(has_text=f"@{username}")).to_have_count(0)

    asker.reload()
    expect(asker.get_by_text("You are a member.", exact=True)).to_be_visible()
    expect(asker.get_by_text("awaiting a moderator's approval")).to_have_count(0)


def choose_language(page, name):
    """Pick a language in the header, as a person does: open the menu on a phone first."""
    menu = page.locator("[data-site-menu]")
    if not menu.get_by_role("button", name=name, exact=True).is_visible():
        menu.locator("summary").click()
    menu.get_by_role("button", name=name, exact=True).click()


def test_visitor_switches_the_site_to_french(page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    choose_language(page, "Français")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Communautés", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Français", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    # The choice sticks on the next page.
    page.goto("/c/ideas/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_the_language_menu_works_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    choose_language(page, "Français")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Communautés", exact=True)).to_be_visible()


def test_the_phone_header_folds_into_a_menu(new_context):
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto("/")
    header = page.locator(".site-header")
    sign_in_link = page.get_by_role("link", name="Sign in", exact=True)
    expect(sign_in_link).to_be_hidden()
    # One row: the brand and the menu button.
    assert header.bounding_box()["height"] < 70, header.bounding_box()
    page.get_by_text("Menu", exact=True).click()
    expect(sign_in_link).to_be_visible()
    expect(page.get_by_role("button", name="Français", exact=True)).to_be_visible()

    wide = new_context(viewport={"width": 1280, "height": 800}).new_page()
    wide.goto("/")
    expect(wide.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(wide.get_by_text("Menu", exact=True)).to_be_hidden()


def test_member_switches_the_site_to_french(new_context, daphne_server, unique):
    # Her own person: the language is remembered on the profile, which others must not see.
    email = daphne_server.create_member(f"lang{unique}", communities=["ideas"])
    member = new_context().new_page()
    sign_in(member, email)
    expect(member.locator("html")).to_have_attribute("lang", "en")
    choose_language(member, "Français")
    expect(member.locator("html")).to_have_attribute("lang", "fr")
    # Remembered on her profile: a new sign-in elsewhere is in French too.
    elsewhere = new_context().new_page()
    sign_in(elsewhere, email)
    expect(elsewhere.locator("html")).to_have_attribute("lang", "fr")
    choose_language(elsewhere, "English")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "en")
