"""Turn an uploaded picture into a clean WebP image, or refuse it.

An avatar or an image in a post is a file from a stranger that we serve to
other members, so nothing in it is trusted but its pixels:

- Polyglots: one file can be a valid PNG and also an HTML page, a script or a
  zip (bytes after the end of the image, or in chunks decoders skip). The
  upload's bytes are never stored or served: the pixels are decoded and a new
  file is encoded from them, so whatever rode along is left behind.
- Decompression bombs: a few hundred bytes can declare a 100,000 x 100,000
  image that needs gigabytes once decoded. The declared size is read from the
  header and refused before any pixel data is decoded, and Pillow's own bomb
  warning is treated as an error.
- Scripts: SVG and HTML are documents that run JavaScript in a browser. Only
  JPEG, PNG, GIF and WebP are accepted, and Pillow is told to try only those
  decoders, so the parsers of rarer formats (and their bugs) never see a file.
- Metadata leaks: phone photos carry EXIF with the GPS position where they
  were taken, the camera's serial number, a thumbnail of the uncropped
  picture. The new file keeps no EXIF, ICC profile or XMP.

``decode_upload()`` and ``encode_webp()`` do all of the above and are shared by
every kind of uploaded picture: avatars here (``process_avatar()``) and images
in posts (``forums.images``), which differ only in their limits and in how
they are resized. An avatar is always exactly ``AVATAR_SIZE`` pixels square: a
smaller image is upscaled, so templates, CSS and caches only ever deal with
one size. Colour profiles are dropped without converting the pixels to sRGB,
which may dull a wide-gamut photo slightly; running an ICC engine on untrusted
profiles is more attack surface than a picture in a community is worth.
Animations keep their first frame only.

This relies on ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` keeping its default
(False): with it set, truncated files would be accepted, padded with grey.
"""

import io
import warnings
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_SIZE = 256
WEBP_QUALITY = 85

# The only decoders Pillow may run on an upload.
DECODERS = ["JPEG", "PNG", "GIF", "WEBP"]
# What those decoders report. The JPEG decoder calls a JPEG holding several
# pictures (some phones and 3D cameras) "MPO": still a JPEG, the first picture
# is used.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "GIF", "WEBP"}
SIXTEEN_BIT_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N"}
ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}

# Signatures of image formats people try to upload. They are matched
# on the first bytes only, without running a decoder, to tell the user "wrong
# format" rather than "broken file".
OTHER_IMAGE_SIGNATURES = (
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"II+\x00",  # BigTIFF
    b"MM\x00+",
    b"\x00\x00\x01\x00",  # ICO
    b"\x00\x00\x02\x00",  # CUR
    b"8BPS",  # Photoshop
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
    b"\xff\x4f\xff\x51",  # JPEG 2000 codestream
    b"\x00\x00\x00\x0cJXL \r\n\x87\n",  # JPEG XL
    b"\xff\x0a",  # JPEG XL codestream
    b"qoif",  # QOI
)
# HEIF (HEIC) and AVIF are ISO media files: a "ftyp" box then a brand.
ISO_MEDIA_IMAGE_BRANDS = {
    b"heic",
    b"heix",
    b"hevc",
    b"hevx",
    b"heim",
    b"heis",
    b"mif1",
    b"msf1",
    b"avif",
    b"avis",
}
# Size of the header after "BM" that every BMP variant starts with.
BMP_INFO_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}

