from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """Installed for the commands that compose every app (``seed_demo``).

    Labelled ``site_root``: ``sites`` is Django's own sites framework.
    """

    name = "community.site"
    label = "site_root"
    verbose_name = _("Site")
