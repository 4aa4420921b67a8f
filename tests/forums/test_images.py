"""Images in posts: upload (action, page, API), private serving, and Markdown that shows them.

Files are real images made with Pillow, stored in a temporary POST_IMAGES_ROOT.
"""

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms

from community import actions as community_actions
from community.models import Activity
from forums import actions, images
from forums.markdown import POST_IMAGE_PATH_RE, render
from forums.models import PostImage
from tests.community.test_avatar import (
    BLUE,
    CONTENT_TYPES,
    RED,
    assert_color,
    encode,
    jpeg_declaring,
    noise,
    png_declaring,
    solid,
)

API = "/api/v1"
REL = "nofollow ugc noopener"


@pytest.fixture(autouse=True)
def post_images_root(settings, tmp_path):
    settings.POST_IMAGES_ROOT = tmp_path / "post-images"
    return settings.POST_IMAGES_ROOT


@pytest.fixture
def forum(make_community, make_user, add_member):
    public = make_community("club", visibility="public")
    private = make_community("support", visibility="private", join_policy="request")
    hidden = make_community("insiders", visibility="hidden", join_policy="invite")
    member, outsider, banned = make_user(), make_user(), make_user()
    for community in (public, private, hidden):
        add_member(community, member)
        add_member(community, banned, state="banned")
    return {
        "public": public,
        "private": private,
        "hidden": hidden,
        "member": member,
        "outsider": outsider,
        "banned": banned,
    }


def upload(data, name="photo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored(image):
    """The stored file of ``image``, decoded, after checking it is a bare WebP."""
    with images.storage().open(image.path) as file:
        data = file.read()
    assert len(data) == image.byte_size
    decoded = Image.open(io.BytesIO(data), formats=["WEBP"])
    decoded.load()
    assert decoded.format == "WEBP"
    assert decoded.size == (image.width, image.height)
    assert not decoded.getexif()
    assert not {"exif", "icc_profile", "xmp"} & decoded.info.keys()
    assert b"Exif" not in data
    return decoded, data


def upload_image(user, community, data, name="photo.png", content_type="image/png"):
    return actions.upload_image(user, community, file=upload(data, name, content_type))


def refusal(user, community, data, name="photo.png", content_type="image/png"):
    with pytest.raises(ValidationError) as caught:
        upload_image(user, community, data, name, content_type)
    return caught.value


def files_in(root):
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- Processing -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_accepted_formats_are_re_encoded_without_metadata(forum, image_format):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Camera Maker"
    options = {} if image_format == "GIF" else {"exif": exif}
    data = solid(image_format, size=(120, 80), **options)

    image = upload_image(
        forum["member"], forum["public"], data, "a.img", CONTENT_TYPES[image_format]
    )

    assert re.fullmatch(r"[0-9a-f]{32}", image.key)
    assert (image.width, image.height) == (120, 80)
    assert image.owner == forum["member"] and image.community == forum["public"]
    decoded, _data = stored(image)
    assert_color(decoded.getpixel((60, 40)), RED)


@pytest.mark.django_db
def test_gps_exif_is_dropped_and_orientation_applied(forum):
    # Stored sideways: left half red, right half blue; orientation 6 puts red on top.
    picture = Image.new("RGB", (64, 32), BLUE)
    picture.paste(RED, (0, 0, 32, 32))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
    }
    icc_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(picture, "JPEG", exif=exif, icc_profile=icc_profile, quality=95)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    image = upload_image(forum["member"], forum["public"], data, "photo.jpg", "image/jpeg")

    assert (image.width, image.height) == (32, 64)  # upright
    decoded, data = stored(image)
    assert b"GPS" not in data
    assert_color(decoded.getpixel((16, 8)), RED)
    assert_color(decoded.getpixel((16, 56)), BLUE)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("size", "expected"),
    [((300, 150), (100, 50)), ((150, 300), (50, 100)), ((100, 100), (100, 100)), ((7, 3), (7, 3))],
)
def test_large_images_are_scaled_down_keeping_their_shape(forum, settings, size, expected):
    settings.POST_IMAGE_MAX_DIMENSION = 100
    image = upload_image(forum["member"], forum["public"], solid("PNG", size=size))
    assert (image.width, image.height) == expected
    stored(image)


