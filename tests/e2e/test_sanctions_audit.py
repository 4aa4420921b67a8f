"""A moderator silences a member from the member's moderation page, the member reads the
notice, and the moderator finds the entry in the audit log through its filter."""

import json

import pytest
from playwright.sync_api import expect

from tests import servers
from tests.e2e.test_journeys import sign_in

SETUP = r"""
import json
from allauth.account.models import EmailAddress
from community import actions
from community.models import User
people = {}
for key in ("mod", "member", "staff"):
    name = f"san{key}{UNIQUE}"
    user = User.objects.create_user(name, f"{name}@example.org", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    actions.update_profile(user, user, display_name=name, language="en")
    people[key] = user
User.objects.filter(pk=people["staff"].pk).update(is_staff=True)
staff = User.objects.get(pk=people["staff"].pk)
community = actions.create_community(
    staff, slug=f"san-{UNIQUE}", name=f"Sanctions {UNIQUE}", kind="discussion",
    visibility="public", join_policy="open",
)
actions.join(people["mod"], community)
actions.join(people["member"], community)
actions.set_role(staff, community, people["mod"], role="moderator")
print(json.dumps({"names": {k: u.username for k, u in people.items()},
                  "emails": {k: u.email for k, u in people.items()},
                  "slug": community.slug}))
"""


@pytest.fixture
def people(daphne_server, unique):
    code = SETUP.replace("UNIQUE", repr(unique)).replace("PASSWORD", repr(servers.DEMO_PASSWORD))
    out = servers._manage(daphne_server.env, "shell", "--no-startup", "-c", code)
    return json.loads(out.strip().splitlines()[-1])


def test_silence_notice_and_audit_filter(new_context, daphne_server, people):
    slug, member = people["slug"], people["names"]["member"]
    moderator = new_context().new_page()
    sign_in(moderator, people["emails"]["mod"])
    # The banner invites a moderator to set up two-factor authentication.
    expect(moderator.get_by_role("note", name="Two-factor authentication")).to_be_visible()
    moderator.goto(f"/c/{slug}/moderation/members/{member}/")
    silence = moderator.locator(
        "form", has=moderator.get_by_role("heading", name="Silence (read-only)")
    )
    silence.get_by_label("Until").fill("2099-01-01T12:00")
    silence.get_by_label("Reason (the member reads it)").fill("Cool down please")
    silence.get_by_role("button", name="Silence").click()
    expect(moderator.get_by_text("is silenced.")).to_be_visible()
    expect(moderator.get_by_text("Silenced until")).to_be_visible()

    reader = new_context().new_page()
    sign_in(reader, people["emails"]["member"])
    expect(reader.locator("[data-unread-moderation-notices]")).to_have_text("1")
    reader.get_by_role("link", name="Notices").first.click()
    expect(reader.get_by_text("Cool down please")).to_be_visible()

    moderator.get_by_role("link", name="Audit log").click()
    moderator.get_by_label("Action").select_option("membership.silenced")
    moderator.get_by_role("button", name="Filter").click()
    rows = moderator.locator("table.audit-log tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Cool down please")
    expect(moderator.get_by_role("link", name="Export as CSV")).to_have_attribute(
        "href", f"/c/{slug}/moderation/audit.csv?verb=membership.silenced"
    )
