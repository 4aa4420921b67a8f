"""Images in posts: processing, private storage, and the two pages that touch them.

An image is uploaded to a community (``forums.actions.upload_image``, the
only writer of ``PostImage``), checked and re-encoded exactly as avatars are
(``community.images``: nothing of the upload is stored but its pixels), scaled
down to ``POST_IMAGE_MAX_DIMENSION`` on its longest side, and stored as WebP
under ``POST_IMAGES_ROOT``, outside ``MEDIA_ROOT``: the reverse proxy serves
``MEDIA_ROOT`` to anybody, while an image posted in a private community is
that community's content. ``serve_image`` serves each file after asking
``community.permissions.can_read`` about its community, and answers 404, as
for a key that does not exist, to whoever may not read it.

Posts show an image with Markdown, ``![alt](/post-images/<key>.webp)``;
``forums.markdown`` renders ``<img>`` for these URLs only.

The pages here: ``upload_page`` (upload without JavaScript, then copy the
Markdown) and ``serve_image``. The API endpoint is in ``forums.api``;
``static/js/uploads.js`` adds an "Add an image" button to post textareas that
carry the attributes from ``upload_attributes()``.
"""

import logging
import re
from dataclasses import dataclass
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from PIL import Image

from community import permissions as community_permissions
from community import queries as community_queries
from community.images import decode_upload, encode_webp
from forums import actions
from forums.models import PostImage

logger = logging.getLogger(__name__)

CONTENT_TYPE = "image/webp"
ACCEPT = "image/jpeg,image/png,image/gif,image/webp"
# Images never change under a key: a year, as for hashed static files.
PUBLIC_MAX_AGE = 365 * 24 * 60 * 60
# A private image may stay in the browser's own cache this long after its
# reader lost access (left, banned); after that the browser asks again and
# the access check runs.
PRIVATE_MAX_AGE = 60 * 60
ALT_MAX_LENGTH = 100


# --- Processing and storage -------------------------------------------------


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


# --- Pages ------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Image"),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A JPEG, PNG, GIF or WebP image, at most %(limit)s. Larger than %(size)d pixels, "
            "it is scaled down; only its first frame is kept, without its metadata (such as "
            "where a photo was taken)."
        ) % {
            "limit": filesizeformat(settings.POST_IMAGE_MAX_BYTES),
            "size": settings.POST_IMAGE_MAX_DIMENSION,
        }


@login_required
def upload_page(request, slug):
    """Upload an image for posts in the community, then show the Markdown to paste.

    Works without JavaScript. After a successful upload the browser is sent
    to ``?image=<key>&alt=<text>`` (so reloading does not upload again), which
    shows the image and its Markdown to its uploader only.
    """
    community = community_queries.community_for(request.user, slug)
    community_permissions.check_participate(request.user, community)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            image = actions.upload_image(request.user, community, file=upload)
        except ValidationError as error:
            form.add_error("file", error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            query = urlencode({"image": image.key, "alt": alt_text(upload.name)})
            return redirect(f"{reverse('upload_image', args=[community.slug])}?{query}")
    image = None
    key = request.GET.get("image", "")
    if request.method == "GET" and re.fullmatch(r"[0-9a-f]{32}", key):
        image = PostImage.objects.filter(key=key, owner=request.user, community=community).first()
    markdown = markdown_for(image, clean_alt(request.GET.get("alt", ""))) if image else ""
    return render(
        request,
        "forums/upload_image.html",
        {"community": community, "form": form, "image": image, "markdown": markdown},
    )


@require_safe
def serve_image(request, key):
    """The file of an image, to whoever may read its community; 404 to anyone else.

    Public communities' images are cacheable by anyone for a year (a key's
    file never changes); the others' only by the reader's browser, and not by
    other sites' pages (``Cross-Origin-Resource-Policy``).
    """
    image = PostImage.objects.select_related("community").filter(key=key).first()
    if image is None:
        raise Http404(_("No image found."))
    community = image.community
    # Asked as a visitor first: readable by anybody needs no session, and may be cached by all.
    public = community_permissions.can_read(AnonymousUser(), community)
    if not public and not community_permissions.can_read(request.user, community):
        raise Http404(_("No image found."))

    etag = f'"{image.key}"'
    last_modified = int(image.created_at.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        try:
            with storage().open(image.path) as file:
                data = file.read()
        except FileNotFoundError:
            logger.error("The file of post image %s is missing.", image.key)
            raise Http404(_("No image found.")) from None
        # Read whole rather than streamed (FileResponse): a stored image is small, and under
        # ASGI Django would read a synchronous stream whole anyway, with a warning each time.
        response = HttpResponse(data, content_type=CONTENT_TYPE)
        response["Content-Length"] = str(len(data))
        response["Content-Disposition"] = f'inline; filename="{image.key}.webp"'
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the file is a document of no origin that can run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    if public:
        response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}, immutable"
    else:
        response["Cache-Control"] = f"private, max-age={PRIVATE_MAX_AGE}"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
