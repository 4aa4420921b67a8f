"""The surfaces' own pages: content search and the sitemap.

Both are mounted before Wagtail's page serving (``cms/surfaces/urls.py``).
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from cms.surfaces import queries
from cms.surfaces.serving import private

Q_MAX_LENGTH = 200


@require_safe
def search(request):
    """``/content/search/?q=``: content the viewer may know of, matching the words."""
    q = request.GET.get("q", "").strip()[:Q_MAX_LENGTH]
    results = queries.search(request.user, q, page_number=request.GET.get("page"))
    page = results["page_obj"]
    previous_url = next_url = ""
    if page is not None and page.has_previous():
        previous_url = "?" + urlencode({"q": q, "page": page.previous_page_number()})
    if page is not None and page.has_next():
        next_url = "?" + urlencode({"q": q, "page": page.next_page_number()})
    context = {
        "q": q,
        "searched": bool(q),
        "rows": results["rows"],
        "previous_url": previous_url,
        "next_url": next_url,
    }
    return private(render(request, "cms/search.html", context))


@require_safe
def sitemap(request):
    """``/sitemap.xml``: the content home and the live content for everyone.

    Each page says what it lists (``get_sitemap_urls``: nothing unless its audience is
    everyone), and only content for everyone is asked in the first place.
    """
    urls = []
    home = queries.content_home()
    if home is not None and home.live:
        urls.extend(home.get_sitemap_urls(request))
    for page in queries.everyone_content().specific(defer=True):
        urls.extend(page.get_sitemap_urls(request))
    xml = render_to_string("cms/sitemap.xml", {"urls": urls}, request=request)
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")
