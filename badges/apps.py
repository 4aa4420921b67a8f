from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = _("Social value")

    def ready(self):
        """Plug social value into the registries of the apps below it."""
        from badges import (
            audiences,
            awarding,
            expertise,
            notices,
            qualities,
            reputation,
            streams,  # noqa: F401  (badge.awarded and level.changed on the me stream)
            verbs,
        )
        from badges import facets as badge_facets
        from badges import slots as badge_slots
        from community import activity, facets, slots, unread
        from community.apitools import register_router

        activity.declare(*verbs.VERBS)
        reputation.connect()
        expertise.register()  # community.expertise: experts by level and community badge
        audiences.register()  # community.audiences: badge holders and levels
        awarding.connect()
        qualities.connect()
        for facet in badge_facets.FACETS:
            facets.register(facet)
        for place, render in badge_slots.SLOTS:
            slots.register(place, render)
        unread.register("achievements", notices.unread_count)
        for part in ("badges", "standing", "endorsements"):
            register_router(f"badges.api.{part}.router")
