"""The KPI endpoints of the API (``/api/v1/``), mounted by the site.

- ``GET /communities/{slug}/kpis``: one community's report, for its managers and staff
  (a community the caller may not see is a 404, as a missing one; a member or a
  moderator gets a 403);
- ``GET /kpis``: the site-wide report with the communities side by side (staff);
- ``GET /kpis/export``: the same as a file (CSV, XLSX or JSON), or the member-level
  engagement rows for the brand's CRM (``kind=members``). Each export is a
  ``kpis.exported`` ledger entry.

A CSV cannot carry its manifest: it comes in the ``X-KPI-Manifest`` response header
(compact JSON, ASCII only), sent with every format for uniformity. The member rows
are streamed (CSV, JSON); their manifest's row count is counted first, in one query.
"""

import tempfile
from typing import Literal

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from community import permissions, queries
from community.apitools import Extensible, Slug, error
from community.errors import Forbidden
from community.kpis import exports, formats, report
from community.kpis import period as periods
from community.kpis import scope as scopes
from community.kpis.definitions import GRANULARITIES

router = Router(tags=["kpis"])

ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
STAFF_ONLY = {
    403: {"description": "Not site staff (`code`: forbidden).", "content": ERROR_CONTENT},
}
DateParam = Query(None, max_length=32, description="First day, YYYY-MM-DD (default: 30 days ago).")
EndParam = Query(None, max_length=32, description="Last day, YYYY-MM-DD (default: today).")
GranularityParam = Query(
    None,
    max_length=16,
    description=f"One of {', '.join(GRANULARITIES)} (default: day). Anything else is a 400.",
)


# --- Schemas: the keys integrations rely on; every other key of the report passes through.


class RangeOut(Extensible):
    start: str
    end: str
    granularity: str
    time_zone: str


class MembersOut(Extensible):
    total: int
    new: int
    left: int
    active: int


class InteractionsOut(Extensible):
    total: int
    by_kind: dict[str, int]


class QuestionsOut(Extensible):
    asked: int
    answered: int
    first_response_median_seconds: float | None
    first_response_p90_seconds: float | None
    answered_within_target_share: float | None
    solved_share: float | None
    waiting: int


class KpiReportOut(Extensible):
    """Engagement KPIs of a range against the goals (``docs/kpis.md`` defines each)."""

    definitions_version: str
    generated_at: str
    range: RangeOut
    scope: dict
    members: MembersOut
    interactions: InteractionsOut
    interaction_rate: float | None
    people_talking_about_this: int
    questions: QuestionsOut
    goals: list[dict]
    series: list[dict]


class SiteKpiReportOut(KpiReportOut):
    communities: list[dict]


EXPORT_DOC = {
    "responses": {
        200: {
            "description": "The export as an attachment. CSV: UTF-8 with a BOM, its manifest "
            "in the `X-KPI-Manifest` header. XLSX: a Data and a Manifest sheet. JSON: "
            "`{columns, rows, manifest}`.",
            "headers": {
                "X-KPI-Manifest": {
                    "schema": {"type": "string"},
                    "description": "The manifest as compact JSON: definitions_version, "
                    "kind, range, communities, generated_at, rows.",
                },
            },
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                formats.CONTENT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "columns": {"type": "array", "items": {"type": "string"}},
                            "rows": {"type": "array", "items": {"type": "object"}},
                            "manifest": {"type": "object"},
                        },
                        "required": ["columns", "rows", "manifest"],
                    }
                },
            },
        },
        **STAFF_ONLY,
    }
}


# --- Endpoints ------------------------------------------------------------------------


@router.get("/communities/{slug}/kpis", response=KpiReportOut)
def community_kpis(
    request,
    slug: Slug,
    start: str | None = DateParam,
    end: str | None = EndParam,
    granularity: str | None = GranularityParam,
):
    """One community's engagement KPIs against its goals (its managers, site staff)."""
    community = queries.community_for(request.user, slug)
    permissions.check_view_kpis(request.user, community)
    try:
        period = periods.parse(start, end, granularity)
    except periods.BadRange as exc:
        return error(request, 400, str(exc), exc.code)
    return _build(scopes.of(community), period, communities=False)


