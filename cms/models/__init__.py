"""Exclusive content: Wagtail pages, their audiences, and what members do with them.

- ``pages``: the content home and the three kinds of content (article, offer,
  event), each with its audience (``AudienceRule``) and its discussion thread;
- ``offers``: an offer's pool of unique codes and who revealed which;
- ``events``: registrations (going, waitlisted, cancelled), reminders, attendance;
- ``media``: the images and documents of content pages, stored outside MEDIA_ROOT
  and served only by views that check the pages using them;
- ``measure``: who viewed what (one row per member, page and day) and the notices
  members get about content.
"""

from cms.models.events import Registration
from cms.models.measure import ContentNotice, ContentView
from cms.models.media import ContentDocument, ContentImage, ContentRendition
from cms.models.offers import OfferCode, OfferReveal
from cms.models.pages import (
    ArticlePage,
    AudienceRule,
    ContentHome,
    ContentPage,
    EventPage,
    OfferPage,
)

__all__ = [
    "ArticlePage",
    "AudienceRule",
    "ContentDocument",
    "ContentHome",
    "ContentImage",
    "ContentNotice",
    "ContentPage",
    "ContentRendition",
    "ContentView",
    "EventPage",
    "OfferCode",
    "OfferPage",
    "OfferReveal",
    "Registration",
]
