"""The images and documents of content pages, served only to who may read a page
that uses them (or may edit content).

Their files live in the ``cms_files`` storage, outside MEDIA_ROOT (its base URL is
``/content/files/``); nothing serves them straight from disk. Which pages use a file
is Wagtail's ``ReferenceIndex`` (kept up to date as pages are saved): an image or
document is readable by whoever ``cms.gating`` lets read one of the live pages
referring to it. Anyone else gets 404, as for a file that does not exist, in the
manner of ``forums.image_views.serve_image``.

- images (originals and renditions): ``serve_file`` at ``/content/files/<path>``;
- documents: Wagtail's ``serve_view`` at ``/documents/<id>/<filename>``, through the
  ``before_serve_document`` hook ``check_document`` (registered in ``setup``).
"""

import logging
import mimetypes

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex
from wagtail.permissions import policy_registry

from cms import gating
from cms.models import ContentImage, ContentRendition
from cms.models.media import cms_files
from cms.surfaces.serving import private

logger = logging.getLogger(__name__)

# A file for everyone may sit in any cache this long (its page may later narrow
# its audience, so not for a year).
PUBLIC_MAX_AGE = 60 * 60
EDIT_ACTIONS = ["add", "change", "choose"]


def referring_pages(obj):
    """The live content pages referring to ``obj`` (an image or a document), with
    their audience prefetched."""
    page_type = ContentType.objects.get_for_model(Page)
    ids = (
        ReferenceIndex.get_references_to(obj)
        .filter(base_content_type=page_type)
        .values_list("object_id", flat=True)
    )
    return list(gating.live_content().filter(pk__in=[int(pk) for pk in ids if pk.isdigit()]))


def readable(user, obj, model):
    """``(allowed, public)``: may ``user`` have ``obj``'s file (an image or document of
    ``model``), and may anybody?"""
    pages = referring_pages(obj)
    visitor = AnonymousUser()
    if any(gating.access(visitor, page).met for page in pages):
        return True, True
    if any(gating.access(user, page).met for page in pages):
        return True, False
    editor = user.is_authenticated and policy_registry.get_by_type(model).user_has_any_permission(
        user, EDIT_ACTIONS
    )
    return bool(editor), False


def _image_for(path):
    image = ContentImage.objects.filter(file=path).first()
    if image is not None:
        return image
    rendition = ContentRendition.objects.select_related("image").filter(file=path).first()
    return rendition.image if rendition is not None else None


@require_safe
def serve_file(request, path):
    """An image's original or rendition, to whoever may read a page showing it."""
    image = _image_for(path)
    if image is None:
        raise Http404(_("No image found."))
    allowed, public = readable(request.user, image, get_image_model())
    if not allowed:
        raise Http404(_("No image found."))
    try:
        with cms_files().open(path) as file:
            data = file.read()
    except FileNotFoundError:
        logger.error("The file %s of content image %s is missing.", path, image.pk)
        raise Http404(_("No image found.")) from None
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if not content_type.startswith("image/"):
        raise Http404(_("No image found."))
    response = HttpResponse(data, content_type=content_type)
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own (an SVG, say), the file is a document of no origin that runs nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    if public:
        response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    else:
        private(response)
        response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def check_document(document, request):
    """Wagtail's ``before_serve_document`` hook: 404 unless the viewer may read a live
    page linking to the document (or may edit content).

    A document for everyone goes on to Wagtail's own serving. Any other is answered
    here, as Wagtail would but ``private, no-store``: Wagtail's response carries a
    Last-Modified and no Cache-Control, which a shared cache may keep and hand out.
    """
    allowed, public = readable(request.user, document, get_document_model())
    if not allowed:
        raise Http404(_("No document found."))
    if public:
        return None
    try:
        file = document.file.open("rb")
    except FileNotFoundError:
        logger.error("The file of content document %s is missing.", document.pk)
        raise Http404(_("No document found.")) from None
    response = FileResponse(file, content_type=document.content_type)
    response["Content-Disposition"] = document.content_disposition
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return private(response)
