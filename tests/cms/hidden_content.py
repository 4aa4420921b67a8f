"""Exclusive content for tests/community/test_hidden_as_missing.py: a page of a hidden
community's members, and the image it shows, next to a page of a public community's."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from cms.models import AudienceRule, ContentImage, EventPage
from tests.cms.conftest import ensure_site


def content_for(hidden, public, png):
    """An event for each community's members, the hidden one's showing an image: the
    values of the ``content`` and ``content_file`` kinds of the hidden-as-missing walk."""
    home = ensure_site()
    image = ContentImage.objects.create(title="Plan", file=ContentFile(png, name="plan.png"))
    pages = {}
    for name, community in (("hidden", hidden), ("visible", public)):
        starts = timezone.now() + datetime.timedelta(days=5)
        page = EventPage(
            title=f"Meet-up {name}",
            slug=f"meet-up-{name}",
            teaser="Come along.",
            audience="chosen",
            description=f'<p>Map</p><embed embedtype="image" id="{image.pk}" format="left"/>'
            if name == "hidden"
            else "<p>Open</p>",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
        )
        page.audience_rules = [AudienceRule(kind="community", community=community)]
        home.add_child(instance=page)
        page.save_revision().publish()
        pages[name] = page
    return {
        "hidden": {"content": pages["hidden"].pk, "content_file": image.file.name},
        "visible": {"content": pages["visible"].pk, "content_file": image.file.name},
    }
