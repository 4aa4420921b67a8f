"""RSS and Atom feeds of content (Django's syndication framework).

A feed is read by programs that sign in as nobody and may be cached by anyone, so it
lists only live content whose audience is everyone, and of each item only its title
and teaser: never a body, code or link meant for an audience.
"""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from cms import gating
from cms.surfaces import queries

ITEMS = 30


class ContentFeed(Feed):
    title = _("New content")
    description = _("Articles, offers and events for everyone.")

    def link(self):
        home = queries.content_home()
        return home.get_url() if home is not None else "/content/"

    def items(self):
        return list(queries.everyone_content().select_related("content_type")[:ITEMS])

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.teaser

    # Relative URLs: the framework makes them absolute with the request's host.
    def item_link(self, item):
        return item.get_url()

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_categories(self, item):
        return [gating.kind_of(item)]


class ContentAtomFeed(ContentFeed):
    feed_type = Atom1Feed
    subtitle = ContentFeed.description
