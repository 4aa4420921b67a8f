"""The images and documents of content pages.

Their files live in the ``cms_files`` storage (``settings.STORAGES``), outside
MEDIA_ROOT: nothing serves them straight from disk. An image's URL (original or
rendition) is under ``/content/files/``, answered by ``cms.surfaces.files`` after it
checks that the viewer may read a live page using it (or edits content); a document
is served by Wagtail's ``serve_view``, whose ``before_serve_document`` hook asks the
same question (``cms.surfaces.files.check_document``, registered by its setup).
"""

from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.documents.models import AbstractDocument, Document
from wagtail.images.models import (
    AbstractImage,
    AbstractRendition,
    Image,
    WagtailImageField,
    get_upload_to,
)


def cms_files():
    return storages["cms_files"]


class ContentImage(AbstractImage):
    file = WagtailImageField(
        verbose_name=_("file"),
        upload_to=get_upload_to,
        width_field="width",
        height_field="height",
        storage=cms_files,
    )
    admin_form_fields = Image.admin_form_fields

    class Meta(AbstractImage.Meta):
        verbose_name = _("image")
        verbose_name_plural = _("images")
        permissions = [("choose_contentimage", "Can choose image")]


class ContentRendition(AbstractRendition):
    # Its storage is WAGTAILIMAGES_RENDITION_STORAGE ("cms_files").
    image = models.ForeignKey(ContentImage, related_name="renditions", on_delete=models.CASCADE)

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


class ContentDocument(AbstractDocument):
    file = models.FileField(upload_to="documents", verbose_name=_("file"), storage=cms_files)
    admin_form_fields = Document.admin_form_fields

    class Meta(AbstractDocument.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        permissions = [("choose_contentdocument", "Can choose document")]
