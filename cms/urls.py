"""Exclusive content's own URLs, mounted by the site before Wagtail's page serving
(``/content/``), so that none of them is taken for a page's path."""

from django.urls import include, path

urlpatterns = [
    path("", include("cms.surfaces.urls")),
    path("", include("cms.offers.urls")),
    path("", include("cms.events.urls")),
    path("", include("cms.conversation.urls")),
    path("", include("cms.reach.urls")),
]
