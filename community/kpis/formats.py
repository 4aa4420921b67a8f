"""The export file formats: CSV, XLSX and JSON, written from a header and rows.

Rows are sequences in the header's order whose cells are numbers, text, booleans,
dates or None. Each format keeps numbers as numbers (a brand analyst pivots them):

- **CSV**: UTF-8 with a byte order mark (Excel then reads it as UTF-8). A text cell
  starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  apostrophe (OWASP "CSV injection"), so a spreadsheet shows it as text and runs
  nothing; numbers, negative ones included, are written as numbers. The manifest
  cannot travel inside a CSV: it goes beside it (the API's ``X-KPI-Manifest`` header,
  the command's ``FILE.manifest.json``).
- **XLSX**: openpyxl in write-only mode (rows go to disk as they come), a "Data" sheet
  then a "Manifest" sheet. Text cells are typed as text, so a leading ``=`` is shown,
  never evaluated: no apostrophe needed there.
- **JSON**: ``{"columns": [...], "rows": [{column: value}, ...], "manifest": {...}}``,
  written row by row, the manifest last with the exact row count.

CSV and JSON come out as byte chunks (``chunks``), so that the API can stream them;
``write`` puts any format into a binary file.
"""

import csv
import io
import json
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from community.spreadsheets import neutralise

FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
BOM = "\ufeff"
PROGRESS_EVERY = 1000  # rows between two progress calls
CHUNK_ROWS = 500  # rows per streamed chunk


def manifest_header(manifest):
    """The manifest as one HTTP header value: compact JSON, ASCII only (non-ASCII escaped)."""
    return json.dumps(manifest, cls=DjangoJSONEncoder, ensure_ascii=True, separators=(",", ":"))


def manifest_json(manifest):
    return json.dumps(manifest, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"


def chunks(fmt, manifest, header, rows, progress=None, counter=None):
    """The CSV or JSON file as UTF-8 byte chunks, rows read one at a time.

    ``counter`` (a one-item list) receives the number of rows written so far.
    """
    counter = counter if counter is not None else [0]
    if fmt == "csv":
        yield from _csv_chunks(header, rows, progress, counter)
    elif fmt == "json":
        yield from _json_chunks(manifest, header, rows, progress, counter)
    else:
        raise ValueError(f"{fmt!r} cannot be streamed: only csv and json can.")


def write(fmt, manifest, header, rows, out, progress=None):
    """Write the export of ``rows`` in ``fmt`` into ``out`` (a binary file); return the
    number of rows written. ``progress(rows_so_far)`` is called every PROGRESS_EVERY rows.

    For XLSX the "Manifest" sheet comes after the data, with the exact row count.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}.")
    if fmt == "xlsx":
        return _write_xlsx(manifest, header, rows, out, progress)
    counter = [0]
    for chunk in chunks(fmt, manifest, header, rows, progress, counter):
        out.write(chunk)
    return counter[0]


def _batches(rows, progress, counter):
    """Rows in lists of CHUNK_ROWS, counting them and reporting progress on the way."""
    batch = []
    for row in rows:
        batch.append(row)
        counter[0] += 1
        if progress is not None and counter[0] % PROGRESS_EVERY == 0:
            progress(counter[0])
        if len(batch) >= CHUNK_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_chunks(header, rows, progress, counter):
    buffer = io.StringIO()
    # QUOTE_MINIMAL: numbers unquoted, so that a spreadsheet reads them as numbers.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    yield (BOM + _pop(buffer)).encode()
    for batch in _batches(rows, progress, counter):
        writer.writerows([neutralise(cell) for cell in row] for row in batch)
        yield _pop(buffer).encode()


def _json_chunks(manifest, header, rows, progress, counter):
    # The manifest comes last, so that its row count is the count written, even when
    # the rows are streamed (JSON readers do not care about the order of keys).
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    columns = list(header)
    yield ('{"columns": ' + encoder.encode(columns) + ', "rows": [').encode()
    first = True
    for batch in _batches(rows, progress, counter):
        parts = [encoder.encode(dict(zip(columns, row, strict=True))) for row in batch]
        yield (("\n" if first else ",\n") + ",\n".join(parts)).encode()
        first = False
    yield ('\n], "manifest": ' + encoder.encode({**manifest, "rows": counter[0]}) + "}\n").encode()


def _write_xlsx(manifest, header, rows, out, progress):
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet("Data")
    data.append([_xlsx_cell(data, name) for name in header])
    counter = [0]
    for batch in _batches(rows, progress, counter):
        for row in batch:
            data.append([_xlsx_cell(data, value) for value in row])
    sheet = workbook.create_sheet("Manifest")
    for key, value in {**manifest, "rows": counter[0]}.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
        sheet.append([_xlsx_cell(sheet, key), _xlsx_cell(sheet, value)])
    workbook.save(out)
    return counter[0]


def _xlsx_cell(sheet, value):
    """A write-only cell; text is typed as text (never a formula), dates as ISO text."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"
    return cell


def _pop(buffer):
    value = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return value
