"""Fixtures of exclusive content: the content home, pages of each kind with their
audience, and a marketer (a member of the Marketing group)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cms.models import ArticlePage, AudienceRule, ContentHome, EventPage, OfferPage

KINDS = {"article": ArticlePage, "offer": OfferPage, "event": EventPage}


@pytest.fixture
def content_home(db):
    """The content home, made by cms's migration and served at /content/."""
    return ContentHome.objects.get()


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
