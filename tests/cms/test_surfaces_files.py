"""Images and documents of content pages: served only to who may read a live page
using them, or may edit content; a guessed URL gets 404."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from PIL import Image

from cms.models import ContentDocument, ContentImage

pytestmark = pytest.mark.django_db


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def image(db):
    return ContentImage.objects.create(title="Velo", file=ContentFile(png_bytes(), name="velo.png"))


@pytest.fixture
def document(db, tmp_path, monkeypatch):
    # Wagtail's serve_view streams a document from its local path: the tests' in-memory
    # storage has none, so documents go to a temporary directory here.
    field = ContentDocument._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(tmp_path, base_url="/content/files/"))
    return ContentDocument.objects.create(
        title="Rules", file=ContentFile(b"%PDF-1.4 rules", name="rules.pdf")
    )


@pytest.fixture
def club(make_community):
    return make_community("fans", name="Fans' club")


def with_files(image, document):
    return [
        {"type": "image", "value": {"image": image.pk, "decorative": True, "alt_text": ""}},
        {"type": "text", "value": f'<p><a linktype="document" id="{document.pk}">rules</a></p>'},
    ]


@pytest.fixture
def club_page(make_page, image, document, club):
    return make_page(
        "article", audience="chosen", rules=[("community", club)], body=with_files(image, document)
    )


def doc_url(document):
    return f"/documents/{document.pk}/{document.filename}"


def test_the_audience_gets_the_image_and_its_rendition(
    client, club_page, image, make_user, add_member, club
):
    member = make_user()
    add_member(club, member)
    client.force_login(member)
    html = client.get(club_page.url).content.decode()
    rendition = re.search(r'src="(/content/files/[^"]+)"', html).group(1)
    response = client.get(rendition)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    assert client.get(image.file.url).status_code == 200
    response = client.get(doc_url(ContentDocument.objects.get()))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 rules"
    assert "no-store" in response["Cache-Control"]
    assert "rules.pdf" in response["Content-Disposition"]


def test_others_get_404_for_a_guessed_image_or_document(
    client, club_page, image, document, make_user
):
    assert image.file.url.startswith("/content/files/")
    assert client.get(image.file.url).status_code == 404
    assert client.get(doc_url(document)).status_code == 404
    client.force_login(make_user())
    assert client.get(image.file.url).status_code == 404
    assert client.get(doc_url(document)).status_code == 404


def test_a_banned_member_loses_the_files_at_once(
    client, club_page, image, make_user, add_member, club, staff
):
    from community import actions

    member = make_user()
    add_member(club, member)
    client.force_login(member)
    assert client.get(image.file.url).status_code == 200
    actions.ban(staff, club, member)
    assert client.get(image.file.url).status_code == 404


def test_editors_get_files_no_page_uses(client, image, document, marketer, make_user):
    client.force_login(make_user())
    assert client.get(image.file.url).status_code == 404
    client.force_login(marketer)
    assert client.get(image.file.url).status_code == 200
    assert client.get(doc_url(document)).status_code == 200


def test_files_of_a_page_for_everyone_are_public(client, make_page, image, document):
    make_page("article", audience="everyone", body=with_files(image, document))
    response = client.get(image.file.url)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public")
    assert client.get(doc_url(document)).status_code == 200


def test_an_unpublished_page_gives_its_files_to_nobody(
    client, make_page, image, document, make_user
):
    page = make_page("article", audience="everyone", body=with_files(image, document))
    page.unpublish()
    assert client.get(image.file.url).status_code == 404
    assert client.get(doc_url(document)).status_code == 404


def test_a_document_file_is_not_served_as_an_image(client, make_page, image, document):
    make_page("article", audience="everyone", body=with_files(image, document))
    assert client.get(document.file.url).status_code == 404
    assert client.get("/content/files/../../etc/passwd").status_code == 404