MESSAGES = {
    # The same wording as Django's FileField and ImageField, so that Django's
    # own catalogs already translate them.
    "empty": _("The submitted file is empty."),
    "invalid_image": _(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
    "unsupported_format": _("Upload a JPEG, PNG, GIF or WebP image."),
    "too_large": _("This file is too large: the limit is %(limit)s."),
    "too_many_pixels": _("This image is too large: at most %(megapixels)s megapixels."),
}


def process_avatar(upload):
    """Return a square WebP avatar made from the pixels of ``upload``.

    ``upload`` is an ``UploadedFile``, or any file-like object with ``size``,
    ``read()`` and ``seek()``; it is read from its start and nothing in it is
    trusted. Raise ``ValidationError`` with code ``empty``, ``too_large``,
    ``invalid_image``, ``unsupported_format`` or ``too_many_pixels`` if it is
    refused. The result is a new ``ContentFile`` named ``<random hex>.webp``,
    ``AVATAR_SIZE`` pixels square, with no metadata at all.
    """
    size = getattr(settings, "AVATAR_SIZE", DEFAULT_SIZE)
    image = decode_upload(
        upload,
        max_bytes=getattr(settings, "AVATAR_MAX_BYTES", DEFAULT_MAX_BYTES),
        max_pixels=getattr(settings, "AVATAR_MAX_PIXELS", DEFAULT_MAX_PIXELS),
        # Cropped to a square of ``size``: the short side must stay at least that.
        needed_size=lambda width, height: (size, size),
    )
    avatar = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    return ContentFile(encode_webp(avatar), name=f"{uuid4().hex}.webp")


def decode_upload(upload, *, max_bytes, max_pixels, needed_size=None):
    """Return the first picture of ``upload``, decoded, upright, RGB or RGBA, with no metadata.

    ``upload`` is an ``UploadedFile``, or any file-like object with ``size``,
    ``read()`` and ``seek()``; it is read from its start and nothing in it is
    trusted. It is refused, before any pixel is decoded, if it holds more than
    ``max_bytes``, is not one of ``DECODERS`` or declares more than
    ``max_pixels``; ``ValidationError`` is raised with code ``empty``,
    ``too_large``, ``invalid_image``, ``unsupported_format`` or
    ``too_many_pixels`` and a message that says what is wrong.

    ``needed_size(width, height)``, given the declared size, returns the
    smallest size the caller will scale the picture to; a JPEG is then decoded
    at 1/2, 1/4 or 1/8 scale if that is still at least as big, for a fraction
    of the time and memory. The result is a new image with an empty ``info``;
    ``encode_webp()`` then copies only its pixels, once it has been resized.
    """
    data = _read(upload, max_bytes)
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; an
        # upload has no business being anywhere near either.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=DECODERS) as image:
                _check_header(image, max_pixels)
                if needed_size is not None:
                    # Other formats than JPEG ignore this.
                    image.draft(None, needed_size(*image.size))
                # Image.open() leaves the first frame of an animation current
                # and later frames are never read.
                image.load()
                image = ImageOps.exif_transpose(image)
                image = _to_rgb_or_rgba(image)
                image.info = {}
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _refusal("too_many_pixels", max_pixels=max_pixels) from error
        except Image.UnidentifiedImageError as error:
            code = "unsupported_format" if _is_other_image_format(data) else "invalid_image"
            raise _refusal(code) from error
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            # Truncated or corrupt data, found while decoding the pixels.
            raise _refusal("invalid_image") from error
    return image


def encode_webp(image):
    """Return ``image`` (RGB or RGBA, from ``decode_upload()``) as the bytes of a bare WebP file.

    Only the pixels are copied into the file: no EXIF, ICC profile or XMP,
    whatever the image still holds. A fully opaque alpha channel is dropped:
    it would only cost bytes.
    """
    if image.mode == "RGBA" and image.getextrema()[3] == (255, 255):
        image = image.convert("RGB")
    image = Image.frombytes(image.mode, image.size, image.tobytes())
    output = io.BytesIO()
    image.save(output, "WEBP", quality=WEBP_QUALITY)
    return output.getvalue()


def _read(upload, max_bytes):
    """Return all the bytes of ``upload``; refuse it if there are none or over ``max_bytes``."""
    if (getattr(upload, "size", None) or 0) > max_bytes:
        raise _refusal("too_large", max_bytes=max_bytes)
    upload.seek(0)
    # Read one byte past the limit rather than trusting ``size``: a file-like
    # object that is not an UploadedFile may report anything.
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _refusal("too_large", max_bytes=max_bytes)
    if not data:
        raise _refusal("empty")
    return data


def _check_header(image, max_pixels):
    """Refuse ``image``, just opened and not yet decoded, by its format and declared size."""
    if image.format not in ACCEPTED_FORMATS:
        raise _refusal("unsupported_format")
    width, height = image.size
    if width * height > max_pixels:
        raise _refusal("too_many_pixels", max_pixels=max_pixels)


def _to_rgb_or_rgba(image):
    """Return ``image`` converted to RGBA if it has any transparency, to RGB otherwise."""
    if image.mode in SIXTEEN_BIT_MODES:
        # 16-bit greyscale PNG. A direct conversion to 8 bits clips every
        # value over 255 to white, so scale 0-65535 down to 0-255 first.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    # Palette, greyscale and RGB images can mark one colour transparent
    # (GIF transparency, PNG tRNS) instead of carrying an alpha channel.
    if image.mode in ALPHA_MODES or "transparency" in image.info:
        return image.convert("RGBA")
    # CMYK, palette, greyscale, bilevel, YCbCr.
    return image.convert("RGB")


def _is_other_image_format(data):
    """Return True if ``data`` starts like an image format that is not accepted."""
    if data.startswith(OTHER_IMAGE_SIGNATURES):
        return True
    if data[4:8] == b"ftyp" and data[8:12] in ISO_MEDIA_IMAGE_BRANDS:
        return True
    # "BM" alone starts plenty of text files; check the info header size too.
    return data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in BMP_INFO_HEADER_SIZES


def _refusal(code, max_bytes=None, max_pixels=None):
    """Return the ValidationError for ``code``, with the limit that was exceeded, if any."""
    params = {}
    if max_bytes is not None:
        params["limit"] = filesizeformat(max_bytes)
    if max_pixels is not None:
        megapixels = max_pixels / 1_000_000
        params["megapixels"] = number_format(
            megapixels, decimal_pos=0 if megapixels.is_integer() else 1
        )
    return ValidationError(MESSAGES[code], code=code, params=params or None)
