"""``manage.py export_kpis``: files, manifests, the summary line and the ledger entry."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from community.models import Activity
from tests.community.kpis.test_exports import crm_world, week  # noqa: F401  (fixture)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("export_kpis", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def dates():
    return ["--start", week()["start"], "--end", week()["end"]]


@pytest.mark.django_db
def test_a_site_wide_csv_with_its_manifest_beside_it(crm_world, tmp_path):  # noqa: F811
    target = tmp_path / "kpis.csv"
    out, err = run("--format", "csv", *dates(), "--output", str(target))
    data = target.read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    manifest = json.loads((tmp_path / "kpis.csv.manifest.json").read_text())
    assert manifest["rows"] == len(rows) > 0
    assert manifest["site"] is True and manifest["communities"] == ["club", "support"]
    assert manifest["definitions_version"] == "1" and manifest["kind"] == "report"
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"Exported {len(rows)} report rows (csv) for the site" in err
    entry = Activity.objects.get(verb="kpis.exported")
    assert entry.actor is None and entry.community is None
    assert entry.data["via"] == "command" and entry.data["rows"] == len(rows)


@pytest.mark.django_db
def test_an_xlsx_of_one_community(crm_world, tmp_path):  # noqa: F811
    target = tmp_path / "support.xlsx"
    run("--format", "xlsx", "--community", "support", "--granularity", "week", *dates(),
        "--output", str(target))  # fmt: skip
    book = load_workbook(target)
    assert book.sheetnames == ["Data", "Manifest"]
    header, *rows = list(book["Data"].iter_rows(values_only=True))
    assert {r[header.index("community")] for r in rows} == {"support"}
    assert {r[header.index("granularity")] for r in rows} >= {"range", "week"}
    manifest = dict(book["Manifest"].iter_rows(values_only=True))
    assert manifest["rows"] == len(rows)
    assert not (tmp_path / "support.xlsx.manifest.json").exists()
    assert Activity.objects.get(verb="kpis.exported").community == crm_world["support"]


@pytest.mark.django_db
def test_pseudonymised_member_rows_of_two_communities_to_stdout(crm_world):  # noqa: F811
    w = crm_world
    out, err = run(
        "--format", "json", "--kind", "members", "--pseudonymise",
        "--community", "support", "club", *dates(),
    )  # fmt: skip
    parsed = json.loads(out)
    assert parsed["manifest"]["rows"] == len(parsed["rows"]) == 3
    assert parsed["manifest"]["pseudonymised"] is True
    assert {r["community"] for r in parsed["rows"]} == {"support", "club"}
    for user in (w["alice"], w["bob"], w["carol"]):
        assert user.username not in out and user.email not in out
    assert "to standard output" in err
    entry = Activity.objects.get(verb="kpis.exported")
    assert entry.data["kind"] == "members" and entry.data["pseudonymised"] is True
    assert entry.community is None  # two communities


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--community", "nowhere"], "No community with the slug: nowhere"),
        (["--start", "2025-02-30"], "start must be a date"),
        (["--start", "2025-03-01", "--end", "2025-02-01"], "start date comes after"),
        (["--pseudonymise"], "--kind members only"),
        (["--format", "xlsx"], "give --output FILE"),
        (["--output", "/nonexistent/dir/file.csv"], "Cannot write"),
    ],
)
def test_bad_input_is_a_clear_error(crm_world, args, message):  # noqa: F811
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Activity.objects.filter(verb="kpis.exported").exists()
