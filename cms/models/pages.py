"""The content home and the kinds of content marketing publishes.

Every kind of content is a ``ContentPage`` (multi-table: one row there per page,
whatever its kind), so listings, search, feeds and the API read one table for
the audience and the teaser and fetch the specific fields of a page only to
show it. A content page lives under the content home, and nothing lives under
it.

Pages are served by ``cms.surfaces.serving`` (the full page, or the teaser for
whoever is outside the audience), reached through ``cms.models.plugins`` like the
other parts' additions to a page; their audience is decided by
``community.permissions`` from ``audience_spec()``.
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.blocks import RICH_TEXT_FEATURES, ArticleBody
from cms.forms import OfferPageForm
from cms.models import plugins
from cms.panels import tabs
from community import audiences
from community.models import Community


class ContentHome(Page):
    """The root of the content area (``/content/``): what the viewer may read, and
    teasers of what they could qualify for."""

    intro = models.TextField(_("introduction"), blank=True, max_length=1000)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.ArticlePage", "cms.OfferPage", "cms.EventPage"]
    max_count = 1

    class Meta:
        verbose_name = _("content home")

    def serve(self, request, *args, **kwargs):
        return plugins.serving("home")(self, request)

    def get_sitemap_urls(self, request=None):
        return [{"location": self.get_full_url(request), "lastmod": self.last_published_at}]


class ContentPage(Page):
    """What every kind of content has: a teaser, an audience, a discussion."""

    class Reach(models.TextChoices):
        EVERYONE = audiences.EVERYONE, _("Everyone, signed in or not")
        MEMBERS = audiences.MEMBERS, _("Signed-in members")
        CHOSEN = audiences.CHOSEN, _("Chosen communities, badges or levels")

    class Match(models.TextChoices):
        ANY = audiences.ANY, _("Any of the rules")
        ALL = audiences.ALL, _("All of the rules")

    teaser = models.TextField(
        _("teaser"),
        max_length=300,
        help_text=_(
            "Shown to everyone who may know of this content, including those outside its "
            "audience: never put the exclusive part here."
        ),
    )
    audience = models.CharField(
        _("audience"), max_length=8, choices=Reach.choices, default=Reach.MEMBERS
    )
    audience_match = models.CharField(
        _("members must meet"), max_length=3, choices=Match.choices, default=Match.ANY
    )
    discussion_community = models.ForeignKey(
        Community,
        verbose_name=_("discussion in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "On first publication, a thread opens there for comments. It has that "
            "community's audience: a club-only community keeps its discussion club-only."
        ),
    )
    discussion_thread = models.ForeignKey(
        "forums.Thread", on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )

    search_fields = [
        *Page.search_fields,
        index.SearchField("teaser"),
        index.FilterField("audience"),
    ]
    audience_panels = [
        MultiFieldPanel(
            [FieldPanel("audience"), FieldPanel("audience_match")], heading=_("Audience")
        ),
        InlinePanel("audience_rules", heading=_("Rules"), label=_("Rule")),
        FieldPanel("discussion_community"),
    ]

    parent_page_types = ["cms.ContentHome"]
    subpage_types = []
    is_creatable = False
    # Paths under /content/ taken by cms's own views (cms/*/urls.py): a page there would
    # never be reached.
    RESERVED_SLUGS = ("events", "feed", "files", "offers", "search")
    # A copy opens a discussion of its own when first published.
    exclude_fields_in_copy = ["discussion_thread"]
    kind = ""  # "article", "offer" or "event": the API's ``type``

    class Meta:
        verbose_name = _("content")

    def clean(self):
        super().clean()
        if self.slug in self.RESERVED_SLUGS:
            raise ValidationError(
                {"slug": _("This address is taken by the site: choose another slug.")}
            )

    def audience_spec(self):
        """The audience as ``community.audiences`` reads it (rules from the prefetch
        ``audience_rules`` when there is one)."""
        if self.audience != audiences.CHOSEN:
            return audiences.Audience(reach=self.audience, match=self.audience_match)
        rules = tuple(rule.as_rule() for rule in self.audience_rules.all())
        return audiences.Audience(reach=self.audience, match=self.audience_match, rules=rules)

    def with_content_json(self, content):
        # The discussion thread is opened on first publication, after the revision
        # being published was saved: a revision never carries it, so publishing any
        # revision keeps the live row's (as Wagtail keeps ``first_published_at``).
        page = super().with_content_json(content)
        page.discussion_thread_id = self.discussion_thread_id
        return page

    def serve(self, request, *args, **kwargs):
        return plugins.serving("content")(self, request)

    def get_context(self, request, *args, **kwargs):
        # What the parts add: the discussion's latest replies, an offer's code box, an
        # event's registration box (cms.models.plugins).
        context = super().get_context(request, *args, **kwargs)
        context.update(plugins.page_context(self, request))
        return context

    def serve_preview(self, request, mode_name):
        # Wagtail lets only those who may edit the page preview it (it skips serve
        # hooks): they see it whole, as its audience will.
        return plugins.serving("preview")(self, request, mode_name)

    def get_sitemap_urls(self, request=None):
        # Only content for everyone is listed (the site's sitemap is cms.sitemaps).
        if self.audience != audiences.EVERYONE:
            return []
        return [{"location": self.get_full_url(request), "lastmod": self.last_published_at}]


class AudienceRule(Orderable):
    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Active member of a community")
        BADGE = "badge", _("Holds a badge")
        LEVEL = "level", _("At least a level in a community")

    page = ParentalKey(ContentPage, on_delete=models.CASCADE, related_name="audience_rules")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # PROTECT: deleting what a rule names must not widen an all-of audience.
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    badge = models.ForeignKey(
        "badges.Badge",
        verbose_name=_("badge"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rank = models.PositiveSmallIntegerField(
        _("level"),
        null=True,
        blank=True,
        help_text=_(
            "The rung of the community's ladder: 0 Newcomer, 1 Regular, 2 Contributor, "
            "3 Expert, 4 Guru on the default one."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("community")]),
        FieldRowPanel([FieldPanel("badge"), FieldPanel("rank")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("audience rule")

    def clean(self):
        super().clean()
        needed = {
            self.Kind.COMMUNITY: ("community",),
            self.Kind.BADGE: ("badge",),
            self.Kind.LEVEL: ("community", "rank"),
        }.get(self.kind, ())
        errors = {
            name: _("This rule needs it.") for name in needed if getattr(self, name) in (None, "")
        }
        if errors:
            raise ValidationError(errors)

    def as_rule(self):
        keep = {
            self.Kind.COMMUNITY: {"community": self.community},
            self.Kind.BADGE: {"badge": self.badge},
            self.Kind.LEVEL: {"community": self.community, "rank": self.rank},
        }[self.kind]
        return audiences.Rule(kind=self.kind, **keep)


def _time_zones():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class ArticlePage(ContentPage):
    body = StreamField(ArticleBody(), verbose_name=_("body"), blank=True)

    content_panels = [*ContentPage.content_panels, FieldPanel("teaser"), FieldPanel("body")]
    search_fields = [*ContentPage.search_fields, index.SearchField("body")]
    kind = "article"
    template = "cms/article_page.html"
    edit_handler = tabs(content_panels, ContentPage.audience_panels)

    class Meta:
        verbose_name = _("article")


class OfferPage(ContentPage):
    class Codes(models.TextChoices):
        SHARED = "shared", _("One code for everyone")
        UNIQUE = "unique", _("A unique code per member, from a pool")

    description = RichTextField(_("description"), features=RICH_TEXT_FEATURES, blank=True)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    code_mode = models.CharField(
        _("codes"), max_length=6, choices=Codes.choices, default=Codes.SHARED
    )
    shared_code = models.CharField(_("promo code"), max_length=64, blank=True)
    quantity_limit = models.PositiveIntegerField(
        _("how many members may reveal it"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit. A pool of unique codes is its own limit."),
    )

    content_panels = [
        *ContentPage.content_panels,
        FieldPanel("teaser"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
        MultiFieldPanel(
            [
                FieldPanel("code_mode"),
                FieldPanel("shared_code"),
                FieldPanel("quantity_limit"),
                # Not a model field: OfferPageForm's CSV import of unique codes.
                FieldPanel("codes_csv"),
            ],
            heading=_("Promo code"),
        ),
    ]
    search_fields = [*ContentPage.search_fields, index.SearchField("description")]
    kind = "offer"
    template = "cms/offer_page.html"
    edit_handler = tabs(content_panels, ContentPage.audience_panels, OfferPageForm)

    class Meta:
        verbose_name = _("offer")

    def clean(self):
        super().clean()
        errors = {}
        if self.code_mode == self.Codes.SHARED and not self.shared_code.strip():
            errors["shared_code"] = _("An offer with one code for everyone needs its code.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The offer cannot end before it starts.")
        if errors:
            raise ValidationError(errors)


class EventPage(ContentPage):
    description = RichTextField(_("description"), features=RICH_TEXT_FEATURES, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=_time_zones, default=settings.TIME_ZONE
    )
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("Shown to registrants only.")
    )
    online_link = models.URLField(
        _("online link"), blank=True, help_text=_("Shown to registrants only.")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    rsvp_deadline = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Leave empty to take registrations until the event starts."),
    )

    content_panels = [
        *ContentPage.content_panels,
        FieldPanel("teaser"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at"), FieldPanel("time_zone")]),
        FieldRowPanel([FieldPanel("place"), FieldPanel("online_link")]),
        FieldRowPanel([FieldPanel("capacity"), FieldPanel("rsvp_deadline")]),
    ]
    search_fields = [*ContentPage.search_fields, index.SearchField("description")]
    kind = "event"
    template = "cms/event_page.html"
    edit_handler = tabs(content_panels, ContentPage.audience_panels)

    class Meta:
        verbose_name = _("event")
        indexes = [models.Index(fields=["starts_at"])]

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = _("The event cannot end before it starts.")
        if self.rsvp_deadline and self.starts_at and self.rsvp_deadline > self.starts_at:
            errors["rsvp_deadline"] = _("Registration must close by the start of the event.")
        if errors:
            raise ValidationError(errors)
