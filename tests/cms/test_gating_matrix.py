"""The gating matrix: each kind of audience × each kind of viewer × each surface.

For every pair the expected answer is written out by hand below (``EXPECTED``):
``F`` the whole page, ``T`` its teaser only, ``N`` nothing (as if it did not exist).
Each surface must then agree with it:

- the page: F 200 with the body; T 200 with the teaser, without the body; N 404;
- the content home: the title for F and T, never a body;
- search: a word of the body finds the page for F only; a word of the title for F, T;
- RSS, Atom and the sitemap: content for everyone only, whoever asks, never a body;
- the API (``/api/v1/content``, list and detail): F and T listed with ``audience_met``,
  the body for F only; N absent and 404;
- the image and the document in the body: F or an editor (staff, marketer), else 404;
- the preview (the draft view of the admin): editors only, nobody else sees the body.
"""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from badges import actions as badge_actions
from badges.models import Reputation
from cms.models import ContentDocument, ContentImage
from community import actions as community_actions
from tests.cms.test_surfaces_files import png_bytes

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "outsider", "qualifying", "banned", "staff", "marketer"]
EDITORS = {"staff", "marketer"}

# audience: (kwargs for make_page, {viewer: expected})
AUDIENCES = {
    "everyone": ({"audience": "everyone"}, "F F F F F F"),
    "members": ({"audience": "members"}, "T F F F F F"),
    "community_public": ({"rules": [("community", "fans")]}, "T T F T F T"),
    "community_private": ({"rules": [("community", "vip")]}, "T T F T F T"),
    "community_hidden": ({"rules": [("community", "secret")]}, "N N F N F N"),
    "badge": ({"rules": [("badge", "pioneer")]}, "T T F T F T"),
    "level": ({"rules": [("level", "support", 3)]}, "T T F T F T"),
    # Any of: the hidden club is not told, the badge is.
    "any_of": ({"rules": [("community", "secret"), ("badge", "pioneer")]}, "T T F T F T"),
    # All of: one condition names a hidden club, so outsiders may not know of it.
    "all_of": (
        {"match": "all", "rules": [("community", "fans"), ("community", "secret")]},
        "N N F N F N",
    ),
    "empty": ({"rules": []}, "N N N N F N"),
}
EXPECTED = {
    (audience, viewer): answer
    for audience, (_kwargs, row) in AUDIENCES.items()
    for viewer, answer in zip(VIEWERS, row.split(), strict=True)
}

BODY_WORD = "xylophonic"
TITLE_WORD = "Quokka"


@pytest.fixture
def world(make_community, make_user, add_member, staff, marketer):
    fans = make_community("fans", name="Fans")
    vip = make_community("vip", name="VIP", visibility="private", join_policy="request")
    secret = make_community("secret", name="Secret", visibility="hidden", join_policy="invite")
    support = make_community("support", name="Support")
    pioneer = badge_actions.create_badge(staff, community=fans, name="Pioneer", mode="manual")
    badge_actions.update_badge(staff, pioneer, enabled=True)

    qualifying = make_user(username="qualifying")
    banned = make_user(username="banned")
    for community in (fans, vip, secret, support):
        add_member(community, qualifying)
        add_member(community, banned)
    badge_actions.grant(staff, pioneer, qualifying, reason="matrix")
    for user in (qualifying, banned):
        Reputation.objects.create(user=user, community=support, points=900, rank=3)
    for community in (fans, vip, secret, support):
        community_actions.ban(staff, community, banned)

    return {
        "things": {
            "fans": fans,
            "vip": vip,
            "secret": secret,
            "support": support,
            "pioneer": pioneer,
        },
        "viewers": {
            "anonymous": None,
            "outsider": make_user(username="outsider"),
            "qualifying": qualifying,
            "banned": banned,
            "staff": staff,
            "marketer": marketer,
        },
    }


