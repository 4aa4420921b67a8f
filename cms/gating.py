"""The one question every surface of exclusive content asks: what may this viewer
know of this page?

- the whole page (``Access.met``): its audience is met (``community.permissions``);
- or its teaser (``Access.shown``, with ``hints`` on how to qualify);
- or nothing: it does not exist for them (404, absent from every list).

Pages, listings, search, feeds, the sitemap, the API, the member feed, images and
documents all ask ``access`` (or ``visible`` for a list); none decides on its own.
Only live pages exist for readers; editors see drafts in the admin's preview.
"""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from cms.models import AudienceRule, ContentPage
from community import permissions
from community.models import Community


@dataclass(frozen=True)
class Access:
    met: bool
    shown: bool
    hints: tuple[str, ...] = ()


NOTHING = Access(met=False, shown=False)


def with_audience(queryset):
    """``queryset`` with what ``access`` reads prefetched: two queries for any number
    of pages."""
    rules = AudienceRule.objects.select_related("community", "badge__community")
    return queryset.prefetch_related(Prefetch("audience_rules", queryset=rules))


def live_content():
    """Every live content page (of any kind), newest first, ready for ``access``."""
    return with_audience(ContentPage.objects.live().order_by("-first_published_at", "-pk"))


def access(user, page):
    """What ``user`` may know of ``page`` (a ContentPage or one of its kinds)."""
    audience = page.audience_spec()
    if permissions.audience_met(user, audience):
        return Access(met=True, shown=True)
    teaser = permissions.teaser(user, audience)
    if not teaser.shown:
        return NOTHING
    return Access(met=False, shown=True, hints=teaser.hints)


def check(user, page):
    """``access`` for a page asked for by name: 404 if it is not live or not even its
    teaser may be shown (the same answer as for a page that does not exist)."""
    if not page.live:
        raise Http404(_("No such content."))
    found = access(user, page)
    if not found.shown:
        raise Http404(_("No such content."))
    return found


def visible(user, pages):
    """``[(page, Access)]`` for the pages whose teaser or whole the user may see, in
    order (pages with their audience prefetched: ``with_audience``)."""
    kept = []
    for page in pages:
        found = access(user, page)
        if found.shown:
            kept.append((page, found))
    return kept


def kind_of(page):
    """``"article"``, ``"offer"`` or ``"event"``, without loading the specific page."""
    return page.specific_class.kind if page.specific_class is not None else ""


def content_of(page):
    """The page as a ``ContentPage`` (the object of the ``content.*`` entries); for a
    specific page this builds it from the fields already loaded, without a query."""
    return page if type(page) is ContentPage else page.contentpage_ptr


def kpi_community(page):
    """The community a page's activity entries count for: its discussion's, if any."""
    pk = page.discussion_community_id
    return Community(pk=pk) if pk else None


def can_edit(user, page):
    """May ``user`` edit the page in the CMS (Wagtail's page permissions)?"""
    if not (user.is_authenticated and user.is_active):
        return False
    return page.permissions_for_user(user).can_edit()
