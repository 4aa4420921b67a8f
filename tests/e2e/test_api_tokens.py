"""API tokens in a real browser: a manager creates and revokes one; staff revoke a member's."""

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests import servers
from tests.e2e.test_journeys import sign_in

# A manager of a community of their own (managers may create tokens), a member
# with one token made by the operator, and a staff member; all new for this test.
SETUP = r"""
import json
from allauth.account.models import EmailAddress
from community import actions
from community.models import User
people = {}
for key in ("manager", "member", "staff"):
    name = f"tok{key}{UNIQUE}"
    user = User.objects.create_user(name, f"{name}@example.org", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    actions.update_profile(user, user, display_name=name, language="en")
    people[key] = user
User.objects.filter(pk=people["staff"].pk).update(is_staff=True)
staff = User.objects.get(pk=people["staff"].pk)
community = actions.create_community(
    staff, slug=f"tok-{UNIQUE}", name=f"Tokens {UNIQUE}", kind="discussion",
    visibility="public", join_policy="open",
)
actions.join(people["manager"], community)
actions.set_role(staff, community, people["manager"], role="manager")
token, key = actions.create_api_token(people["member"], people["member"], name="Nightly export")
print(json.dumps({
    "names": {k: u.username for k, u in people.items()},
    "member_key": key,
    "member_prefix": token.prefix,
}))
"""


@pytest.fixture
def people(daphne_server, unique):
    code = SETUP.replace("UNIQUE", repr(unique)).replace("PASSWORD", repr(servers.DEMO_PASSWORD))
    out = servers._manage(daphne_server.env, "shell", "--no-startup", "-c", code)
    return json.loads(out.strip().splitlines()[-1])


def api_status(server, key):
    request = urllib.request.Request(
        server.url("/api/v1/me"), headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_manager_creates_a_token_sees_it_once_and_revokes_it(page, daphne_server, people):
    sign_in(page, f"{people['names']['manager']}@example.org")
    page.goto("/settings/profile/")
    page.get_by_role("navigation", name="Account settings").get_by_role(
        "link", name="API tokens"
    ).click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(page.get_by_text("No tokens yet.")).to_be_visible()

    page.get_by_label(re.compile(r"^What is it for\?")).fill("CRM sync")
    page.get_by_role("button", name="Create the token").click()
    key_box = page.get_by_label("Token", exact=True)
    expect(key_box).to_be_visible()
    key = key_box.input_value()
    assert re.fullmatch(r"bcm_[A-Za-z0-9_-]{43}", key)
    row = page.get_by_role("row").filter(has_text="CRM sync")
    expect(row).to_be_visible()
    expect(row.get_by_role("cell", name="Never")).to_be_visible()
    assert api_status(daphne_server, key) == 200

    # Shown once: a reload lists the token by its prefix, never the key.
    page.goto("/settings/tokens/")
    expect(page.get_by_label("Token", exact=True)).to_be_hidden()
    row = page.get_by_role("row").filter(has_text="CRM sync")
    expect(row.get_by_text(f"{key[:12]}…")).to_be_visible()
    expect(row.get_by_role("cell", name="Never")).to_be_hidden()  # used once since

    row.get_by_role("button", name=f"Revoke {key[:12]}…").click()
    expect(
        page.get_by_role("status").get_by_text(f"The token {key[:12]}… is revoked.")
    ).to_be_visible()
    row = page.get_by_role("row").filter(has_text="CRM sync")
    expect(row.get_by_text(re.compile(r"^Revoked "))).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("^Revoke"))).to_be_hidden()
    assert api_status(daphne_server, key) == 401


def test_staff_revoke_a_members_token_from_their_profile(new_context, daphne_server, people):
    names, key, prefix = people["names"], people["member_key"], people["member_prefix"]
    assert api_status(daphne_server, key) == 200

    member = new_context().new_page()
    sign_in(member, f"{names['member']}@example.org")
    member.goto("/settings/tokens/")
    expect(member.get_by_role("row").filter(has_text="Nightly export")).to_be_visible()
    # Members get tokens from the operator: no form, a hint instead.
    expect(member.get_by_role("button", name="Create the token")).to_be_hidden()
    member.goto(f"/u/{names['staff']}/")
    expect(member.get_by_role("link", name="API tokens")).to_be_hidden()

    staff = new_context().new_page()
    sign_in(staff, f"{names['staff']}@example.org")
    staff.goto(f"/u/{names['member']}/")
    staff.get_by_role("link", name="API tokens").click()
    expect(staff.get_by_role("heading", name=f"API tokens of {names['member']}")).to_be_visible()
    row = staff.get_by_role("row").filter(has_text="Nightly export")
    row.get_by_role("button", name=f"Revoke bcm_{prefix}…").click()
    expect(
        staff.get_by_role("status").get_by_text(f"The token bcm_{prefix}… is revoked.")
    ).to_be_visible()
    assert api_status(daphne_server, key) == 401

    member.goto("/settings/tokens/")
    row = member.get_by_role("row").filter(has_text="Nightly export")
    expect(row.get_by_text(re.compile(r"^Revoked "))).to_be_visible()
