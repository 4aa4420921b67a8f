"""Serving a content page: the whole page, its teaser with hints, or 404; private
caching; the member's daily view."""

import pytest
from django.utils import timezone

from cms.models import ContentView
from community.models import Activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(make_community):
    return make_community("fans", name="Fans' club")


def body(text):
    return [{"type": "text", "value": f"<p>{text}</p>"}]


def test_the_audience_reads_the_whole_article(client, make_page, make_user):
    page = make_page("article", audience="members", body=body("SECRET-BODY"))
    member = make_user()
    client.force_login(member)
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "SECRET-BODY" in html
    assert page.title in html
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_a_visitor_sees_the_teaser_and_how_to_qualify(client, make_page):
    page = make_page("article", audience="members", body=body("SECRET-BODY"))
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "SECRET-BODY" not in html
    assert page.teaser in html
    assert "Sign in or create an account" in html
    assert "no-store" in response["Cache-Control"]


def test_an_outsider_is_told_which_club_to_join(client, make_page, make_user, club):
    page = make_page(
        "offer", audience="chosen", rules=[("community", club)], shared_code="CODE-XYZ"
    )
    client.force_login(make_user())
    html = client.get(page.url).content.decode()
    assert "Join Fans&#x27; club" in html or "Join Fans' club" in html
    assert "CODE-XYZ" not in html


def test_a_hidden_clubs_content_does_not_exist_for_outsiders(
    client, make_page, make_user, make_community
):
    secret = make_community("secret", visibility="hidden")
    page = make_page("article", audience="chosen", rules=[("community", secret)])
    client.force_login(make_user())
    assert client.get(page.url).status_code == 404


def test_an_empty_audience_is_read_by_nobody_but_staff(client, make_page, make_user, staff):
    page = make_page("article", audience="chosen", body=body("SECRET-BODY"))
    client.force_login(make_user())
    assert client.get(page.url).status_code == 404
    client.force_login(staff)
    assert "SECRET-BODY" in client.get(page.url).content.decode()


def test_a_draft_is_not_served(client, make_page, staff):
    page = make_page("article", audience="everyone", publish=False, live=False)
    client.force_login(staff)
    assert client.get(page.url or f"/content/{page.slug}/").status_code == 404


def test_content_for_everyone_may_be_cached_for_visitors(client, make_page):
    page = make_page("article", audience="everyone", body=body("OPEN-BODY"))
    response = client.get(page.url)
    assert "OPEN-BODY" in response.content.decode()
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_first_view_of_the_day_is_recorded_once(client, make_page, make_user, club):
    page = make_page("event", audience="members", discussion_community=club)
    member = make_user()
    client.force_login(member)
    client.get(page.url)
    client.get(page.url)
    assert ContentView.objects.filter(page=page.pk, user=member).count() == 1
    entries = Activity.objects.filter(verb="content.viewed")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor == member and entry.community_id == club.pk
    assert entry.object_id == page.pk and entry.data == {"type": "event"}
    assert ContentView.objects.get().day == timezone.localdate()


def test_a_teaser_records_no_view(client, make_page, make_user, club):
    page = make_page("article", audience="chosen", rules=[("community", club)])
    client.force_login(make_user())
    client.get(page.url)
    assert not ContentView.objects.exists()
    assert not Activity.objects.filter(verb="content.viewed").exists()


def test_the_event_page_keeps_its_place_for_registrants(client, make_page, make_user):
    page = make_page("event", audience="members", place="SECRET-PLACE")
    client.force_login(make_user())
    response = client.get(page.url)
    assert response.status_code == 200
    # The page template itself never shows it (the RSVP partial decides).
    assert "SECRET-PLACE" not in response.content.decode()


VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def video_body():
    return [{"type": "video", "value": {"video": VIDEO, "caption": "Our launch"}}]


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param("not_found", id="provider-unreachable"),
        pytest.param("crash", id="unexpected-error"),
    ],
)
def test_a_video_that_cannot_be_embedded_is_a_plain_link(client, make_page, monkeypatch, failure):
    from wagtail.embeds import embeds
    from wagtail.embeds.exceptions import EmbedNotFoundException

    def get_embed(*args, **kwargs):
        if failure == "not_found":
            raise EmbedNotFoundException
        raise OSError("no network")

    monkeypatch.setattr(embeds, "get_embed", get_embed)
    page = make_page("article", audience="everyone", body=video_body())
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="{VIDEO}"' in html.replace("&amp;", "&")
    assert "Our launch" in html


def test_the_offer_page_shows_its_description_to_the_audience(client, make_page, make_user):
    page = make_page(
        "offer", audience="members", description="<p>OFFER-TEXT</p>", shared_code="NEVER-SHOWN"
    )
    client.force_login(make_user())
    response = client.get(page.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "OFFER-TEXT" in html
    # The code is the reveal partial's to show, once the member asks for it.
    assert "NEVER-SHOWN" not in html


def test_a_post_to_the_content_home_is_refused(client):
    assert client.post("/content/").status_code == 403
