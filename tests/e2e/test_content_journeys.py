"""Exclusive content in a real browser: a marketer writes an offer for one community
in the Wagtail admin and schedules it; when the clock publishes it, a member of that
community reveals its code on the page, and a member outside it sees only the teaser
and how to qualify."""

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests import servers
from tests.e2e.world import person

pytestmark = pytest.mark.e2e

MARKETER_EMAIL = "mia@example.com"  # seeded: the Marketing group (demo_content.py)

# An outsider with a session, and the content home's id (in the server's database).
OUTSIDER_SCRIPT = r"""
import json, os
from django.conf import settings
from django.test import Client
from cms.models import ContentHome
from community import actions
from community.models import User

unique = os.environ["E2E_UNIQUE"]
user = User.objects.create_user(f"out{unique}", f"out{unique}@example.org", "x-Pass-4821!")
actions.update_profile(user, user, display_name="Olga Outsider", language="en")
client = Client()
client.force_login(user)
print(json.dumps({
    "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
    "home": ContentHome.objects.get().pk,
}))
"""

# What the moderation clock does every few minutes on the production path, once the
# go-live time has come: ``publish_scheduled``. The time is brought forward instead
# of waited for (the revision and its snapshot both carry it).
CLOCK_SCRIPT = r"""
import os
from django.core.management import call_command
from django.utils import timezone
from cms.models import OfferPage

page = OfferPage.objects.get(title=os.environ["E2E_TITLE"])
revision = page.scheduled_revision
assert revision is not None, "not scheduled"
due = timezone.now() - timezone.timedelta(minutes=1)
revision.approved_go_live_at = due
revision.content["go_live_at"] = due.isoformat()
revision.save(update_fields=["approved_go_live_at", "content"])
call_command("publish_scheduled")
page.refresh_from_db()
assert page.live, "not published"
"""


def _shell(daphne_server, script, **env):
    result = subprocess.run(
        [sys.executable, str(servers.MANAGE), "shell", "--no-startup", "-c", script],
        cwd=servers.ROOT,
        env={**daphne_server.env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def sign_in(page, email, password=servers.DEMO_PASSWORD):
    page.goto("/")
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.get_by_label(re.compile(r"^Email:?$")).fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_have_count(0)


def test_marketer_schedules_an_offer_a_member_claims_it_an_outsider_sees_the_teaser(
    new_context, daphne_server, world, unique
):
    outsider = json.loads(_shell(daphne_server, OUTSIDER_SCRIPT, E2E_UNIQUE=unique))
    title = f"Spring tune-up {unique}"
    code = f"TUNE-{unique.upper()}"
    community = f"Workshop {unique}"

    # The marketer writes the offer in the admin, for the world's community only.
    mia = new_context().new_page()
    sign_in(mia, MARKETER_EMAIL)
    mia.goto("/cms/")
    expect(mia.get_by_role("heading", level=1)).to_be_visible()
    mia.goto(f"/cms/pages/{outsider['home']}/")
    mia.get_by_role("link", name=re.compile("Add child page", re.I)).first.click()
    mia.get_by_role("link", name=re.compile(r"^Offer\b")).click()
    mia.locator("[name=title]").fill(title)
    mia.locator("[name=teaser]").fill("A tune-up for the workshop's riders, at half price.")
    mia.locator("[name=shared_code]").fill(code)
    mia.get_by_role("tab", name="Audience").click()
    mia.locator("select[name=audience]").select_option("chosen")
    mia.get_by_role("button", name=re.compile("Add rule", re.I)).click()
    mia.locator("select[name=audience_rules-0-kind]").select_option("community")
    mia.locator("select[name=audience_rules-0-community]").select_option(label=community)
    mia.get_by_role("button", name="Save draft").click()
    expect(mia.get_by_role("status")).to_contain_text("created")

    # ... and schedules it: a go-live time, then "Schedule to publish".
    mia.get_by_role("button", name="Toggle status").click()
    mia.get_by_role("button", name="Set schedule").click()
    dialog = mia.locator("#schedule-publishing-dialog")
    dialog.locator("[name=go_live_at]").fill(_in_an_hour(daphne_server))
    dialog.get_by_role("button", name="Save schedule").click()
    expect(mia.get_by_role("status")).to_contain_text("has been updated")
    mia.get_by_role("button", name=re.compile("More actions", re.I)).click()
    mia.get_by_role("button", name="Schedule to publish").click()
    expect(mia.get_by_role("status")).to_contain_text("has been scheduled for publishing")

    # Not live yet: the member finds nothing there.
    member = person(new_context, daphne_server, world, "member")
    page_id, url = _page_of(daphne_server, title)
    response = member.goto(url)
    assert response.status == 404

    # The clock publishes it.
    _shell(daphne_server, CLOCK_SCRIPT, E2E_TITLE=title)

    # A member of the community reveals the code on the page.
    member.goto(url)
    expect(member.get_by_role("heading", name=title)).to_be_visible()
    expect(member.get_by_text(code)).to_have_count(0)
    member.get_by_role("button", name="Reveal my code").click()
    expect(member.locator(".offer-code")).to_have_text(code)
    member.reload()
    expect(member.locator(".offer-code")).to_have_text(code)  # the same, for good

    # A member outside it: the teaser and how to qualify, never the code.
    context = new_context()
    context.add_cookies(
        [{"name": world["cookie"], "value": outsider["session"], "url": daphne_server.base_url}]
    )
    olga = context.new_page()
    olga.goto(url)
    expect(olga.get_by_role("heading", name=title)).to_be_visible()
    expect(olga.get_by_text("A tune-up for the workshop's riders")).to_be_visible()
    expect(olga.get_by_text(f"Join {community}")).to_be_visible()
    expect(olga.get_by_role("button", name="Reveal my code")).to_have_count(0)
    assert code not in olga.content()

    # Posting the reveal form by hand gets her the same teaser and no code.
    token = olga.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    refused = context.request.post(
        f"/content/offers/{page_id}/reveal/", form={"csrfmiddlewaretoken": token}
    )
    assert refused.status == 200 and refused.url.startswith(daphne_server.url(url))
    assert code not in refused.text()

    # Back in the admin, the offer's Reach tab counts the member's reveal.
    mia.goto(f"/cms/pages/{page_id}/edit/")
    mia.get_by_role("tab", name="Reach").click()
    reach = mia.get_by_role("region", name="Reach")
    expect(reach.locator("[data-reach=reveals]")).to_have_text("1")
    # The world's three people and the staff account that made the community.
    expect(reach.locator("[data-reach=eligible]")).to_have_text("4")


def _in_an_hour(daphne_server):
    script = (
        "from django.utils import timezone; "
        "print(timezone.localtime(timezone.now() + timezone.timedelta(hours=1))"
        ".strftime('%Y-%m-%d %H:%M'))"
    )
    return _shell(daphne_server, script)


def _page_of(daphne_server, title):
    """The offer's id and path (``/content/<slug>/``: the content home is served there)."""
    script = (
        "import os, json; from cms.models import OfferPage; "
        "page = OfferPage.objects.get(title=os.environ['E2E_TITLE']); "
        "print(json.dumps([page.pk, page.url_path]))"
    )
    page_id, path = json.loads(_shell(daphne_server, script, E2E_TITLE=title))
    return page_id, path
