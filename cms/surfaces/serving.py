"""How Wagtail serves content: a page (whole or its teaser), its preview, the home.

``ContentPage.serve()``, ``serve_preview()`` and ``ContentHome.serve()`` call these.
Each asks ``cms.gating`` and nothing else:

- the audience meets the page: the page's own template, and the member's first view
  of the day is recorded (``actions.record_view``);
- the viewer may only know of it: ``cms/teaser.html``, with how to qualify; no body,
  code or link of the page is in the context, so none can reach the HTML;
- nothing: 404, the same answer as for a page that does not exist.

Anything not for everyone is answered ``Cache-Control: private, no-store``: no shared
cache keeps it, and a browser asks again after its reader lost access.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from cms import gating
from cms.surfaces import actions, queries
from community import audiences


def private(response):
    """Mark ``response`` as for its reader only, never stored."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ("Cookie",))
    return response


def _cacheable(user, page):
    # Only a page for everyone, read by a visitor, is the same for all who ask.
    return page.audience == audiences.EVERYONE and not user.is_authenticated


def serve_content(page, request):
    """The page itself to its audience, its teaser to who may know of it, else 404."""
    user = request.user
    found = gating.check(user, page)
    if found.met:
        if user.is_authenticated:
            actions.record_view(user, page)
        response = TemplateResponse(request, page.get_template(request), page.get_context(request))
    else:
        response = TemplateResponse(request, "cms/teaser.html", teaser_context(page, found))
    if not _cacheable(user, page):
        private(response)
    return response


def teaser_context(page, found):
    """What the teaser template may show: the page's title, teaser and kind, the
    hints. (``page`` is there for its title and URL; the template shows nothing else.)"""
    return {
        "page": page,
        "self": page,
        "kind": gating.kind_of(page),
        "access": found,
        "hints": found.hints,
    }


def may_preview(user, page):
    """Whoever may edit or publish the page (Wagtail's own rule for previews)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if page.pk is None:
        # A page being created: previewed by whoever may add content under the home.
        parent = queries.content_home()
        return parent is not None and parent.permissions_for_user(user).can_add_subpage()
    perms = page.permissions_for_user(user)
    return perms.can_edit() or perms.can_publish()


def serve_preview(page, request, mode_name):
    """The whole page, as its audience will see it, to an editor; nothing to others.

    Wagtail's preview views already require edit permission; this is the backstop
    if a preview is ever reached another way (it bypasses serve hooks)."""
    if not may_preview(request.user, page):
        raise Http404(_("No such content."))
    response = TemplateResponse(request, page.get_template(request), page.get_context(request))
    return private(response)


def serve_home(page, request):
    """The content home: what the viewer may read and teasers of what they could
    qualify for, newest first, ``?type=`` article, offer or event, paginated."""
    if request.method not in ("GET", "HEAD"):
        raise PermissionDenied
    kind = request.GET.get("type", "")
    if kind not in queries.KINDS:
        kind = ""
    listing = queries.home_listing(request.user, kind=kind, page_number=request.GET.get("page"))
    context = page.get_context(request)
    context.update(listing)
    context.update({"kind": kind, "kinds": queries.kind_choices()})
    response = TemplateResponse(request, "cms/content_home.html", context)
    return private(response)
