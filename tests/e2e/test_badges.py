"""Social value in a real browser: levels and the brand's team on thread pages, and a
manager making a badge from a template that a member then finds on their profile.

Each test builds its own world (``world``: a community, Mia the member, Omar, Max the
manager, through the real actions in the server's own database) and signs people in
with sessions made there: no test reads or changes what another uses.
"""

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests import servers
from tests.e2e.test_live import open_thread, post_reply
from tests.e2e.world import person

pytestmark = pytest.mark.e2e

# In the server's environment: the community's own level names, Omar's reaction to Mia's
# opening post (2 points: "Climber"), and a member of the brand's staff, with a session.
STANDING_SCRIPT = r"""
import json, os
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from badges import actions as badges
from community import actions as community_actions
from community.models import Community
from forums import actions
from forums.models import Thread

unique = os.environ["E2E_UNIQUE"]
User = get_user_model()
community = Community.objects.get(slug=f"t{unique}")
admin = User.objects.get(username="admin")
badges.set_levels(admin, community, [("Rider", 0), ("Climber", 2), ("Champion", 50)])
talk = Thread.objects.get(community=community, title=f"Chain wax {unique}")
other = User.objects.get(username=f"other{unique}")
actions.react(other, talk.posts.get(number=1), kind="like")
staff = User.objects.create_user(
    f"staff{unique}", f"staff{unique}@example.org", "x-Pass-4821!", is_staff=True
)
community_actions.update_profile(staff, staff, display_name="Sam Staff", language="en")
client = Client()
client.force_login(staff)
print(json.dumps({"staff": client.cookies[settings.SESSION_COOKIE_NAME].value,
                  "brand": settings.BRAND_NAME}))
"""


def add_standing(daphne_server, world, unique):
    """Run STANDING_SCRIPT; add the staff member's session to ``world``; return the brand."""
    result = subprocess.run(
        [sys.executable, str(servers.MANAGE), "shell", "-c", STANDING_SCRIPT],
        cwd=servers.ROOT,
        env={**daphne_server.env, "E2E_UNIQUE": unique},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    made = json.loads(result.stdout.strip().splitlines()[-1])
    world["sessions"]["staff"] = made["staff"]
    return made["brand"]


def test_levels_and_the_brands_team_show_next_to_authors(new_context, daphne_server, world, unique):
    brand = add_standing(daphne_server, world, unique)
    url = world["urls"]["talk"]
    mia = person(new_context, daphne_server, world, "member")
    open_thread(mia, url)
    mias_post = mia.locator("#post-1")
    expect(mias_post.locator(".tag-level")).to_have_text("Climber")
    expect(mias_post.locator(".tag-level")).to_have_attribute("title", re.compile("2 points"))
    # Omar's accepted answer elsewhere in the community counts here too (15 points).
    expect(mia.locator("#post-2 .tag-level")).to_have_attribute("title", re.compile("15 points"))
    expect(mia.locator("article .tag-team")).to_have_count(0)

    # Sam, of the brand's staff, answers: Mia sees the marker on his post as it arrives.
    sam = person(new_context, daphne_server, world, "staff")
    open_thread(sam, url)
    post_reply(sam, f"We are looking into it {unique}")
    staff_post = mia.locator("article", has_text=f"We are looking into it {unique}")
    expect(staff_post.locator(".tag-team")).to_have_text(f"{brand} team")
    # And after a reload, from the server's own markup.
    mia.reload()
    expect(staff_post.locator(".tag-team")).to_have_text(f"{brand} team")
    expect(mia.locator("#post-1 .tag-team")).to_have_count(0)


def test_a_manager_makes_a_badge_from_a_template_that_a_member_then_shows(
    new_context, daphne_server, world, unique
):
    name = f"First steps {unique}"
    max_ = person(new_context, daphne_server, world, "manager")
    max_.goto(f"/c/t{unique}/")
    max_.get_by_role("link", name="Badges and levels").click()
    max_.get_by_label("Template").select_option(label="First post")
    max_.get_by_role("button", name="Continue").click()
    max_.get_by_label(re.compile(r"^Name")).fill(name)
    max_.get_by_label(re.compile(r"^Description")).fill("Welcome aboard.")
    max_.get_by_label("🎉").check()
    max_.get_by_label(re.compile(r"^Tier")).select_option(label="Silver")
    max_.get_by_role("button", name="Create the badge").click()
    expect(max_.get_by_text("The badge was created, disabled")).to_be_visible()
    expect(max_.locator(".tag-pending")).to_have_text("Disabled")

    # The dry run: Mia and Omar have posted, so both would receive it; nothing is awarded.
    max_.get_by_role("button", name="Preview who would receive it").click()
    preview = max_.get_by_role("region", name="Preview")
    expect(preview.get_by_text("2 members would receive it.")).to_be_visible()
    expect(preview.get_by_role("link", name="Mia Member")).to_be_visible()
    expect(max_.get_by_role("heading", name="0 holders")).to_be_visible()

    max_.get_by_role("button", name="Enable").click()
    expect(max_.get_by_text("The badge is enabled.")).to_be_visible()
    expect(max_.get_by_role("heading", name="2 holders")).to_be_visible()

    mia = person(new_context, daphne_server, world, "member")
    mia.goto(f"/u/member{unique}/")
    badges = mia.get_by_role("region", name="Badges", exact=True)
    expect(badges.get_by_text(name)).to_be_visible()
    expect(mia.get_by_role("region", name="Timeline").get_by_text(name)).to_be_visible()
    # Her achievements name it too (one summary of what was found for her past posts).
    mia.get_by_role("link", name=re.compile(r"^Achievements")).click()
    expect(mia.locator(".notice").first).to_contain_text(name)
