"""The KPI dashboard's pages: figures against goals, goals, exports and their downloads.

Managers see the communities they manage (``permissions.filter_kpi_communities``),
staff every community and the site-wide figures. Asking for another community's
figures answers as the community itself would: 404 when hidden from the asker, 403
when they may see it but do not manage it. Changes go through ``kpis.actions``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from community import permissions
from community.errors import Forbidden
from community.forms import apply_errors
from community.kpis import actions, display, jobs
from community.kpis import period as periods
from community.kpis import scope as scopes
from community.kpis.definitions import GRANULARITY_LABELS
from community.kpis.forms import (
    PRESETS,
    ExportForm,
    GoalForm,
    RangeForm,
    preset_range,
    shown_target,
)
from community.models import Community, ExportJob, Goal

SITE = ""  # the scope choice meaning "site-wide" (staff) or "all my communities"


def _allowed(user, *, strict=True):
    """(communities whose figures ``user`` reads, ordered; whether they read the site's).

    ``strict``: 403 for whoever reads none. The dashboard checks a named community
    first, so that a hidden one answers 404 to an outsider, as everywhere.
    """
    site = permissions.can_view_site_kpis(user)
    communities = list(permissions.filter_kpi_communities(user).order_by("name", "pk"))
    if strict and not site and not communities:
        raise Forbidden(_("Only managers and site staff can see the figures."))
    return communities, site


def _scope_choices(communities, site):
    choices = [(c.slug, c.name) for c in communities]
    if site:
        return [(SITE, _("Whole site")), *choices]
    if len(communities) > 1:
        return [(SITE, _("All my communities")), *choices]
    return choices


def _resolve(user, slug, communities, site):
    """The scope ``slug`` names for ``user`` (404 hidden or missing, 403 not managed)."""
    if slug:
        for community in communities:
            if community.slug == slug:
                return scopes.of(community)
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise Http404(_("No community found."))
        permissions.check_view_kpis(user, community)  # raises: it is not among theirs
        return scopes.of(community)
    if site:
        return scopes.site()
    return scopes.of(communities)


def _default_granularity(start, end):
    if start is None or end is None:
        return "day"
    days = (end - start).days + 1
    return "day" if days <= 31 else "week" if days <= 184 else "month"


def _period(form):
    """The range asked for, or the last 30 days with the form's errors saying why not."""
    data = form.cleaned_data if form.is_valid() else {}
    start, end = data.get("start"), data.get("end")
    granularity = data.get("granularity") or _default_granularity(start, end)
    try:
        return periods.parse(start, end, granularity)
    except periods.BadRange as error:
        form.add_error(None, str(error))
        return periods.parse(None, None, "day")


@login_required
@require_GET
def dashboard(request):
    communities, site = _allowed(request.user, strict=False)
    slug = request.GET.get("community", "")
    scope = _resolve(request.user, slug, communities, site)
    if not slug and not site and not communities:
        raise Forbidden(_("Only managers and site staff can see the figures."))
    choices = _scope_choices(communities, site)
    form = RangeForm(request.GET or None, scopes=choices)
    period = _period(form) if request.GET else periods.parse(None, None, "day")
    if not request.GET:  # show the range the figures are for
        form = RangeForm(
            None,
            scopes=choices,
            initial={"start": period.start, "end": period.end, "granularity": "day"},
        )
    from community.kpis import report  # the engine's module, loaded when first asked

    data = report.build(scope, period, goals=True, communities=len(scope.communities) > 1)
    export_form = ExportForm(
        initial={
            "community": slug,
            "start": period.start,
            "end": period.end,
            "granularity": period.granularity,
        }
    )
    context = {
        "form": form,
        "scope": scope,
        "scope_name": _scope_name(scope, slug, site),
        "period": period,
        "granularity_label": GRANULARITY_LABELS[period.granularity],
        "report": data,
        "cards": display.headlines(data),
        "charts": display.charts(data),
        "goal_tables": display.goal_tables(data),
        "resolve_median": display.number(data["moderation"]["resolve_median_seconds"], "seconds"),
        "presets": _presets(slug),
        "export_form": export_form,
        "recent_exports": ExportJob.objects.filter(requester=request.user)[:5],
    }
    context["chart_data"] = [
        {k: chart[k] for k in ("id", "kind", "title", "unit", "labels", "datasets")}
        for chart in context["charts"]
    ]
    return render(request, "community/kpis/dashboard.html", context)


def _scope_name(scope, slug, site):
    if slug:
        return scope.communities[0].name
    return _("Whole site") if site else _("All my communities")


def _presets(slug):
    result = []
    for days in PRESETS:
        start, end = preset_range(days)
        query = {"start": start.isoformat(), "end": end.isoformat()}
        query["granularity"] = "week" if days > 31 else "day"
        if slug:
            query["community"] = slug
        label = _("Last %(days)d days") % {"days": days}
        result.append({"label": label, "url": f"{reverse('kpis:dashboard')}?{urlencode(query)}"})
    return result


# --- Goals -------------------------------------------------------------------------


def _goal_choices(communities, site):
    choices = [(c.slug, c.name) for c in communities]
    return [(SITE, _("Whole site")), *choices] if site else choices


def _visible_goals(communities, site):
    goals = Goal.objects.select_related("community").filter(
        community__in=[c.pk for c in communities]
    )
    if site:
        goals = goals | Goal.objects.filter(community__isnull=True)
    return goals.order_by("community__name", "kpi", "granularity")


@login_required
def goals(request):
    communities, site = _allowed(request.user)
    choices = _goal_choices(communities, site)
    initial = {}
    editing = request.GET.get("edit")
    if editing and editing.isdigit():
        goal = _visible_goals(communities, site).filter(pk=int(editing)).first()
        if goal is not None:
            initial = {
                "community": goal.community.slug if goal.community else SITE,
                "kpi": goal.kpi,
                "granularity": goal.granularity,
                "target": shown_target(goal.kpi, goal.target),
                "starts_on": goal.starts_on,
                "ends_on": goal.ends_on,
            }
    form = GoalForm(request.POST or None, scopes=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        community = next((c for c in communities if c.slug == data["community"]), None)
        try:
            actions.set_goal(
                request.user,
                community,
                data["kpi"],
                data["granularity"],
                data["value"],
                data["starts_on"],
                data["ends_on"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The goal was saved."))
            return redirect("kpis:goals")
    rows = []
    for goal in _visible_goals(communities, site):
        unit = display.goal_units()[goal.kpi]
        rows.append({"goal": goal, "target": display.number(goal.target, unit)})
    return render(
        request,
        "community/kpis/goals.html",
        {"form": form, "rows": rows, "editing": bool(initial)},
    )


@login_required
@require_POST
def goal_remove(request, goal_id):
    communities, site = _allowed(request.user)
    goal = _visible_goals(communities, site).filter(pk=goal_id).first()
    if goal is None:
        raise Http404(_("No goal found."))
    actions.remove_goal(request.user, goal)
    messages.success(request, _("The goal was removed."))
    return redirect("kpis:goals")


# --- Exports -----------------------------------------------------------------------


@login_required
@require_POST
def export_start(request):
    communities, site = _allowed(request.user)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The export could not start: choose a format and a range."))
        return redirect("kpis:dashboard")
    data = form.cleaned_data
    scope = _resolve(request.user, data["community"], communities, site)
    try:
        period = periods.parse(data["start"], data["end"], data["granularity"])
        job = actions.start_export(
            request.user,
            scope,
            period,
            fmt=data["format"],
            kind=data["kind"],
            pseudonymise=data["pseudonymise"],
        )
    except (periods.BadRange, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("kpis:dashboard")
    return redirect("kpis:export", job_id=job.pk)


def _own_job(request, job_id):
    """The requester's job, while they still may read its figures; else 404."""
    job = get_object_or_404(ExportJob, pk=job_id, requester=request.user)
    if not jobs.may_see(job, request.user):
        raise Http404(_("No export found."))
    return job


def _download_url(job):
    if job.state != ExportJob.State.DONE:
        return None
    return reverse("kpis:download", args=[jobs.download_token(job)])


@login_required
@require_GET
def export_page(request, job_id):
    job = _own_job(request, job_id)
    return render(
        request,
        "community/kpis/export.html",
        {
            "job": job,
            "download_url": _download_url(job),
            "filename": jobs.filename(job),
            "max_age_minutes": jobs.LINK_MAX_AGE // 60,
        },
    )


@login_required
@require_GET
def export_status(request, job_id):
    job = _own_job(request, job_id)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "status_text": _status_text(job),
            "progress": job.progress,
            "rows": job.rows,
            "error": _(job.error) if job.error else "",
            "download_url": _download_url(job),
        }
    )


def _status_text(job):
    if not job.rows:
        return str(job.get_state_display())
    rows = ngettext("%(rows)d row", "%(rows)d rows", job.rows) % {"rows": job.rows}
    return f"{job.get_state_display()} · {rows}"


@login_required
@require_GET
def download(request, token):
    try:
        job = jobs.job_for_token(token, request.user)
    except jobs.LinkExpired as expired:
        page = reverse("kpis:export", args=[expired.job_id])
        return render(request, "community/kpis/link_expired.html", {"page": page}, status=410)
    if job is None:
        raise Http404(_("No export found."))
    if request.GET.get("part") == "manifest":
        name = f"{jobs.filename(job)}.manifest.json"
        response = JsonResponse(job.manifest, json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        content = job.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("No export found.")) from None
    response = FileResponse(content, as_attachment=True, filename=jobs.filename(job))
    response["Cache-Control"] = "private, no-store"
    return response
