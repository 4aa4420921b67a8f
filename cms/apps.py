from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Exclusive content")

    def ready(self):
        """Plug exclusive content into the registries of the apps below it.

        Each part sets itself up (``setup.setup()``): its API router, receivers,
        clock jobs, page slots; the verbs and stream events are declared here first.
        """
        from cms import streams, verbs  # noqa: F401  (streams: the me stream's events)
        from cms.conversation import setup as conversation
        from cms.events import setup as events
        from cms.offers import setup as offers
        from cms.reach import setup as reach
        from cms.surfaces import setup as surfaces
        from community import activity

        activity.declare(*verbs.VERBS)
        for part in (surfaces, offers, events, conversation, reach):
            part.setup()
