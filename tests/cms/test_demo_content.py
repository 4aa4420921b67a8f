"""The demo's exclusive content (community/site/demo_content.py, run by seed_demo):
an article for everyone, an offer for the fans' club with its pool of codes, an event
for the Experts of Support with its discussion, and Mia the marketer. Seeding twice
changes nothing."""

import pytest
from django.core.management import call_command

from cms import gating
from cms.models import ArticlePage, ContentPage, EventPage, OfferCode, OfferPage
from community.models import User
from community.site import demo_content


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_demo_has_one_page_of_each_kind_for_its_audience(seeded):
    article = ArticlePage.objects.live().get()
    offer = OfferPage.objects.live().get()
    event = EventPage.objects.live().get()
    alice, bruno, david = (User.objects.get(username=n) for n in ("alice", "bruno", "david"))

    assert article.audience == "everyone"
    assert [(r.kind, r.community.slug) for r in offer.audience_rules.all()] == [
        ("community", "club")
    ]
    assert [(r.kind, r.community.slug, r.rank) for r in event.audience_rules.all()] == [
        ("level", "support", demo_content.EXPERT_RANK)
    ]
    # Alice is in the club; David is not and may not know of the hidden club.
    assert gating.access(alice, offer).met
    assert not gating.access(david, offer).shown
    # Bruno is in Support below Expert: the event's teaser, and how to qualify.
    found = gating.access(bruno, event)
    assert found.shown and not found.met and found.hints


def test_the_offer_has_a_pool_of_unique_codes_and_one_is_revealed(seeded):
    offer = OfferPage.objects.get()

    assert offer.code_mode == "unique"
    assert OfferCode.objects.filter(offer=offer).count() == len(demo_content.OFFER_CODES)
    claimed = OfferCode.objects.filter(offer=offer, claimed_by__isnull=False)
    assert [code.claimed_by.username for code in claimed] == ["chloe"]


def test_the_event_opened_its_discussion_in_support(seeded):
    event = EventPage.objects.get()
    thread = event.discussion_thread

    assert thread is not None and thread.community.slug == "support"
    assert thread.title == event.title
    assert thread.reply_count == 1


def test_mia_is_a_marketer_who_may_edit_content(seeded):
    mia = User.objects.get(username="mia")

    assert mia.groups.filter(name="Marketing").exists()
    assert mia.has_perm("wagtailadmin.access_admin")
    assert not mia.is_staff
    assert all(gating.can_edit(mia, page) for page in ContentPage.objects.all())


def test_seeding_again_adds_no_content(seeded):
    before = (ContentPage.objects.count(), OfferCode.objects.count())

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (ContentPage.objects.count(), OfferCode.objects.count()) == before
