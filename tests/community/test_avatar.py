"""Avatar uploads: real files made in memory with Pillow, good and hostile."""

import io
import re
import struct
import warnings
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from community.images import process_avatar

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


def encode(image, image_format, **options):
    output = io.BytesIO()
    image.save(output, image_format, **options)
    return output.getvalue()


def solid(image_format, size=(64, 64), color=RED, mode="RGB", **options):
    return encode(Image.new(mode, size, color), image_format, **options)


def noise(image_format, size=(64, 64)):
    return encode(Image.effect_noise(size, 64).convert("RGB"), image_format)


def upload(data, name="avatar.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(data, name="avatar.png", content_type="image/png"):
    """Return the ValidationError that process_avatar() raises for ``data``."""
    with pytest.raises(ValidationError) as caught:
        process_avatar(upload(data, name, content_type))
    return caught.value


def open_avatar(result, size=256):
    """Return the decoded avatar after checking it is a bare WebP of ``size`` pixels square."""
    assert re.fullmatch(r"[0-9a-f]{32}\.webp", result.name)
    result.seek(0)
    data = result.read()
    image = Image.open(io.BytesIO(data), formats=["WEBP"])
    image.load()
    assert image.format == "WEBP"
    assert image.size == (size, size)
    assert not image.getexif()
    assert not {"exif", "icc_profile", "xmp"} & image.info.keys()
    assert b"Exif" not in data
    return image


def assert_color(pixel, expected, tolerance=48):
    assert all(abs(got - want) <= tolerance for got, want in zip(pixel, expected, strict=False)), (
        pixel,
        expected,
    )


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width, height):
    """Return a valid little 8-bit greyscale PNG that claims to be ``width`` x ``height``.

    Only the first row of pixels is there: a decoder that believed the header
    would allocate width * height bytes before finding out.
    """
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    first_row = zlib.compress(b"\x00" * (width + 1))  # filter type byte, then the pixels
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", first_row)
        + png_chunk(b"IEND", b"")
    )


def jpeg_declaring(width, height):
    """Return a 16 x 16 baseline JPEG whose frame header claims ``width`` x ``height``."""
    data = bytearray(noise("JPEG", (16, 16)))
    position = 2  # after the SOI marker
    while data[position : position + 2] != b"\xff\xc0":
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
    # SOF0: marker, length (2), precision (1), height (2), width (2).
    data[position + 5 : position + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_accepted_formats_become_bare_webp(image_format):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Camera Maker"
    options = {} if image_format == "GIF" else {"exif": exif}
    data = solid(image_format, **options)

    avatar = open_avatar(process_avatar(upload(data, "me.img", CONTENT_TYPES[image_format])))

    assert avatar.mode == "RGB"
    assert_color(avatar.getpixel((128, 128)), RED)


def test_multi_picture_jpeg_keeps_the_first_picture():
    pictures = [Image.new("RGB", (32, 32), color) for color in (RED, BLUE)]
    data = encode(pictures[0], "MPO", save_all=True, append_images=pictures[1:])
    assert Image.open(io.BytesIO(data)).format == "MPO"

    avatar = open_avatar(process_avatar(upload(data, "3d.jpg", "image/jpeg")))

    assert_color(avatar.getpixel((128, 128)), RED)


def test_names_are_random():
    data = solid("PNG")
    assert process_avatar(upload(data)).name != process_avatar(upload(data)).name


def test_upload_already_read_is_read_from_the_start():
    file = upload(solid("PNG"))
    file.read()
    open_avatar(process_avatar(file))


def test_gps_exif_is_dropped_and_orientation_applied():
    # Stored sideways: left half red, right half blue. Orientation 6 says
    # "rotate 90 degrees clockwise to display", which puts red on top.
    image = Image.new("RGB", (64, 32), BLUE)
    image.paste(RED, (0, 0, 32, 32))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
    }
    icc_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(image, "JPEG", exif=exif, icc_profile=icc_profile, quality=95)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    avatar = open_avatar(process_avatar(upload(data, "photo.jpg", "image/jpeg")))

    assert_color(avatar.getpixel((192, 64)), RED)  # top right: blue if not rotated
    assert_color(avatar.getpixel((64, 192)), BLUE)  # bottom left: red if not rotated


