from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = _("Forums")

    def ready(self):
        """Plug the forums into the registries of the apps below them."""
        from django.db.models.signals import post_migrate

        from community import activity, cues, unread
        from community.apitools import register_router
        from forums import cues as forum_cues
        from forums import (
            notifications,
            queries,
            receivers,
            search,
            streams,  # noqa: F401  (thread streams and the forums' event types)
            verbs,
        )

        activity.declare(*verbs.VERBS)
        receivers.connect()
        unread.register("threads", queries.unread_thread_count)
        unread.register("notifications", notifications.unread_count)
        cues.register(forum_cues.community_activity)
        # Mounted under /api/v1/ by the site, imported only then.
        register_router("forums.api.router")
        register_router("forums.api_search.router")
        register_router("forums.api_moderation.router")
        # On SQLite, a migration that rebuilds forums_post or forums_thread drops the
        # search triggers silently: put them back after every migrate.
        post_migrate.connect(search.on_post_migrate, sender=self, dispatch_uid="forums.search")
