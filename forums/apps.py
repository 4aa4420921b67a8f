from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = _("Forums")

    def ready(self):
        from community import activity, unread
        from forums import notifications, queries, receivers, streams, verbs  # noqa: F401

        activity.declare(*verbs.VERBS)
        receivers.connect()

        unread.register("threads", queries.unread_thread_count)
        unread.register("notifications", notifications.unread_count)

        from community import cues

        cues.register(queries.community_activity)

        from django.db.models.signals import post_migrate

        from forums import search

        # On SQLite, a migration that rebuilds forums_post or forums_thread drops the
        # search triggers silently: put them back after every migrate.
        post_migrate.connect(search.on_post_migrate, sender=self, dispatch_uid="forums.search")

        from community.apitools import register_router

        # Mounted under /api/v1/ by the site, imported only then.
        register_router("forums.api.router")
        register_router("forums.api_search.router")
