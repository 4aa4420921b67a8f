"""The brand as Django's Sites framework and allauth know it: BRAND_NAME at SITE_URL.

Two layers, because the Site row is stored while BRAND_NAME and SITE_URL come from
the environment and may change at any restart:

- mails do not trust the row at all: ``AccountAdapter.send_mail`` hands allauth's
  templates ``brand_site()``, built from settings on every mail, so "Hello from …"
  names the brand even on a database whose row was never updated (a data migration
  would be right only for the environment it ran in);
- the row itself is brought in line after every ``migrate`` (which ``scripts/demo``
  and deployments run on start), for whatever else reads it (the admin's "view
  site", third-party apps).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site


def brand_domain():
    return urlsplit(settings.SITE_URL).netloc or settings.SITE_URL


def brand_site():
    """An unsaved Site named after the brand (what allauth's mail templates read)."""
    return Site(id=settings.SITE_ID, domain=brand_domain(), name=settings.BRAND_NAME)


def sync_site(using="default", apps=None, **kwargs):
    """post_migrate receiver: make the SITE_ID row say BRAND_NAME and SITE_URL's host."""
    if apps is not None:
        try:  # a partial migrate may stop before the sites app's table exists
            apps.get_model("sites", "Site")
        except LookupError:
            return
    wanted = {"domain": brand_domain(), "name": settings.BRAND_NAME}
    site = Site.objects.using(using).filter(pk=settings.SITE_ID).first()
    if site is None:
        Site.objects.using(using).create(pk=settings.SITE_ID, **wanted)
    elif (site.domain, site.name) != (wanted["domain"], wanted["name"]):
        site.domain, site.name = wanted["domain"], wanted["name"]
        site.save(using=using)  # also clears Site.objects' per-process cache