@pytest.fixture
def files(db, tmp_path, monkeypatch):
    field = ContentDocument._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(tmp_path, base_url="/content/files/"))
    image = ContentImage.objects.create(title="Pic", file=ContentFile(png_bytes(), name="p.png"))
    document = ContentDocument.objects.create(
        title="Doc", file=ContentFile(b"%PDF-1.4 doc", name="doc.pdf")
    )
    return image, document


def _page(make_page, world, files, audience):
    kwargs, _row = AUDIENCES[audience]
    kwargs = dict(kwargs)
    things = world["things"]
    rules = [(kind, things[name], *rest) for kind, name, *rest in kwargs.pop("rules", [])]
    kwargs.setdefault("audience", "chosen")
    image, document = files
    body = [
        {"type": "text", "value": f"<p>The {BODY_WORD} secret.</p>"},
        {"type": "image", "value": {"image": image.pk, "decorative": True, "alt_text": ""}},
        {"type": "text", "value": f'<p><a linktype="document" id="{document.pk}">doc</a></p>'},
    ]
    return make_page("article", title=f"{TITLE_WORD} {audience}", rules=rules, body=body, **kwargs)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("audience", list(AUDIENCES))
def test_gating_matrix(client, make_page, world, files, audience, viewer):
    expected = EXPECTED[audience, viewer]
    page = _page(make_page, world, files, audience)
    user = world["viewers"][viewer]
    if user is not None:
        client.force_login(user)
    image, document = files
    # The title names the audience: "Quokka members" must not match "Quokka members2".
    title = page.title

    # The page.
    response = client.get(page.url)
    html = response.content.decode()
    if expected == "N":
        assert response.status_code == 404
        assert title not in html
    else:
        assert response.status_code == 200
        assert page.teaser in html
        assert (BODY_WORD in html) == (expected == "F")
    if expected != "N" and (page.audience != "everyone" or user is not None):
        assert "no-store" in response["Cache-Control"]

    # The content home.
    html = client.get("/content/").content.decode()
    assert (title in html) == (expected != "N")
    assert BODY_WORD not in html

    # Search: the body for the audience, the title for who may know of the page.
    search = reverse("content_search")
    assert (title in client.get(search, {"q": BODY_WORD}).content.decode()) == (expected == "F")
    assert (title in client.get(search, {"q": TITLE_WORD}).content.decode()) == (expected != "N")

    # Feeds and the sitemap: content for everyone only, whoever asks.
    for name in ("content_rss", "content_atom"):
        xml = client.get(reverse(name)).content.decode()
        assert (title in xml) == (audience == "everyone")
        assert BODY_WORD not in xml
    sitemap = client.get("/sitemap.xml").content.decode()
    assert (page.url in sitemap) == (audience == "everyone")

    # The API (part C's): list and detail.
    if True:
        listed = client.get("/api/v1/content").json()
        items = [item for item in listed["items"] if item["id"] == page.pk]
        assert bool(items) == (expected != "N")
        assert BODY_WORD not in str(listed) or expected == "F"
        if items:
            assert items[0]["audience_met"] == (expected == "F")
        detail = client.get(f"/api/v1/content/{page.pk}")
        assert detail.status_code == (404 if expected == "N" else 200)
        assert (BODY_WORD in detail.content.decode()) == (expected == "F")

    # The image and the document of the body.
    may_have_files = expected == "F" or viewer in EDITORS
    rendition = image.get_rendition("width-1200")
    for url in (image.file.url, rendition.url, f"/documents/{document.pk}/{document.filename}"):
        assert client.get(url).status_code == (200 if may_have_files else 404), url

    # The preview of the draft (Wagtail's admin): editors only.
    page.save_revision()
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[page.pk]))
    if viewer in EDITORS:
        assert response.status_code == 200
        assert BODY_WORD in response.content.decode()
    else:
        assert response.status_code in (302, 403)
        assert BODY_WORD not in response.content.decode()


def test_the_matrix_is_complete():
    assert len(EXPECTED) == len(AUDIENCES) * len(VIEWERS)
    assert re.fullmatch(r"[FTN]+", "".join(EXPECTED.values()))
