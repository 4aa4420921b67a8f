"""ASGI entry point: HTTP through Django, WebSockets at /ws/ through Channels.

Served by daphne: ``daphne community.asgi:application``.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
# Build Django's app first: it sets Django up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from realtime import transport  # noqa: E402
from realtime.auth import SessionAuthMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

if settings.REALTIME_DIRECT_WRITE:
    transport.install()  # before daphne listens: it imports this module first

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            SessionAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)

# The collector, tuned for a long-lived server process (bench/README.md, real-time
# benches, "After the hub"): what exists once the site is loaded (Django, Wagtail, URLs,
# templates) lives as long as the process, so it leaves the collector's
# generations; and the youngest generation is collected every 50,000 new objects
# rather than 700. With 2,000 sockets open, full collections otherwise stopped the
# process for 230-280 ms, a few times a minute while events flowed.
gc.freeze()
gc.set_threshold(50_000, 20, 100)
