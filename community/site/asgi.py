"""ASGI entry point: HTTP through Django, WebSockets at /ws/ through Channels.

Served by daphne: ``daphne community.site.asgi:application``.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.site.settings")
# Build Django's app first: it sets Django up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from community.site.runtime import tune_garbage_collector  # noqa: E402
from realtime import transport  # noqa: E402
from realtime.auth import SessionAuthMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

if settings.REALTIME_DIRECT_WRITE:
    transport.install()  # before daphne listens: it imports this module first
transport.defer_autobahn_formatting()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            SessionAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)


# Last, once everything above and the URLconf are loaded.
get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
tune_garbage_collector()