def test_animated_gif_keeps_the_first_frame():
    frames = [Image.new("RGB", (32, 32), color) for color in (RED, GREEN, BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 3

    avatar = open_avatar(process_avatar(upload(data, "a.gif", "image/gif")))

    assert_color(avatar.getpixel((128, 128)), RED)


def test_animated_webp_keeps_the_first_frame():
    frames = [Image.new("RGB", (32, 32), color) for color in (GREEN, RED, BLUE)]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=50)
    assert Image.open(io.BytesIO(data)).n_frames == 3

    avatar = open_avatar(process_avatar(upload(data, "a.webp", "image/webp")))

    assert_color(avatar.getpixel((128, 128)), GREEN)


def test_palette_png_transparency_is_kept():
    image = Image.new("P", (64, 64), 0)
    image.putpalette([*GREEN, *RED])
    image.paste(1, (32, 0, 64, 64))  # right half red, left half the transparent colour
    data = encode(image, "PNG", transparency=0)

    avatar = open_avatar(process_avatar(upload(data)))

    assert avatar.mode == "RGBA"
    assert avatar.getpixel((32, 128))[3] == 0
    assert_color(avatar.getpixel((224, 128)), (*RED, 255))


def test_opaque_alpha_channel_is_dropped():
    avatar = open_avatar(process_avatar(upload(solid("PNG", mode="RGBA", color=(*RED, 255)))))
    assert avatar.mode == "RGB"


def test_cmyk_jpeg_becomes_rgb():
    data = solid("JPEG", mode="CMYK", color=(0, 255, 255, 0))  # red in ink
    assert Image.open(io.BytesIO(data)).mode == "CMYK"

    avatar = open_avatar(process_avatar(upload(data, "print.jpg", "image/jpeg")))

    assert avatar.mode == "RGB"
    assert_color(avatar.getpixel((128, 128)), RED)


def test_16_bit_greyscale_png_is_scaled_not_clipped():
    data = solid("PNG", mode="I;16", color=40_000)
    assert Image.open(io.BytesIO(data)).mode == "I;16"

    avatar = open_avatar(process_avatar(upload(data)))

    # 40000 / 256 = 156; a clipping conversion would give white.
    assert_color(avatar.getpixel((128, 128)), (156, 156, 156), tolerance=4)


def test_wide_image_is_centre_cropped():
    image = Image.new("RGB", (300, 100), RED)
    image.paste(GREEN, (100, 0, 200, 100))
    image.paste(BLUE, (200, 0, 300, 100))

    avatar = open_avatar(process_avatar(upload(encode(image, "PNG"))))

    for corner in [(8, 8), (247, 8), (8, 247), (247, 247)]:
        assert_color(avatar.getpixel(corner), GREEN)


def test_small_image_is_upscaled_to_avatar_size():
    open_avatar(process_avatar(upload(solid("PNG", size=(10, 10)))), size=256)


def test_avatar_size_setting(settings):
    settings.AVATAR_SIZE = 64
    open_avatar(process_avatar(upload(solid("PNG"))), size=64)


@pytest.mark.parametrize(
    ("image_format", "payload"),
    [
        ("PNG", b"<script>alert(document.cookie)</script>"),
        ("GIF", b"<script>alert(document.cookie)</script>"),
        ("PNG", None),  # a zip archive
        ("GIF", None),
    ],
)
def test_polyglot_payload_is_left_behind(image_format, payload):
    if payload is None:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zip_file:
            zip_file.writestr("evil.jar", "payload")
        payload = archive.getvalue()
    data = solid(image_format) + payload

    result = process_avatar(upload(data, "me.img", CONTENT_TYPES[image_format]))

    open_avatar(result)
    result.seek(0)
    output = result.read()
    assert b"<script" not in output
    assert b"PK\x03\x04" not in output
    assert b"payload" not in output


def test_text_chunk_payload_is_left_behind():
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "<script>alert(document.cookie)</script>")
    data = encode(Image.new("RGB", (64, 64), RED), "PNG", pnginfo=text)
    assert b"<script" in data

    result = process_avatar(upload(data))

    result.seek(0)
    assert b"<script" not in result.read()


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
            b"<script>alert(document.cookie)</script><rect width='64' height='64'/></svg>",
            "avatar.svg",
            "image/svg+xml",
        ),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(1)</script></svg>",
            "avatar.png",
            "image/png",
        ),
        (
            b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
            "avatar.png",
            "image/png",
        ),
        (b"Just some words, no picture.\n", "avatar.txt", "text/plain"),
        (b"BMW is not a bitmap.\n", "avatar.bmp", "image/bmp"),
        (b"%PDF-1.7\n", "avatar.pdf", "application/pdf"),
    ],
)
def test_documents_are_not_images(data, name, content_type):
    assert refusal(data, name, content_type).code == "invalid_image"


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="half"),
        pytest.param(lambda data: data[:8], id="signature-only"),
        # The last few hundred bytes of pixels. (A PNG missing only its final
        # checksums and IEND still has every pixel, and is accepted.)
        pytest.param(lambda data: data[:-300], id="end-missing"),
    ],
)
@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_truncated_images_are_refused(image_format, cut):
    data = cut(noise(image_format))
    assert refusal(data, "me.img", CONTENT_TYPES[image_format]).code == "invalid_image"