@pytest.mark.django_db
def test_large_jpeg_keeps_its_colours_when_decoded_at_a_reduced_scale(forum, settings):
    settings.POST_IMAGE_MAX_DIMENSION = 100
    picture = Image.new("RGB", (1600, 800), RED)
    picture.paste(BLUE, (800, 0, 1600, 800))

    image = upload_image(forum["member"], forum["public"], encode(picture, "JPEG"), "a.jpg")

    assert (image.width, image.height) == (100, 50)
    decoded, _data = stored(image)
    assert_color(decoded.getpixel((10, 25)), RED)
    assert_color(decoded.getpixel((90, 25)), BLUE)


@pytest.mark.django_db
def test_polyglot_payload_is_left_behind(forum):
    data = solid("PNG") + b"<script>alert(document.cookie)</script>"
    image = upload_image(forum["member"], forum["public"], data)
    _decoded, stored_data = stored(image)
    assert b"<script" not in stored_data


@pytest.mark.django_db
def test_upload_is_recorded_for_moderators(forum):
    image = upload_image(forum["member"], forum["public"], solid("PNG"))
    entry = Activity.objects.get(verb="image.uploaded")
    assert (entry.actor, entry.community, entry.object_id) == (
        forum["member"],
        forum["public"],
        image.pk,
    )


# --- Refusals -----------------------------------------------------------------------


REFUSED = {
    "png-10-gigapixels": (png_declaring(100_000, 100_000), "too_many_pixels"),
    "jpeg-4-gigapixels": (jpeg_declaring(65_000, 65_000), "too_many_pixels"),
    "png-49-megapixels": (png_declaring(7_000, 7_000), "too_many_pixels"),
    "svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "invalid_image",
    ),
    "html": (b"<!DOCTYPE html><script>alert(document.cookie)</script>", "invalid_image"),
    "text": (b"Just some words.\n", "invalid_image"),
    "truncated-png": (noise("PNG")[:-300], "invalid_image"),
    "truncated-jpeg": (noise("JPEG")[:200], "invalid_image"),
    "tiff": (solid("TIFF"), "unsupported_format"),
    "empty": (b"", "empty"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_uploads_leave_nothing_behind(forum, post_images_root, data, code):
    error = refusal(forum["member"], forum["public"], data)
    assert error.code == code
    assert error.messages[0]
    assert not PostImage.objects.exists()
    assert files_in(post_images_root) == []


@pytest.mark.django_db
def test_byte_limit(forum, settings):
    settings.POST_IMAGE_MAX_BYTES = 1000
    data = noise("PNG")
    assert len(data) > 1000

    error = refusal(forum["member"], forum["public"], data)

    assert error.code == "too_large"
    assert "1000" in error.messages[0]


@pytest.mark.django_db
def test_pixel_limit(forum, settings):
    settings.POST_IMAGE_MAX_PIXELS = 1000
    error = refusal(forum["member"], forum["public"], solid("PNG", size=(64, 64)))
    assert error.code == "too_many_pixels"


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_api_refusals_say_why(client, forum, data, code):
    client.force_login(forum["member"])
    response = client.post(f"{API}/communities/club/images", {"file": upload(data)})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]


@pytest.mark.django_db
def test_api_too_large_is_413(client, forum, settings):
    settings.POST_IMAGE_MAX_BYTES = 1000
    client.force_login(forum["member"])
    response = client.post(f"{API}/communities/club/images", {"file": upload(noise("PNG"))})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


