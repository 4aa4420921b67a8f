"""Fixtures of exclusive content: the content home, pages of each kind with their
audience, and a marketer (a member of the Marketing group)."""

import datetime
import importlib

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cms.models import ArticlePage, AudienceRule, ContentHome, EventPage, OfferPage

KINDS = {"article": ArticlePage, "offer": OfferPage, "event": EventPage}


def ensure_site():
    """Wagtail's tree, the content home and the Marketing group, as the migrations make
    them. A transactional test's flush empties every table, these rows included: the
    next transactional test makes them again here (serialized rollback would instead
    restore content types that the flush's post_migrate already recreated)."""
    home = ContentHome.objects.first()
    if home is not None:
        return home
    from django.apps import apps
    from django.conf import settings
    from wagtail.models import Collection, Locale, Page, Site

    locale, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    home = root.add_child(instance=ContentHome(title="Exclusive content", slug="content"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home}
    )
    marketing = importlib.import_module("cms.migrations.0002_content_home_and_marketing")
    marketing.marketing(apps, None)
    return home


@pytest.fixture
def content_home(db):
    """The content home, made by cms's migration and served at /content/."""
    return ensure_site()


def _rule(spec):
    """``("community", club)``, ``("badge", badge)`` or ``("level", club, rank)``."""
    kind, *args = spec
    if kind == "community":
        return AudienceRule(kind=kind, community=args[0])
    if kind == "badge":
        return AudienceRule(kind=kind, badge=args[0])
    if kind == "level":
        return AudienceRule(kind=kind, community=args[0], rank=args[1])
    raise ValueError(kind)


@pytest.fixture
def make_page(content_home):
    """Make a content page under the content home, published unless ``publish=False``.

    ``make_page("offer", audience="chosen", rules=[("community", club)], match="all",
    shared_code="VELO10")``: sensible defaults fill the fields each kind needs.
    """

    def make(
        kind="article",
        *,
        title=None,
        audience="members",
        match="any",
        rules=(),
        publish=True,
        user=None,
        **fields,
    ):
        model = KINDS[kind]
        now = timezone.now()
        defaults = {
            "article": {},
            "offer": {"code_mode": "shared", "shared_code": "VELO-SHARED"},
            "event": {
                "starts_at": now + datetime.timedelta(days=7),
                "ends_at": now + datetime.timedelta(days=7, hours=2),
                "place": "12 rue du Vélo, Lyon",
                "online_link": "https://meet.example.com/velora",
            },
        }[kind]
        title = title or f"A {kind} for {audience}"
        page = model(
            live=fields.pop("live", publish),  # a draft is not live until published
            title=title,
            teaser=fields.pop("teaser", f"Teaser of {title}"),
            audience=audience,
            audience_match=match,
            **{**defaults, **fields},
        )
        page.audience_rules = [_rule(spec) for spec in rules]
        content_home.add_child(instance=page)
        revision = page.save_revision(user=user)
        if publish:
            revision.publish(user=user)
            page.refresh_from_db()
        return page

    return make


@pytest.fixture
def marketer(make_user):
    user = make_user(username="marketer")
    user.groups.add(Group.objects.get(name="Marketing"))
    return user
