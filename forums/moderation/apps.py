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
        from community import slots, unread
        from forums.moderation import chrome, nav, notices, streams  # noqa: F401  (stream events)
        from forums.moderation import slots as moderation_slots

        chrome.connect()
        slots.register("community_links", moderation_slots.community_links)
        # The community's own page of requests and bans, among the moderators' tabs.
        nav.register(nav.Tab("requests", _("Requests and bans"), "community_moderation", 95))
        unread.register("moderation_notices", notices.unread_count)
        for part in PARTS:
            import_module(f"forums.moderation.{part}.setup").ready()