@router.get("/kpis", response=SiteKpiReportOut, openapi_extra={"responses": STAFF_ONLY})
def site_kpis(
    request,
    start: str | None = DateParam,
    end: str | None = EndParam,
    granularity: str | None = GranularityParam,
):
    """The site-wide KPIs, with every community's headline side by side (site staff)."""
    permissions.check_view_site_kpis(request.user)
    try:
        period = periods.parse(start, end, granularity)
    except periods.BadRange as exc:
        return error(request, 400, str(exc), exc.code)
    return _build(scopes.site(), period, communities=True)


@router.get("/kpis/export", openapi_extra=EXPORT_DOC)
def export(
    request,
    fmt: Literal["csv", "xlsx", "json"] = Query("csv", alias="format"),
    start: str | None = DateParam,
    end: str | None = EndParam,
    granularity: str | None = GranularityParam,
    community: str | None = Query(
        None,
        max_length=50,
        pattern=r"^[-a-zA-Z0-9_]+$",
        description="A community you manage; site staff may leave it out for the whole site.",
    ),
    kind: Literal["report", "members"] = Query(
        "report",
        description="`report`: the KPIs as a long table; `members`: one row per consenting "
        "member and community (interactions, level, badges) for the brand's CRM.",
    ),
    pseudonymise: bool = Query(
        False, description="Member rows: a stable pseudonym instead of username and email."
    ),
):
    """The KPIs, or the member-level engagement rows, as a CSV, XLSX or JSON file."""
    user = request.user
    if community:
        found = queries.community_for(user, community)
        permissions.check_view_kpis(user, found)
        scope = scopes.of(found)
    elif permissions.can_view_site_kpis(user):
        scope = scopes.site()
    else:
        raise Forbidden(
            _("Only site staff can export the whole site: name a community you manage."),
            code="staff_only",
        )
    try:
        period = periods.parse(start, end, granularity)
    except periods.BadRange as exc:
        return error(request, 400, str(exc), exc.code)
    if kind == "members":
        return _member_export(request, scope, period, fmt, pseudonymise)
    built = _build(scope, period, communities=scope.site)
    header, rows = exports.report_table(built)
    manifest = exports.manifest(
        "report", scope, period, rows=len(rows), generated_at=built["generated_at"]
    )
    exports.record(user, "report", fmt, scope, period, len(rows), "api")
    if fmt == "xlsx":
        return _xlsx_response(
            manifest, header, rows, exports.filename("report", scope, period, fmt)
        )
    body = b"".join(formats.chunks(fmt, manifest, header, rows))
    response = HttpResponse(body, content_type=formats.CONTENT_TYPES[fmt])
    return _attachment(response, manifest, exports.filename("report", scope, period, fmt))


def _member_export(request, scope, period, fmt, pseudonymise):
    """The CRM rows: counted first (the manifest goes in a header), then streamed."""
    total = exports.member_count(scope, period)
    manifest = exports.manifest(
        "members",
        scope,
        period,
        rows=total,
        generated_at=timezone.now(),
        pseudonymised=pseudonymise,
    )
    header, rows = exports.member_rows(scope, period, pseudonymise=pseudonymise)
    exports.record(
        request.user, "members", fmt, scope, period, total, "api", pseudonymised=pseudonymise
    )
    name = exports.filename("members", scope, period, fmt)
    if fmt == "xlsx":
        return _xlsx_response(manifest, header, rows, name)
    response = StreamingHttpResponse(
        formats.chunks(fmt, manifest, header, rows), content_type=formats.CONTENT_TYPES[fmt]
    )
    return _attachment(response, manifest, name)


def _xlsx_response(manifest, header, rows, name):
    # A workbook is a zip: it is written whole (rows spill to disk), then sent.
    # Not a context manager: FileResponse closes the file once it is sent.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)  # noqa: SIM115
    manifest = {**manifest, "rows": formats.write("xlsx", manifest, header, rows, out)}
    out.seek(0)
    response = FileResponse(out, content_type=formats.CONTENT_TYPES["xlsx"])
    return _attachment(response, manifest, name)


def _attachment(response, manifest, name):
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-KPI-Manifest"] = formats.manifest_header(manifest)
    response["Cache-Control"] = "private, no-store"
    return response


def _build(scope, period, *, communities):
    return report.build(scope, period, goals=True, communities=communities)