def test_empty_file_is_refused():
    assert refusal(b"").code == "empty"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(solid("BMP"), id="bmp"),
        pytest.param(solid("TIFF"), id="tiff"),
        pytest.param(solid("TIFF", compression="tiff_lzw"), id="tiff-lzw"),
        pytest.param(solid("ICO", size=(32, 32)), id="ico"),
        pytest.param(b"8BPS\x00\x01" + bytes(20), id="psd"),
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(40), id="heic"),
        pytest.param(
            b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(40), id="avif"
        ),
    ],
)
def test_other_image_formats_are_unsupported(data):
    assert refusal(data, "me.img", "application/octet-stream").code == "unsupported_format"


def test_file_over_the_byte_limit_is_refused(settings):
    settings.AVATAR_MAX_BYTES = 1000
    data = noise("PNG")
    assert len(data) > 1000

    error = refusal(data)

    assert error.code == "too_large"
    assert "1000" in error.messages[0]


def test_byte_limit_does_not_trust_the_reported_size(settings):
    settings.AVATAR_MAX_BYTES = 1000
    file = upload(noise("PNG"))
    file.size = 10

    with pytest.raises(ValidationError) as caught:
        process_avatar(file)

    assert caught.value.code == "too_large"


@pytest.mark.parametrize(
    "data",
    [
        # Over Pillow's own hard limit: refused by Image.open() itself.
        pytest.param(png_declaring(100_000, 100_000), id="png-10-gigapixels"),
        pytest.param(jpeg_declaring(65_000, 65_000), id="jpeg-4-gigapixels"),
        # Under Pillow's limits, over AVATAR_MAX_PIXELS: refused by the header check.
        pytest.param(png_declaring(7_000, 7_000), id="png-49-megapixels"),
        pytest.param(jpeg_declaring(8_000, 8_000), id="jpeg-64-megapixels"),
    ],
)
def test_decompression_bombs_are_refused_from_the_header(data):
    # A few hundred bytes; decoding them would need gigabytes, or at least
    # finding out the pixels are missing, which would be invalid_image.
    assert len(data) < 2000
    error = refusal(data)
    assert error.code == "too_many_pixels"
    assert "40" in error.messages[0]


def test_pillow_bomb_warning_is_an_error(settings):
    # With a generous limit of our own, Pillow's warning (over 89 megapixels)
    # is what stops the file, and it must not stay an error afterwards.
    settings.AVATAR_MAX_PIXELS = 500_000_000
    filters = list(warnings.filters)
    max_image_pixels = Image.MAX_IMAGE_PIXELS

    assert refusal(png_declaring(10_000, 10_000)).code == "too_many_pixels"

    assert warnings.filters == filters
    assert max_image_pixels == Image.MAX_IMAGE_PIXELS


def test_pixel_limit_setting(settings):
    settings.AVATAR_MAX_PIXELS = 1_000
    assert refusal(solid("PNG", size=(64, 64))).code == "too_many_pixels"
