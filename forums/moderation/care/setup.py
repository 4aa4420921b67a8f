"""Customer care plugs into the registries (called by ModerationConfig.ready)."""

from django.core.signals import request_started
from django.utils.translation import gettext_lazy as _


def ready():
    from community import activity, slots
    from community.apitools import register_router
    from forums.moderation import nav
    from forums.moderation.care import (
        clock,
        jobs,
        online,
        receivers,
        streams,  # noqa: F401  (registers the care streams)
        verbs,
        views,
    )
    from realtime import socket_hooks

    activity.declare(*verbs.VERBS)
    receivers.connect()
    clock.register(jobs.deadlines)
    register_router("forums.moderation.care.api.router")
    nav.register(nav.Tab("waiting", _("Waiting questions"), "care_waiting", order=20))
    nav.register(
        nav.Tab("response", _("Response target"), "care_response", order=80, managers_only=True)
    )
    slots.register("community_links", views.expert_toggle)
    # Who is online, in the shared cache: several daphne processes see each other's sockets.
    socket_hooks.on_connect(online.mark)
    socket_hooks.on_heartbeat(online.mark_many)
    socket_hooks.on_disconnect(online.unmark)
    # The embedded default keeps the clock in-process, started by the first request.
    request_started.connect(clock.start_in_process, dispatch_uid="moderation-clock")
