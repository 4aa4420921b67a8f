from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = _("Forums")

    def ready(self):
        from community import unread
        from forums import notifications, queries, streams  # noqa: F401  (thread stream)

        unread.register("threads", queries.unread_thread_count)
        unread.register("notifications", notifications.unread_count)
