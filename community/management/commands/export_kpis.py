"""``manage.py export_kpis``: the KPIs, or the member-level CRM rows, as a file.

Run with the site operator's authority: every community may be exported, the whole
site when none is named. The export is a ``kpis.exported`` ledger entry (via
"command", no actor). A CSV's manifest is written beside it, to ``FILE.manifest.json``.
"""

import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from community.kpis import exports, formats, report
from community.kpis import period as periods
from community.kpis import scope as scopes
from community.kpis.definitions import GRANULARITIES
from community.models import Community


class Command(BaseCommand):
    help = (
        "Export the engagement KPIs (or, with --kind members, the member-level rows for the "
        "brand's CRM) as CSV, XLSX or JSON, with a manifest. Site-wide without --community."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", dest="fmt", choices=formats.FORMATS, default="csv")
        parser.add_argument("--start", help="First day, YYYY-MM-DD (default: 30 days ago).")
        parser.add_argument("--end", help="Last day, YYYY-MM-DD (default: today).")
        parser.add_argument("--granularity", choices=GRANULARITIES, default="day")
        parser.add_argument(
            "--community",
            nargs="+",
            default=[],
            metavar="SLUG",
            help="One or more communities, reported together (default: the whole site).",
        )
        parser.add_argument("--kind", choices=exports.KINDS, default="report")
        parser.add_argument(
            "--pseudonymise",
            action="store_true",
            help="Member rows: a stable pseudonym per community instead of username and email.",
        )
        parser.add_argument(
            "--output", default="-", metavar="FILE", help="Where to write it; - for stdout."
        )

    def handle(self, *args, fmt, start, end, granularity, community, kind, **options):
        output, pseudonymise = options["output"], options["pseudonymise"]
        if pseudonymise and kind != "members":
            raise CommandError("--pseudonymise applies to --kind members only.")
        if output == "-" and fmt == "xlsx" and not self._binary_stdout():
            raise CommandError("An XLSX file cannot go to this output: give --output FILE.")
        try:
            period = periods.parse(start, end, granularity)
        except periods.BadRange as exc:
            raise CommandError(str(exc)) from None
        scope = self._scope(community)

        generated_at = timezone.now()
        if kind == "members":
            header, rows = exports.member_rows(scope, period, pseudonymise=pseudonymise)
            total = None
        else:
            built = report.build(scope, period, goals=True, communities=scope.site)
            header, rows = exports.report_table(built)
            generated_at, total = built["generated_at"], len(rows)
        manifest = exports.manifest(
            kind,
            scope,
            period,
            rows=total,
            generated_at=generated_at,
            pseudonymised=pseudonymise,
        )
        count = self._write(fmt, manifest, header, rows, output)
        manifest["rows"] = count
        sidecar = None
        if fmt == "csv" and output != "-":
            sidecar = Path(f"{output}.manifest.json")
            sidecar.write_text(formats.manifest_json(manifest), encoding="utf-8")
        exports.record(None, kind, fmt, scope, period, count, "command", pseudonymised=pseudonymise)
        where = "standard output" if output == "-" else output
        beside = f" (manifest: {sidecar})" if sidecar else ""
        self.stderr.write(
            f"Exported {count} {kind} rows ({fmt}) for "
            f"{'the site' if scope.site else ', '.join(scope.slugs)}, "
            f"{period.start} to {period.end}, to {where}{beside}."
        )

    def _scope(self, slugs):
        if not slugs:
            return scopes.site()
        found = {c.slug: c for c in Community.objects.filter(slug__in=slugs)}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise CommandError(f"No community with the slug: {', '.join(missing)}.")
        return scopes.of(list(found.values()))

    def _binary_stdout(self):
        return hasattr(self.stdout._out, "buffer")

    def _write(self, fmt, manifest, header, rows, output):
        if output != "-":
            try:
                with open(output, "wb") as out:
                    return formats.write(fmt, manifest, header, rows, out)
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        if self._binary_stdout():
            out = self.stdout._out.buffer
            count = formats.write(fmt, manifest, header, rows, out)
            out.flush()
            return count
        # A text stream (call_command(stdout=StringIO())): CSV and JSON are text.
        out = io.BytesIO()
        count = formats.write(fmt, manifest, header, rows, out)
        self.stdout.write(out.getvalue().decode("utf-8"), ending="")
        return count
