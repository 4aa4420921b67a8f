"""The admin's side of offers: the pool of unique codes uploaded with the page's form
(``cms.forms.OfferPageForm`` leaves them on ``page._codes_to_import``) is imported once
the page has its row."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail import hooks

from cms.models import OfferPage
from cms.offers import actions

HOOKS = ("after_create_page", "after_edit_page", "before_publish_page")


def import_uploaded_codes(request, page):
    """Import the codes the form left on ``page``, once, and tell the editor.

    Hooked after create and edit, and before publishing: the edit view reloads the page
    before ``after_edit_page`` when publishing, which drops what the form left on it.
    """
    codes = getattr(page, "_codes_to_import", None)
    if not codes or not isinstance(page, OfferPage):
        return None
    page._codes_to_import = []
    try:
        added, skipped = actions.import_codes(request.user, page, codes)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
        return None
    message = ngettext(
        "%(added)d code added to the pool", "%(added)d codes added to the pool", added
    ) % {"added": added}
    if skipped:
        message += ngettext(
            " (%(skipped)d already in it).", " (%(skipped)d already in it).", skipped
        ) % {"skipped": skipped}
    else:
        message += "."
    if page.code_mode != OfferPage.Codes.UNIQUE:
        message += " " + _("Members get them only when the offer hands out unique codes.")
    messages.success(request, message)
    return None


_registered = []


def register_hooks():
    """Register the hooks, once (``ready()`` runs again when a test swaps apps)."""
    if _registered:
        return
    for name in HOOKS:
        hooks.register(name, import_uploaded_codes)
    _registered.append(True)
