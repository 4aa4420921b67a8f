"""The KPIs' write path: goals set and removed, exports asked for from the dashboard.

Each function asks ``community.permissions`` first (managers for their communities,
staff for the site), writes inside one transaction and records its ledger entry
(``goal.set``, ``goal.removed``); an export's ``kpis.exported`` entry is recorded by
the background task once the file is written (``community.kpis.jobs``).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community import activity, permissions
from community.kpis.definitions import GOALS, GRANULARITIES
from community.models import ExportJob, Goal


def _check_goal_owner(actor, community):
    if community is None:
        permissions.check_view_site_kpis(actor)
    else:
        permissions.check_view_kpis(actor, community)


def _validate_goal(kpi, granularity, target, starts_on, ends_on):
    errors = {}
    if kpi not in GOALS:
        errors["kpi"] = [_("Choose one of the KPIs listed.")]
    if granularity not in GRANULARITIES:
        errors["granularity"] = [_("Choose a day, a week or a month.")]
    if target is None or target < 0:
        errors["target"] = [_("The target cannot be negative.")]
    elif kpi in GOALS and GOALS[kpi][1] == "share" and target > 1:
        errors["target"] = [_("A share lies between 0 and 1 (100 %).")]
    if starts_on is None:
        errors["starts_on"] = [_("Say from when the goal applies.")]
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The goal cannot end before it starts.")]
    if errors:
        raise ValidationError(errors)


def set_goal(actor, community, kpi, granularity, target, starts_on, ends_on=None):
    """Set (or change) the goal for ``kpi`` per ``granularity`` of ``community`` (None: the
    site); return it. ``target`` is in the KPI's unit: a share between 0 and 1, seconds
    for response times. One goal per KPI, granularity and community: setting it again
    changes it (the entry keeps the old target in ``before``).
    """
    _check_goal_owner(actor, community)
    target = float(target) if target is not None else None
    _validate_goal(kpi, granularity, target, starts_on, ends_on)
    with transaction.atomic():
        goal = (
            Goal.objects.select_for_update()
            .filter(community=community, kpi=kpi, granularity=granularity)
            .first()
        )
        before = goal.target if goal is not None else None
        if goal is None:
            goal = Goal(community=community, kpi=kpi, granularity=granularity, created_by=actor)
        goal.target, goal.starts_on, goal.ends_on = target, starts_on, ends_on
        goal.save()
        activity.record(
            "goal.set",
            actor=actor,
            community=community,
            obj=goal,
            kpi=kpi,
            granularity=granularity,
            before=before,
            after=target,
        )
    return goal


def remove_goal(actor, goal):
    """Remove ``goal``; the ledger keeps what its target was."""
    _check_goal_owner(actor, goal.community)
    with transaction.atomic():
        deleted, _rows = Goal.objects.filter(pk=goal.pk).delete()
        if deleted:
            activity.record(
                "goal.removed",
                actor=actor,
                community=goal.community,
                kpi=goal.kpi,
                granularity=goal.granularity,
                before=goal.target,
            )
    return bool(deleted)


def start_export(actor, scope, period, *, fmt, kind, pseudonymise=False):
    """Queue an export of ``scope`` over ``period``; return its job.

    The file is written by a background task once this transaction commits (at once,
    in the request, on the embedded default's "immediate" backend).
    """
    from community.kpis import jobs  # the task module imports the report, built lazily

    permissions.check_view_kpi_scope(actor, scope)
    if fmt not in ExportJob.Format.values:
        raise ValidationError({"format": [_("Choose CSV, XLSX or JSON.")]})
    if kind not in ExportJob.Kind.values:
        raise ValidationError({"kind": [_("Choose the KPI report or the member export.")]})
    with transaction.atomic():
        job = ExportJob.objects.create(
            requester=actor,
            kind=kind,
            format=fmt,
            start=period.start,
            end=period.end,
            granularity=period.granularity,
            site=scope.site,
            communities=[] if scope.site else scope.ids,
            pseudonymise=bool(pseudonymise) and kind == ExportJob.Kind.MEMBERS,
        )
        transaction.on_commit(lambda: jobs.run_export.enqueue(str(job.pk)))
    return job
