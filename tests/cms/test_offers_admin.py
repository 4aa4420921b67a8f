"""A pool of unique codes uploaded as CSV with the offer's admin form: imported once the
page is saved (created, edited, published), repeats skipped, bad files refused."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.test.utils.form_data import querydict_from_html, rich_text

from cms.models import OfferCode, OfferPage
from community.models import Activity

pytestmark = pytest.mark.django_db


def _form(client, url):
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    return {key: data.getlist(key) for key in data}


def _when(delta):
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%d %H:%M")


def _csv(text, name="codes.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def _create(client, home, csv_file, action=None, **fields):
    url = f"/cms/pages/add/cms/offerpage/{home.pk}/"
    data = _form(client, url)
    data.update(
        {
            "title": "Club pool",
            "slug": "club-pool",
            "teaser": "Unique codes for members.",
            "description": rich_text("<p>Ten percent off.</p>"),
            "code_mode": "unique",
            "shared_code": "",
            "valid_from": _when(datetime.timedelta(days=-1)),
            "valid_until": _when(datetime.timedelta(days=10)),
            "audience": "members",
            "codes_csv": csv_file,
            **fields,
        }
    )
    if action:
        data[action] = action
    return client.post(url, data)


def _codes(offer):
    return sorted(OfferCode.objects.filter(offer=offer).values_list("code", flat=True))


def test_codes_uploaded_on_creation_are_imported(client, marketer, content_home):
    client.force_login(marketer)
    response = _create(client, content_home, _csv("code\nAAA-1\nAAA-2\n\nAAA-1\n"))
    assert response.status_code == 302, response.content[:2000]
    offer = OfferPage.objects.get(slug="club-pool")
    assert _codes(offer) == ["AAA-1", "AAA-2"]
    [entry] = Activity.objects.filter(verb="offer.codes_imported")
    assert entry.actor == marketer
    assert entry.data == {"added": 2, "skipped": 0}


def test_codes_uploaded_when_creating_and_publishing_are_imported_once(
    client, marketer, content_home
):
    client.force_login(marketer)
    response = _create(client, content_home, _csv("ONE\nTWO\n"), action="action-publish")
    assert response.status_code == 302
    offer = OfferPage.objects.get(slug="club-pool")
    assert offer.live
    assert _codes(offer) == ["ONE", "TWO"]
    assert Activity.objects.filter(verb="offer.codes_imported").count() == 1


@pytest.mark.parametrize("action", [None, "action-publish"])
def test_codes_uploaded_on_edit_are_added_and_repeats_skipped(
    client, marketer, make_page, add_codes_to, action
):
    offer = make_page("offer", code_mode="unique", shared_code="")
    add_codes_to(offer, "OLD-1")
    client.force_login(marketer)
    url = f"/cms/pages/{offer.pk}/edit/"
    data = _form(client, url)
    data["codes_csv"] = _csv("OLD-1\nNEW-1\nNEW-2\n")
    if action:
        data[action] = action
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert _codes(offer) == ["NEW-1", "NEW-2", "OLD-1"]
    [entry] = Activity.objects.filter(verb="offer.codes_imported")
    assert entry.data == {"added": 2, "skipped": 1}
    page = client.get(response["Location"], follow=True).content.decode()
    assert "2 codes added to the pool (1 already in it)." in page


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("c.csv", b"\xff\xfe\x00bad"), "not UTF-8"),
        (SimpleUploadedFile("c.csv", b"code\n\n"), "holds no code"),
        (SimpleUploadedFile("c.csv", ("X" * 65).encode()), "at most 64 characters"),
        # A field longer than the csv module takes: refused, never a 500.
        (SimpleUploadedFile("c.csv", b'"' + b"X" * 200_000 + b'"'), "not a readable CSV"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_saved(
    client, marketer, content_home, upload, message
):
    client.force_login(marketer)
    response = _create(client, content_home, upload)
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors["codes_csv"])
    assert not OfferPage.objects.filter(slug="club-pool").exists()
    assert not OfferCode.objects.exists()


def test_a_member_cannot_post_codes_to_the_admin(client, make_user, make_page, add_codes_to):
    offer = make_page("offer", code_mode="unique", shared_code="")
    client.force_login(make_user())
    response = client.post(
        f"/cms/pages/{offer.pk}/edit/", {"title": "x", "codes_csv": _csv("SNEAKY\n")}
    )
    assert response.status_code in (302, 403)
    assert not OfferCode.objects.exists()


@pytest.fixture
def add_codes_to():
    def add(offer, *codes):
        OfferCode.objects.bulk_create(OfferCode(offer=offer, code=c) for c in codes)

    return add


def test_codes_with_old_mac_line_endings_are_read():
    from cms.forms import parse_codes

    upload = SimpleUploadedFile("mac.csv", b"code\rVELO-1\rVELO-2\r")
    assert parse_codes(upload) == ["VELO-1", "VELO-2"]