@pytest.mark.django_db
def test_api_without_a_file_is_invalid(client, forum):
    client.force_login(forum["member"])
    response = client.post(f"{API}/communities/club/images", {"other": "x"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<svg/>", "Upload a valid image"),
        (solid("TIFF"), "Upload a JPEG, PNG, GIF or WebP image."),
        (png_declaring(100_000, 100_000), "at most 40 megapixels"),
    ],
)
def test_page_refusals_say_why(client, forum, data, message):
    client.force_login(forum["member"])
    response = client.post("/c/club/images/new/", {"file": upload(data)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PostImage.objects.exists()


# --- Who may upload -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "where", "code"),
    [
        ("outsider", "public", "not_a_member"),
        ("outsider", "private", "not_a_member"),
        ("banned", "public", "banned"),
        ("banned", "private", "banned"),
    ],
)
def test_only_members_who_may_post_upload(forum, who, where, code):
    with pytest.raises(PermissionDenied) as caught:
        upload_image(forum[who], forum[where], solid("PNG"))
    assert caught.value.code == code


@pytest.mark.django_db
def test_hidden_community_is_not_found_for_outsiders(forum):
    with pytest.raises(Http404):
        upload_image(forum["outsider"], forum["hidden"], solid("PNG"))


@pytest.mark.django_db
def test_permission_is_checked_before_the_file_is_read(forum):
    # A bomb from someone who may not post is refused for who they are, not decoded.
    with pytest.raises(PermissionDenied):
        upload_image(forum["outsider"], forum["public"], png_declaring(100_000, 100_000))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "slug", "status", "code"),
    [
        (None, "club", 401, "not_authenticated"),
        ("outsider", "club", 403, "not_a_member"),
        ("outsider", "support", 403, "not_a_member"),
        ("outsider", "insiders", 404, "not_found"),
        ("banned", "support", 403, "banned"),
    ],
)
def test_api_upload_refusals(client, forum, who, slug, status, code):
    if who:
        client.force_login(forum[who])
    response = client.post(f"{API}/communities/{slug}/images", {"file": upload(solid("PNG"))})
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not PostImage.objects.exists()


