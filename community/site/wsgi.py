"""WSGI entry point, for serving the HTML pages with gunicorn if preferred."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from community.site.runtime import tune_garbage_collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.site.settings")
application = get_wsgi_application()

# As in community.site.asgi: load the URLconf, then take what lives as long as the
# process out of the collector's sight, so both servers are measured alike.
get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
tune_garbage_collector()
