"""Images in posts: processing, private storage, and how posts and forms refer to them.

An image is uploaded to a community (``forums.actions.upload_image``, the
only writer of ``PostImage``), checked and re-encoded exactly as avatars are
(``community.images``: nothing of the upload is stored but its pixels), scaled
down to ``POST_IMAGE_MAX_DIMENSION`` on its longest side, and stored as WebP
under ``POST_IMAGES_ROOT``, outside ``MEDIA_ROOT``: the reverse proxy serves
``MEDIA_ROOT`` to anybody, while an image posted in a private community is
that community's content. ``forums.image_views.serve_image`` serves each file
after asking ``community.permissions.can_read`` about its community, and
answers 404, as for a key that does not exist, to whoever may not read it.

Posts show an image with Markdown, ``![alt](/post-images/<key>.webp)``;
``forums.markdown`` renders ``<img>`` for these URLs only.

The pages are in ``forums.image_views`` (``upload_page``: upload without
JavaScript, then copy the Markdown; ``serve_image``). The API endpoint is in
``forums.api``; ``static/js/uploads.js`` adds an "Add an image" button to post
textareas that carry the attributes from ``upload_attributes()``.
"""

import re
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils.translation import gettext as _
from PIL import Image

from community.images import decode_upload, encode_webp

CONTENT_TYPE = "image/webp"
ACCEPT = "image/jpeg,image/png,image/gif,image/webp"
ALT_MAX_LENGTH = 100


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    width: int
    height: int


def process_post_image(upload):
    """Return the pixels of ``upload`` as a bare WebP no larger than ``POST_IMAGE_MAX_DIMENSION``.

    The shape is kept and a smaller image is left at its size. Raise
    ``ValidationError`` (codes ``empty``, ``too_large``, ``invalid_image``,
    ``unsupported_format``, ``too_many_pixels``) as ``community.images`` does
    for avatars, with the limits ``POST_IMAGE_MAX_BYTES`` and
    ``POST_IMAGE_MAX_PIXELS``.
    """
    limit = settings.POST_IMAGE_MAX_DIMENSION
    image = decode_upload(
        upload,
        max_bytes=settings.POST_IMAGE_MAX_BYTES,
        max_pixels=settings.POST_IMAGE_MAX_PIXELS,
        needed_size=lambda width, height: _fitted(width, height, limit),
    )
    size = _fitted(*image.size, limit)
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    return ProcessedImage(encode_webp(image), *image.size)


def _fitted(width, height, limit):
    """The size of a ``width`` x ``height`` picture scaled down to fit in ``limit`` square."""
    scale = limit / max(width, height)
    if scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def storage():
    """The storage of post images: files under ``POST_IMAGES_ROOT``, which has no public URL."""
    return FileSystemStorage(location=settings.POST_IMAGES_ROOT, base_url=None)


def alt_text(file_name):
    """A first alternative text for an image, from its file's name (the author can rewrite it)."""
    return clean_alt(PurePath(file_name or "").stem.replace("_", " ")) or _("image")


def clean_alt(text):
    """``text`` with only letters, digits, spaces and ``.,'-``, at most ALT_MAX_LENGTH long.

    So it can neither end the Markdown ``![...]`` around it nor add markup to it.
    """
    return " ".join(re.sub(r"[^\w.,'-]+", " ", text).split())[:ALT_MAX_LENGTH].strip()


def markdown_for(image, alt=""):
    """The Markdown that shows ``image`` in a post (its URL is relative: any host will do)."""
    return f"![{alt}]({image.get_absolute_url()})"


def image_data(request, image, alt=""):
    """The API's answer for an uploaded image."""
    return {
        "id": image.key,
        "url": request.build_absolute_uri(image.get_absolute_url()),
        "width": image.width,
        "height": image.height,
        "markdown": markdown_for(image, alt),
    }


def upload_attributes(community):
    """The attributes that make ``static/js/uploads.js`` add an image button to a textarea.

    For a post form's body widget: ``widget.attrs.update(upload_attributes(community))``.
    The labels are here so that they are translated with the rest of the site.
    """
    return {
        "data-image-upload": reverse("api-v1:upload_image", args=[community.slug]),
        "data-image-upload-label": _("Add an image"),
        "data-image-upload-busy": _("Uploading the image…"),
        "data-image-upload-failed": _("The image could not be uploaded."),
        "data-image-upload-accept": ACCEPT,
    }
