"""The brand theme: WCAG AA contrast checked when saved, emitted as custom properties, cached."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from community import theme
from community.theme import BrandTheme


def png(size=(300, 120), colour="#0f6e5a"):
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, "PNG")
    return SimpleUploadedFile("logo.png", output.getvalue(), content_type="image/png")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_contrast_ratio_matches_wcag():
    assert theme.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert theme.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    # WCAG's own example figures: #767676 is the lightest grey passing AA on white.
    assert theme.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert theme.contrast_ratio("#777777", "#ffffff") < 4.5


@pytest.mark.parametrize(
    ("primary", "accent", "refused"),
    [
        ("#0f6e5a", "#b4361c", set()),  # Velora's
        ("#1f4fd1", "#b42318", set()),  # the stylesheet's defaults
        ("#ffd400", "#b42318", {"primary"}),  # yellow: white text unreadable
        ("#767676", "#b42318", {"primary"}),  # passes on white, not on the grey header
        ("#0f6e5a", "#ff8c69", {"accent"}),  # salmon counters with white text
    ],
)
@pytest.mark.django_db
def test_colours_failing_aa_are_refused_with_a_clear_message(primary, accent, refused):
    row = BrandTheme(primary=primary, accent=accent)
    if not refused:
        row.full_clean()
        return
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert set(error.value.message_dict) == refused
    message = error.value.message_dict[refused.pop()][0]
    assert "WCAG AA" in message and "4.5:1" in message


@pytest.mark.django_db
def test_only_hex_colours_are_accepted():
    # The values go into a <style> block: nothing but #rrggbb may reach it.
    with pytest.raises(ValidationError) as error:
        BrandTheme(primary="red;}</style><script>", accent="#b42318").full_clean()
    assert "primary" in error.value.message_dict


@pytest.mark.django_db
def test_admin_form_refuses_a_colour_that_fails(client, staff):
    client.force_login(staff)
    response = client.post(
        "/admin/community/brandtheme/add/", {"primary": "#ffd400", "accent": "#b42318"}
    )
    assert response.status_code == 200
    assert "WCAG AA" in response.content.decode()
    assert not BrandTheme.objects.exists()
    response = client.post(
        "/admin/community/brandtheme/add/", {"primary": "#0f6e5a", "accent": "#b4361c"}
    )
    assert response.status_code == 302
    # One theme: the list goes to it, and there is no second one to add.
    assert client.get("/admin/community/brandtheme/").url.endswith("/1/change/")
    assert client.get("/admin/community/brandtheme/add/").status_code == 403


@pytest.mark.django_db
def test_theme_is_rendered_as_custom_properties_with_logo_and_favicon(client):
    page = client.get("/").content.decode()
    assert "--brand:" not in page and "brand-logo" not in page  # site.css's defaults
    row = BrandTheme(primary="#0f6e5a", accent="#b4361c", logo=png(), favicon=png((50, 80)))
    row.full_clean()
    row.save()
    page = client.get("/").content.decode()
    # The <style> carries the response's CSP nonce (community/site/csp.py).
    assert re.search(
        r'<style nonce="[^"]+">'
        r":root\{--brand:#0f6e5a;--brand-dark:#0b5244;--accent:#b4361c\}</style>",
        page,
    )
    assert f'<img class="brand-logo" src="{row.logo.url}"' in page
    assert f'<link rel="icon" href="{row.favicon.url}" type="image/png">' in page


@pytest.mark.django_db
def test_uploads_are_re_encoded_and_svg_refused():
    row = BrandTheme(primary="#0f6e5a", accent="#b4361c", logo=png((1200, 200)), favicon=png())
    row.full_clean()
    row.save()
    with Image.open(row.logo.open()) as logo:
        assert logo.format == "WEBP" and logo.size == (480, 80)
    with Image.open(row.favicon.open()) as favicon:
        assert favicon.format == "PNG" and favicon.size == (64, 64)
    svg = SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")
    with pytest.raises(ValidationError) as error:
        BrandTheme(primary="#0f6e5a", accent="#b4361c", logo=svg).full_clean()
    assert "logo" in error.value.message_dict


@pytest.mark.django_db
def test_pages_read_the_theme_from_the_cache_and_saving_refreshes_it(client):
    BrandTheme(primary="#0f6e5a", accent="#b4361c").save()
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert "--brand:#0f6e5a" in client.get("/").content.decode()
    assert not [q for q in queries if "brandtheme" in q["sql"]]
    row = BrandTheme.objects.get()
    row.primary = "#1f4fd1"
    row.save()
    assert "--brand:#1f4fd1" in client.get("/").content.decode()
    row.delete()
    assert "--brand:" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_seeding_velora_is_idempotent():
    theme.seed_velora()
    theme.seed_velora()
    row = BrandTheme.objects.get()
    assert row.primary == theme.VELORA["primary"] and row.logo and row.favicon
