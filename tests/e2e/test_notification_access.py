"""A member banned from a hidden community no longer sees its notifications, in a browser.

The test makes its own hidden community, member and thread in the server's
database (through the actions, from a ``manage.py shell``), named with a
unique token, so that no other test reads or changes them.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import sign_in
from tests.e2e.test_search_and_notifications import shell

pytestmark = pytest.mark.e2e

# A hidden community, and a thread in it that {username} watches, with a reply.
SETUP = """
from community import actions
from community.models import Community, User
from forums import actions as forum_actions
staff = User.objects.get(username="admin")
actions.create_community(
    staff, slug={slug!r}, name="Vault {unique}", kind="discussion",
    visibility="hidden", join_policy="invite",
)
"""

REPLY = """
from community.models import Community, User
from forums import actions as forum_actions
staff = User.objects.get(username="admin")
member = User.objects.get(username={username!r})
thread = forum_actions.create_thread(
    staff, Community.objects.get(slug={slug!r}), kind="discussion",
    title="Nightjar plan {unique}", body="Launch plan.",
)
forum_actions.watch(member, thread=thread)
forum_actions.reply(staff, thread, body="Launch moved {unique}.")
"""

BAN = """
from community import actions
from community.models import Community, User
actions.ban(
    User.objects.get(username="admin"), Community.objects.get(slug={slug!r}),
    User.objects.get(username={username!r}),
)
"""


def test_a_banned_member_no_longer_sees_the_hidden_communitys_notifications(
    new_context, daphne_server, unique
):
    slug = f"vault-{unique}"
    username = f"b{unique}"
    shell(daphne_server, SETUP.format(slug=slug, unique=unique))
    email = daphne_server.create_member(username, communities=[slug])
    shell(daphne_server, REPLY.format(slug=slug, username=username, unique=unique))

    page = new_context().new_page()
    sign_in(page, email)
    header_count = page.locator("[data-unread-notifications]")
    expect(header_count).to_be_visible()
    page.goto("/notifications/")
    item = page.get_by_role("main").get_by_role("listitem")
    expect(item.get_by_role("link", name=f"Nightjar plan {unique}")).to_be_visible()
    expect(item.get_by_text(f"Vault {unique}", exact=False)).to_be_visible()

    shell(daphne_server, BAN.format(slug=slug, username=username))
    page.reload()
    expect(page.get_by_text(f"Nightjar plan {unique}")).to_be_hidden()
    expect(page.get_by_text(f"Vault {unique}", exact=False)).to_be_hidden()
    expect(page.get_by_text("Nothing new for now.")).to_be_visible()
    expect(page.locator("[data-unread-notifications]")).to_be_hidden()