@pytest.mark.django_db
def test_page_refusals(client, forum):
    response = client.get("/c/support/images/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(forum["outsider"])
    assert client.get("/c/support/images/new/").status_code == 403
    assert client.post("/c/support/images/new/", {"file": upload(solid("PNG"))}).status_code == 403
    assert client.get("/c/insiders/images/new/").status_code == 404
    client.force_login(forum["banned"])
    assert client.get("/c/support/images/new/").status_code == 403
    assert not PostImage.objects.exists()


@pytest.mark.django_db
def test_hourly_quota(client, forum, settings):
    settings.POST_IMAGES_PER_HOUR = 2
    for _ in range(2):
        upload_image(forum["member"], forum["public"], solid("PNG"))

    with pytest.raises(PermissionDenied) as caught:
        upload_image(forum["member"], forum["private"], solid("PNG"))
    assert caught.value.code == "rate_limited"
    assert "2 images an hour" in str(caught.value)

    client.force_login(forum["member"])
    response = client.post(f"{API}/communities/club/images", {"file": upload(solid("PNG"))})
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    response = client.post("/c/club/images/new/", {"file": upload(solid("PNG"))})
    assert "2 images an hour" in response.content.decode()
    assert PostImage.objects.count() == 2


@pytest.mark.django_db
def test_staff_have_no_quota(client, forum, staff, settings):
    settings.POST_IMAGES_PER_HOUR = 1
    uploaded = [upload_image(staff, forum["private"], solid("PNG")) for _ in range(2)]
    # Past a member's quota: the second image and its file exist.
    assert PostImage.objects.filter(owner=staff).count() == 2
    for image in uploaded:
        assert images.storage().exists(image.path)
    # The API and the page let them go on too (a member there is refused: test_hourly_quota).
    client.force_login(staff)
    response = client.post(f"{API}/communities/support/images", {"file": upload(solid("PNG"))})
    assert response.status_code == 201
    assert PostImage.objects.filter(owner=staff, key=response.json()["id"]).exists()
    page = client.get("/c/support/images/new/")
    assert page.status_code == 200 and "please wait" not in page.content.decode()
    response = client.post("/c/support/images/new/", {"file": upload(solid("PNG"))})
    assert response.status_code == 302
    assert PostImage.objects.filter(owner=staff).count() == 4


# --- The API and the page -------------------------------------------------------------


@pytest.mark.django_db
def test_api_upload(client, forum):
    client.force_login(forum["member"])
    response = client.post(
        f"{API}/communities/support/images",
        {"file": upload(solid("JPEG", size=(40, 30)), "Mont_Blanc [summit].jpg", "image/jpeg")},
    )
    assert response.status_code == 201
    body = response.json()
    image = PostImage.objects.get()
    assert body == {
        "id": image.key,
        "url": f"http://testserver/post-images/{image.key}.webp",
        "width": 40,
        "height": 30,
        "markdown": f"![Mont Blanc summit](/post-images/{image.key}.webp)",
    }
    assert image.community == forum["private"]


@pytest.mark.django_db
def test_api_upload_with_a_token_and_csrf_for_sessions(client, forum):
    _token, key = community_actions.create_api_token(forum["member"], forum["member"])
    response = client.post(
        f"{API}/communities/club/images",
        {"file": upload(solid("PNG"))},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(forum["member"])
    response = strict.post(f"{API}/communities/club/images", {"file": upload(solid("PNG"))})
    assert response.status_code == 403
    assert PostImage.objects.count() == 1


@pytest.mark.django_db
def test_page_upload_then_markdown_to_copy(client, forum):
    client.force_login(forum["member"])
    page = client.get("/c/support/images/new/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()

    response = client.post("/c/support/images/new/", {"file": upload(solid("PNG"), "My bike.png")})

    image = PostImage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/c/support/images/new/?image={image.key}&alt=My+bike"
    page = client.get(response["Location"]).content.decode()
    assert f'value="![My bike](/post-images/{image.key}.webp)"' in page
    assert f'src="/post-images/{image.key}.webp"' in page


@pytest.mark.django_db
def test_page_shows_an_image_to_its_uploader_only(client, forum, add_member, make_user):
    image = upload_image(forum["member"], forum["public"], solid("PNG"))
    other = make_user()
    add_member(forum["public"], other)
    client.force_login(other)
    page = client.get(f"/c/club/images/new/?image={image.key}&alt=x").content.decode()
    assert f"/post-images/{image.key}" not in page
    assert "Your image is ready" not in page


@pytest.mark.django_db
def test_page_alt_from_the_query_cannot_add_markup(client, forum):
    image = upload_image(forum["member"], forum["public"], solid("PNG"))
    client.force_login(forum["member"])
    page = client.get(
        "/c/club/images/new/", {"image": image.key, "alt": "a](javascript:x) <b>*hi*</b>"}
    ).content.decode()
    assert f'value="![a javascript x b hi b](/post-images/{image.key}.webp)"' in page


def test_alt_text_from_file_names():
    assert images.alt_text("IMG_2041.JPG") == "IMG 2041"
    assert images.alt_text("a]b[c\\d`e*f.png") == "a b c d e f"
    assert images.alt_text("../../etc/passwd") == "passwd"
    assert images.alt_text(".png") == ".png"
    assert images.alt_text("") == "image"
    assert images.alt_text("x" * 300 + ".png") == "x" * 100


# --- Serving ------------------------------------------------------------------------


def image_url(image):
    return f"/post-images/{image.key}.webp"


def same_page(response, other, key):
    def normalized(content):
        content = content.decode().replace(key, "0" * 32)
        content = re.sub(r'nonce="[^"]*"', "", content)  # the CSP nonce, new per response
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content)

    return normalized(response.content) == normalized(other.content)


@pytest.mark.django_db
def test_private_image_is_not_found_for_outsiders(client, forum):
    image = upload_image(forum["member"], forum["private"], solid("PNG"))
    missing = client.get("/post-images/" + "0" * 32 + ".webp")
    assert missing.status_code == 404

    anonymous = client.get(image_url(image))
    assert anonymous.status_code == 404
    # The same answer as for an image that does not exist, but for the path and CSRF token.
    assert same_page(anonymous, missing, image.key)
    for who in ("outsider", "banned"):
        client.force_login(forum[who])
        assert client.get(image_url(image)).status_code == 404


@pytest.mark.django_db
def test_hidden_community_image_is_not_found_for_outsiders(client, forum):
    image = upload_image(forum["member"], forum["hidden"], solid("PNG"))
    assert client.get(image_url(image)).status_code == 404
    client.force_login(forum["outsider"])
    assert client.get(image_url(image)).status_code == 404


@pytest.mark.django_db
def test_private_image_is_served_to_members_privately(client, forum, staff):
    image = upload_image(forum["member"], forum["private"], solid("PNG"))
    for user in (forum["member"], staff):
        client.force_login(user)
        response = client.get(image_url(image))
        assert response.status_code == 200
        _decoded, data = stored(image)
        assert response.content == data
        assert response["Content-Type"] == "image/webp"
        assert response["Content-Length"] == str(image.byte_size)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, max-age=3600"
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["ETag"] == f'"{image.key}"'


@pytest.mark.django_db
def test_public_image_is_served_to_anybody_and_cacheable(client, forum):
    image = upload_image(forum["member"], forum["public"], solid("PNG"))
    response = client.get(image_url(image))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Cross-Origin-Resource-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.head(image_url(image)).status_code == 200
    assert client.post(image_url(image)).status_code == 405


@pytest.mark.django_db
def test_conditional_requests(client, forum):
    public = upload_image(forum["member"], forum["public"], solid("PNG"))
    private = upload_image(forum["member"], forum["private"], solid("PNG"))
    response = client.get(image_url(public), HTTP_IF_NONE_MATCH=f'"{public.key}"')
    assert response.status_code == 304
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    last_modified = client.get(image_url(public))["Last-Modified"]
    response = client.get(image_url(public), HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 304
    # Knowing the key is not enough to learn that a private image exists.
    response = client.get(image_url(private), HTTP_IF_NONE_MATCH=f'"{private.key}"')
    assert response.status_code == 404


@pytest.mark.django_db
def test_missing_file_is_not_found(client, forum, post_images_root):
    image = upload_image(forum["member"], forum["public"], solid("PNG"))
    images.storage().delete(image.path)
    assert client.get(image_url(image)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 5])
def test_serving_queries_do_not_grow(client, forum, count):
    uploaded = [
        upload_image(forum["member"], forum[where], solid("PNG"))
        for where in ("public", "private")
        for _ in range(count)
    ]
    public, private = uploaded[0], uploaded[-1]

    with CaptureQueriesContext(connection) as anonymous:
        assert client.get(image_url(public)).status_code == 200
    client.force_login(forum["member"])
    with CaptureQueriesContext(connection) as member:
        assert client.get(image_url(private)).status_code == 200

    # The image with its community; for a member, the session, the user and the membership.
    assert len(anonymous) == 1
    assert len(member) == 4


# --- Markdown -------------------------------------------------------------------------


@pytest.fixture
def image(forum):
    return upload_image(forum["member"], forum["public"], solid("PNG", size=(40, 30)))


def img_tag(image, alt):
    return (
        f'<img src="/post-images/{image.key}.webp" alt="{alt}" width="{image.width}" '
        f'height="{image.height}" loading="lazy">'
    )


def test_markdown_matches_the_served_urls():
    key = "0123456789abcdef" * 2
    assert POST_IMAGE_PATH_RE.fullmatch(reverse("post_image", args=[key]))


@pytest.mark.django_db
def test_own_images_are_rendered(image, settings):
    settings.SITE_URL = "https://community.example.com"
    assert (
        render(f"![A bike](/post-images/{image.key}.webp)") == f"<p>{img_tag(image, 'A bike')}</p>"
    )
    # On the site's own address too, stored as the path.
    for url in (
        f"https://community.example.com/post-images/{image.key}.webp",
        f"HTTPS://Community.Example.com/post-images/{image.key}.webp",
    ):
        assert render(f"![A bike]({url})") == f"<p>{img_tag(image, 'A bike')}</p>"


@pytest.mark.django_db
def test_own_image_title_and_markup_in_the_description(image):
    output = render(f'![A *red* `bike`](/post-images/{image.key}.webp "Mine")')
    assert output == (
        f'<p><img src="/post-images/{image.key}.webp" alt="A red bike" title="Mine" '
        f'width="40" height="30" loading="lazy"></p>'
    )


@pytest.mark.django_db
def test_own_image_in_a_link(image):
    output = render(f"[![A bike](/post-images/{image.key}.webp)](https://example.com/bike)")
    assert output == (
        f'<p><a href="https://example.com/bike" rel="{REL}">{img_tag(image, "A bike")}</a></p>'
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "template",
    [
        "https://evil.example/post-images/{key}.webp",
        "//evil.example/post-images/{key}.webp",
        "http://testserver/post-images/{key}.webp",
        "/post-images/{key}.webp?x=1",
        "/post-images/{key}.webp#x",
        "/post-images/{key}.png",
        "/post-images/../post-images/{key}.webp",
        "/other/post-images/{key}.webp",
        "/post-images/{upper}.webp",
        "/post-images/0000{key}.webp",
    ],
)
def test_other_image_urls_are_links(image, template):
    url = template.format(key=image.key, upper=image.key.upper())
    output = render(f"![x]({url})")
    assert "<img" not in output
    assert output.startswith("<p>!<a href=")


@pytest.mark.django_db
def test_unknown_image_is_a_link(image):
    key = "f" * 32
    output = render(f"![x](/post-images/{key}.webp)")
    assert output == f'<p>!<a href="/post-images/{key}.webp" rel="{REL}">x</a></p>'


def test_remote_images_are_links_and_need_no_query():
    # No django_db mark: a query would fail the test.
    output = render("![pixel](https://tracker.example/p.gif) and ![x](/a.png)")
    assert "<img" not in output
    assert output == (
        f'<p>!<a href="https://tracker.example/p.gif" rel="{REL}">pixel</a> and '
        f'!<a href="/a.png" rel="{REL}">x</a></p>'
    )


@pytest.mark.django_db
def test_one_query_for_all_the_images_of_a_post(forum, django_assert_num_queries):
    uploaded = [upload_image(forum["member"], forum["public"], solid("PNG")) for _ in range(3)]
    source = "\n\n".join(
        f"![{i}](/post-images/{image.key}.webp)" for i, image in enumerate(uploaded)
    )
    with django_assert_num_queries(1):
        output = render(source)
    assert output.count("<img ") == 3


@pytest.mark.django_db
def test_hostile_sources_around_own_images(image):
    url = f"/post-images/{image.key}.webp"
    sources = [
        f'![x]({url} "t\\" onerror=\\"alert(1)")',
        f'![x" onerror="alert(1)]({url})',
        f"![x]({url}) onerror=alert(1)",
        f'<img src="{url}" onerror="alert(1)">',
        f'<img src="{url}" srcset="https://evil.example/x.png 2x">',
        f"![x]({url} 'srcset=https://evil.example/x.png')",
        f"![![inner]({url})](javascript:alert(1))",
        f"![![inner]({url})](https://evil.example/x.png)",
        f"![a [b](https://evil.example)]({url})",
        f"![x](<{url}>)",
    ]
    for source in sources:
        output = render(source)
        tags = re.findall(r"<img[^>]*>", output)
        for tag in tags:
            assert re.fullmatch(
                rf'<img src="{url}" alt="[^"<>]*"( title="[^"<>]*")? width="40" height="30" '
                r'loading="lazy">',
                tag,
            ), (source, output)
        assert "javascript:" not in "".join(re.findall(r"<[^>]*>", output)), output
        assert "<script" not in output


@pytest.mark.django_db
def test_image_posted_in_a_thread_follows_its_community(client, forum):
    image = upload_image(forum["member"], forum["private"], solid("PNG"))
    thread = actions.create_thread(
        forum["member"],
        forum["private"],
        kind="discussion",
        title="My bike",
        body=f"Look:\n\n![My bike](/post-images/{image.key}.webp)",
    )
    post = thread.posts.get()
    assert img_tag(image, "My bike") in post.html

    client.force_login(forum["member"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert f'src="/post-images/{image.key}.webp"' in page
    assert client.get(image_url(image)).status_code == 200
    client.force_login(forum["outsider"])
    assert client.get(image_url(image)).status_code == 404


@pytest.mark.django_db
def test_upload_attributes_for_post_forms(forum):
    attributes = images.upload_attributes(forum["private"])
    assert attributes["data-image-upload"] == "/api/v1/communities/support/images"
    assert attributes["data-image-upload-label"] == "Add an image"
