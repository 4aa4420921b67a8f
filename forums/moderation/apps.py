from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PARTS = ("queue", "prevention", "sanctions", "curation", "care")


class ModerationConfig(AppConfig):
    name = "forums.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        """Plug each part of moderation into the registries below it."""
        from community import unread
        from forums.moderation import chrome, notices, streams  # noqa: F401  (stream events)

        chrome.connect()
        unread.register("moderation_notices", notices.unread_count)
        for part in PARTS:
            import_module(f"forums.moderation.{part}.setup").ready()
