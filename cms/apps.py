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
        from community.kpis import registry

        activity.declare(*verbs.VERBS)
        # The KPIs' reach per page names pages by their title.
        registry.register_labels("contentpage", page_titles)
        for part in (surfaces, offers, events, conversation, reach):
            part.setup()


def page_titles(ids):
    """``{page id: title}`` of content pages (one query), for the KPIs' reach per page."""
    from cms.models import ContentPage

    return dict(ContentPage.objects.filter(pk__in=list(ids)).values_list("pk", "title"))
