from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Communities")

    def ready(self):
        from django.db.models.signals import post_migrate

        from community import activity, receivers, sites, streams, verbs  # noqa: F401  (connect receivers, streams)
        from community.apitools import register_router

        activity.declare(*verbs.VERBS)
        # Mounted under /api/v1/ by the site, imported only then.
        register_router("community.api.router")
        register_router("community.api_tokens.router")
        register_router("community.kpis.api.router")
        # The KPI dashboard's menu item, read again when a role changes.
        from community import slots
        from community.kpis import slots as kpi_slots

        slots.register("main_nav", kpi_slots.main_nav)
        activity.connect(
            (
                "membership.role_changed",
                "membership.left",
                "membership.removed",
                "membership.banned",
            ),
            kpi_slots.forget,
        )
        # Sent for each app in INSTALLED_APPS order: for community, after the sites app
        # has created its "example.com" row.
        post_migrate.connect(sites.sync_site, sender=self, dispatch_uid="community.sync_site")
