"""The brand's look: logo, favicon, primary and accent colours, set by staff.

One row (``BrandTheme``, edited in the Django admin) read on every page
through ``current()``, which caches it so pages pay no query for it. The
colours reach the stylesheet as CSS custom properties only (``--brand``,
``--brand-dark``, ``--accent``, see community/_theme_head.html): nothing but
validated ``#rrggbb`` values is ever written into the ``<style>`` block, so a
Content-Security-Policy can later hash or nonce it without surprises.

A colour is refused when text on it, or it as text, would fail WCAG AA for
normal text (4.5:1): what the stylesheet does with each is listed in
``CHECKS``, so a brand cannot make its own buttons or links unreadable.
"""

import io
import re
from uuid import uuid4

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from community import images

CACHE_KEY = "brand-theme:v1"
AA_NORMAL_TEXT = 4.5
WHITE = "#ffffff"
# site.css's --surface: the header and secondary buttons show primary-coloured text on it.
SURFACE = "#f6f8fa"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

LOGO_MAX_SIZE = (480, 96)  # twice the header's 48 px height, for sharp high-DPI screens
FAVICON_SIZE = 64
UPLOAD_MAX_BYTES = 2 * 1024 * 1024
UPLOAD_MAX_PIXELS = 16_000_000

validate_hex_colour = RegexValidator(
    HEX_COLOUR, _("Enter a colour as # followed by six hexadecimal digits, e.g. #1f4fd1.")
)


def relative_luminance(colour):
    """WCAG 2.x relative luminance of a ``#rrggbb`` colour (0 for black, 1 for white)."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first, second):
    """The WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def darken(colour, amount=0.25):
    """``colour`` mixed with ``amount`` of black: hover states, always more contrast on white."""
    parts = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(part * (1 - amount)):02x}" for part in parts)


# (field, the other colour, what the page does with the pair): one line per use in site.css.
CHECKS = [
    ("primary", WHITE, _("white text on buttons of this colour")),
    ("primary", SURFACE, _("links of this colour on the light grey header")),
    ("accent", WHITE, _("white text on counters of this colour")),
]


def contrast_errors(**colours):
    """``{field: [message, ...]}`` for each colour that fails WCAG AA in one of its uses."""
    errors = {}
    for field, other, use in CHECKS:
        colour = colours.get(field)
        if not colour or not HEX_COLOUR.match(colour):
            continue  # the field's own validator says what is wrong
        ratio = contrast_ratio(colour, other)
        if ratio < AA_NORMAL_TEXT:
            errors.setdefault(field, []).append(
                _(
                    "Not readable enough: %(use)s have a contrast of %(ratio).1f:1, and WCAG AA "
                    "needs at least %(needed).1f:1. Choose a darker colour."
                )
                % {"use": use, "ratio": ratio, "needed": AA_NORMAL_TEXT}
            )
    return errors


def process_logo(upload):
    """A WebP logo fitting ``LOGO_MAX_SIZE``, re-encoded from the pixels of ``upload`` only."""
    image = _decode(upload)
    image.thumbnail(LOGO_MAX_SIZE, Image.Resampling.LANCZOS)
    return ContentFile(images.encode_webp(image), name=f"{uuid4().hex}.webp")


def process_favicon(upload):
    """A square PNG favicon (PNG: the one format every browser takes as an icon)."""
    image = _decode(upload)
    icon = ImageOps.fit(image, (FAVICON_SIZE, FAVICON_SIZE), method=Image.Resampling.LANCZOS)
    # A new image from the pixels alone: nothing of the upload's chunks or metadata is kept.
    icon = Image.frombytes(icon.mode, icon.size, icon.tobytes())
    output = io.BytesIO()
    icon.save(output, "PNG", optimize=True)
    return ContentFile(output.getvalue(), name=f"{uuid4().hex}.png")


