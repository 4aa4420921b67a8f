"""Customer care plugs into the registries (called by ModerationConfig.ready)."""

from django.core.signals import request_started
from django.utils.translation import gettext_lazy as _


def ready():
    from community import activity, slots
    from community.apitools import register_router
    from community.kpis import jobs as kpi_jobs
    from community.kpis import registry
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
    registry.register_response_targets(kpi_targets)
    receivers.connect()
    clock.register(jobs.deadlines)
    # The KPI exports' files are deleted a day later (community.kpis.jobs).
    clock.register(kpi_jobs.purge_expired)
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


def kpi_targets(community_ids):
    """The KPIs' first-response targets (``community.kpis.registry``), in one query.

    As ``policy.policy_for``: a community's own policy if it measures first responses, the
    defaults for a support community without one. A community with no policy, or a
    disabled one, is left out and has the KPIs' default target (15 minutes, wall clock).
    """
    from community.kpis.registry import ResponseTarget
    from community.models import Community
    from forums.moderation.care import timer
    from forums.moderation.care.policy import policy_for

    communities = Community.objects.filter(pk__in=list(community_ids)).select_related(
        "response_policy"
    )
    targets = {}
    for community in communities:
        policy = policy_for(community)  # no query: the policy came with the community
        if policy is not None:
            targets[community.pk] = _target(ResponseTarget, timer, policy)
    return targets


def _target(target_class, timer, policy):
    hours, tz_name = policy.business_hours, policy.time_zone
    return target_class(
        minutes=policy.target_minutes,
        open_seconds=lambda start, end: timer.open_seconds(start, end, hours, tz_name),
        always_open=not timer.parse_hours(hours),
    )
