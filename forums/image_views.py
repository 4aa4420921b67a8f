"""The pages of post images: the upload page (no JavaScript needed) and the image files.

Processing and storage are ``forums.images``; the one writer is
``forums.actions.upload_image``. ``serve_image`` answers 404, as for a key
that does not exist, to whoever may not read the image's community.
"""

import logging
import re

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from community import permissions as community_permissions
from community import queries as community_queries
from forums import actions, permissions
from forums.images import ACCEPT, CONTENT_TYPE, alt_text, clean_alt, markdown_for, storage
from forums.models import PostImage

logger = logging.getLogger(__name__)


# Images never change under a key: a year, as for hashed static files.
PUBLIC_MAX_AGE = 365 * 24 * 60 * 60
# A private image may stay in the browser's own cache this long after its
# reader lost access (left, banned); after that the browser asks again and
# the access check runs.
PRIVATE_MAX_AGE = 60 * 60


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
    refusal = ""
    if not form.is_bound:
        # Over the hourly quota: said before a file is chosen, as the action would refuse it.
        try:
            permissions.check_upload_image(request.user, community)
        except PermissionDenied as error:
            refusal = str(error)
    image = None
    key = request.GET.get("image", "")
    if request.method == "GET" and re.fullmatch(r"[0-9a-f]{32}", key):
        image = PostImage.objects.filter(key=key, owner=request.user, community=community).first()
    markdown = markdown_for(image, clean_alt(request.GET.get("alt", ""))) if image else ""
    return render(
        request,
        "forums/upload_image.html",
        {
            "community": community,
            "form": form,
            "image": image,
            "markdown": markdown,
            "refusal": refusal,
        },
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