def _decode(upload):
    # The avatars' decoder: JPEG, PNG, GIF and WebP only, so SVG (a document that can
    # run scripts) is refused with the avatars' clear message.
    return images.decode_upload(upload, max_bytes=UPLOAD_MAX_BYTES, max_pixels=UPLOAD_MAX_PIXELS)


class BrandTheme(models.Model):
    """The site's one theme (primary key 1). Site configuration, not a domain object:
    staff edit it in the admin, and nothing else listens to its changes."""

    primary = models.CharField(
        _("primary colour"),
        max_length=7,
        default="#1f4fd1",
        validators=[validate_hex_colour],
        help_text=_("Buttons, links and the header's stripe. White text must be readable on it."),
    )
    accent = models.CharField(
        _("accent colour"),
        max_length=7,
        default="#b42318",
        validators=[validate_hex_colour],
        help_text=_("Counters of unread things. White text must be readable on it."),
    )
    logo = models.ImageField(
        _("logo"),
        upload_to="brand/",
        blank=True,
        help_text=_("JPEG, PNG, GIF or WebP (no SVG); shown 32 pixels high in the header."),
    )
    favicon = models.ImageField(
        _("favicon"),
        upload_to="brand/",
        blank=True,
        help_text=_("A square JPEG, PNG, GIF or WebP picture; made 64 pixels square."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("brand theme")
        verbose_name_plural = _("brand theme")

    def __str__(self):
        return str(_("Brand theme"))

    def save(self, *args, **kwargs):
        self.pk = 1  # one theme per site
        super().save(*args, **kwargs)
        forget()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        forget()
        return result

    def clean(self):
        errors = contrast_errors(primary=self.primary, accent=self.accent)
        # Only a new upload is re-encoded: the stored file was made here already.
        for field, process in (("logo", process_logo), ("favicon", process_favicon)):
            file = getattr(self, field)
            if file and not file._committed:
                try:
                    setattr(self, field, process(file))
                except ValidationError as error:
                    errors.setdefault(field, []).extend(error.messages)
        if errors:
            raise ValidationError(errors)

    def as_dict(self):
        return {
            "primary": self.primary,
            "primary_dark": darken(self.primary),
            "accent": self.accent,
            "logo_url": self.logo.url if self.logo else "",
            "favicon_url": self.favicon.url if self.favicon else "",
        }


def current():
    """The theme as a dict (empty: site.css's defaults), from the cache when it can.

    The cache holds a plain dict, not the model, so any cache backend can keep it.
    """
    theme = cache.get(CACHE_KEY)
    if theme is None:
        row = BrandTheme.objects.filter(pk=1).first()
        theme = row.as_dict() if row is not None else {}
        cache.set(CACHE_KEY, theme, None)
    return theme


def forget():
    """Drop the cached theme now, and again once the change is committed: a page
    rendered in between could otherwise cache the old row for good."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


# --- The demo brand ----------------------------------------------------------

VELORA = {"primary": "#0f6e5a", "accent": "#b4361c"}


def seed_velora():
    """Give the demo Velora's theme (a teal and rust, a drawn logo and icon) once."""
    if BrandTheme.objects.filter(pk=1).exists():
        return
    theme = BrandTheme(**VELORA)
    theme.logo = ContentFile(_velora_mark(VELORA["primary"], wide=True), name="logo.png")
    theme.favicon = ContentFile(_velora_mark(VELORA["primary"], wide=False), name="icon.png")
    theme.full_clean()
    theme.save()


def _velora_mark(colour, *, wide):
    """A "V" in a disc (and a wheel's rim beside it for the logo), drawn with Pillow."""
    from PIL import ImageDraw

    size = (192, 96) if wide else (96, 96)
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 92, 92), fill=colour)
    draw.line([(28, 28), (48, 70), (68, 28)], fill="white", width=10, joint="curve")
    if wide:
        draw.ellipse((108, 14, 176, 82), outline=colour, width=8)
        draw.ellipse((136, 42, 148, 54), fill=colour)
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()
