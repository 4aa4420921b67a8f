"""Moderation's pages: each part's, under the community's ``moderation/``."""

from django.urls import include, path

from forums.moderation.apps import PARTS

urlpatterns = [path("", include(f"forums.moderation.{part}.urls")) for part in PARTS]
