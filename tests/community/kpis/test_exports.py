"""The KPI exports: the long report table, the member-level CRM rows, the three formats
with their manifest, and the ledger entry of each export."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from badges import actions as badge_actions
from community import actions as community_actions
from community import activity
from community.kpis import exports, formats
from community.kpis import period as periods
from community.kpis import scope as scopes
from community.models import Activity, Profile
from forums import actions as forum_actions

BOM = "\ufeff".encode()


def consent(*users):
    # No action sets the consent yet (the profile form's view will): set it directly.
    Profile.objects.filter(user__in=users).update(share_with_crm=True)


@pytest.fixture
def crm_world(make_community, make_user, add_member, staff):
    """support and club; alice (consents, active in both), bob (does not consent),
    carol (consents, silent), the support manager."""
    support = make_community("support", kind="support")
    club = make_community("club", visibility="hidden", join_policy="invite")
    manager, alice, bob, carol = (make_user() for _ in range(4))
    add_member(support, manager, role="manager")
    for user in (alice, bob, carol):
        add_member(support, user)
    add_member(club, alice)
    consent(alice, carol)
    thread = forum_actions.create_thread(
        alice, support, kind="discussion", title="Chains", body="Which oil?"
    )
    reply = forum_actions.reply(bob, thread, body="Wax, not oil.")
    forum_actions.reply(alice, thread, body="Thanks!")
    forum_actions.react(alice, reply, kind="helpful")
    forum_actions.create_thread(alice, club, kind="discussion", title="Meet-up", body="Sunday?")
    badge = badge_actions.create_badge(
        manager, community=support, name="Helper", mode="manual", enabled=True
    )
    other = badge_actions.create_badge(
        manager, community=support, name="Regular", mode="manual", enabled=True
    )
    badge_actions.grant(manager, badge, alice, reason="Kind")
    badge_actions.grant(manager, other, alice, reason="Often here")
    badge_actions.revoke(manager, other, alice, reason="By mistake")
    activity.record(
        "level.changed", community=support, target_user=alice, before=1, after=3, points=40
    )
    return {
        "support": support,
        "club": club,
        "manager": manager,
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "staff": staff,
    }


def today_period(**kwargs):
    today = timezone.localdate()
    return periods.parse((today - timedelta(days=6)).isoformat(), today.isoformat(), **kwargs)


def as_dicts(header, rows):
    return [dict(zip(header, row, strict=True)) for row in rows]


# --- Formats --------------------------------------------------------------------------

HEADER = ["label", "value", "note"]
ROWS = [
    ["=1+1", -3, "@SUM(A1)"],
    ["-5", 2.5, "\tcmd"],
    ["plain", None, True],
    ["+33 6", 0, "\rline"],
]
MANIFEST = {"definitions_version": "1", "kind": "report", "rows": None}


def write(fmt, rows=ROWS, manifest=MANIFEST):
    out = io.BytesIO()
    count = formats.write(fmt, manifest, HEADER, rows, out)
    return count, out.getvalue()


def test_csv_has_a_bom_neutralises_formulas_and_keeps_numbers():
    count, data = write("csv")
    assert count == 4
    assert data.startswith(BOM)
    text = data.decode("utf-8-sig")
    assert text.splitlines()[1] == "'=1+1,-3,'@SUM(A1)"  # numbers unquoted, negative included
    read = list(csv.reader(io.StringIO(text)))
    assert read[0] == HEADER
    assert read[1] == ["'=1+1", "-3", "'@SUM(A1)"]
    assert read[2] == ["'-5", "2.5", "'\tcmd"]
    assert read[3] == ["plain", "", "true"]
    assert read[4] == ["'+33 6", "0", "'\rline"]


def test_xlsx_is_readable_with_a_data_and_a_manifest_sheet():
    count, data = write("xlsx")
    assert count == 4
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Data", "Manifest"]
    sheet = book["Data"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADER
    assert rows[1] == ["=1+1", -3, "@SUM(A1)"]
    assert sheet["A2"].data_type == "s"  # text, never a formula
    assert rows[2][1] == 2.5 and rows[3][1] is None and rows[3][2] is True
    manifest = dict(book["Manifest"].iter_rows(values_only=True))
    assert manifest["rows"] == 4 and manifest["definitions_version"] == "1"


def test_json_has_columns_rows_and_the_manifest_with_the_count():
    count, data = write("json")
    parsed = json.loads(data)
    assert count == 4
    assert parsed["columns"] == HEADER
    assert parsed["rows"][0] == {"label": "=1+1", "value": -3, "note": "@SUM(A1)"}
    assert parsed["manifest"] == {**MANIFEST, "rows": 4}


def test_an_empty_export_is_well_formed_in_every_format():
    assert json.loads(write("json", rows=[])[1])["rows"] == []
    assert write("csv", rows=[])[1].decode("utf-8-sig").strip() == "label,value,note"
    assert load_workbook(io.BytesIO(write("xlsx", rows=[])[1]))["Data"].max_row == 1


def test_progress_is_reported_while_writing():
    seen = []
    rows = ([i, i, "x"] for i in range(2500))
    formats.write("csv", MANIFEST, HEADER, rows, io.BytesIO(), progress=seen.append)
    assert seen == [1000, 2000]


def test_the_manifest_header_is_compact_ascii_json():
    value = formats.manifest_header({"communities": ["café"], "rows": 2})
    assert value == '{"communities":["caf\\u00e9"],"rows":2}'
    value.encode("ascii")


# --- The report as a long table ----------------------------------------------------------


def sample_report():
    """A report of the documented shape (community.kpis.report.build), made by hand."""
    return {
        "definitions_version": "1",
        "generated_at": "2025-03-01T10:00:00Z",
        "range": {
            "start": "2025-02-01",
            "end": "2025-02-14",
            "granularity": "week",
            "time_zone": "Europe/Paris",
        },
        "scope": {"site": False, "communities": ["support"]},
        "members": {"total": 40, "new": 5, "left": 1, "active": 12, "dau": 3, "stickiness": 0.2},
        "interactions": {"total": 30, "by_kind": {"threads": 4, "replies": 20, "reactions": 6}},
        "interaction_rate": 0.75,
        "people_talking_about_this": 9,
        "questions": {"asked": 4, "first_response_median_seconds": 330.0, "waiting": 1},
        "content": {"reach": [{"object_type": "contentpage", "id": 7, "label": "x", "viewers": 3}]},
        "social": {"members_per_level": {"1": 30, "2": 10}},
        "top_contributors": [{"username": "=evil", "display_name": "E", "interactions": 9}],
        "previous": {"interactions": 20, "members_total": 36},
        "goals": [
            {
                "kpi": "interaction_rate",
                "granularity": "week",
                "target": 0.5,
                "direction": "higher",
                "unit": "ratio",
                "periods": [
                    {"label": "2025-01-27", "start": "2025-02-01", "end": "2025-02-02"}
                    | {"value": 0.1, "met": False},
                    {"label": "2025-02-03", "start": "2025-02-03", "end": "2025-02-09"}
                    | {"value": 0.45, "met": False},
                ],
            },
            {
                "kpi": "solved_share",
                "granularity": "month",
                "target": 0.8,
                "direction": "higher",
                "unit": "share",
                "periods": [
                    {"label": "2025-02-01", "start": "2025-02-01", "end": "2025-02-14"}
                    | {"value": 0.9, "met": True},
                ],
            },
        ],
        "series": [
            {"period": "2025-02-03", "start": "2025-02-03", "end": "2025-02-09"}
            | {"interactions": 18, "interaction_rate": 0.45, "solved_share": None},
        ],
        "retention": [{"cohort": "2025-01", "joined": 4, "active_after_30_days": 3, "share": 0.75}],
    }


def rows_of(report):
    header, rows = exports.report_table(report)
    assert header == list(exports.REPORT_HEADER)
    return as_dicts(header, rows)


def find(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_the_report_table_is_long_with_numbers_units_and_goals():
    rows = rows_of(sample_report())
    assert all(r["definitions_version"] == "1" and r["scope"] == "support" for r in rows)
    total = find(rows, kpi="interactions", granularity="range", period_start="2025-02-01")
    assert total["value"] == 30 and total["unit"] == "count" and total["community"] == "support"
    assert find(rows, kpi="interaction_rate", granularity="range")["value"] == 0.75
    assert find(rows, kpi="interactions.by_kind.replies")["value"] == 20
    assert find(rows, kpi="members_total", period_start="2025-02-01")["unit"] == "members"
    assert find(rows, kpi="first_response_median_seconds")["unit"] == "seconds"
    assert find(rows, kpi="members.stickiness")["unit"] == "share"
    assert find(rows, kpi="social.members_per_level.2")["value"] == 10
    assert find(rows, kpi="content.reach.contentpage:7")["value"] == 3
    # The previous range: same length, just before.
    before = find(rows, kpi="members_total", period_start="2025-01-18")
    assert (before["period_end"], before["value"]) == ("2025-01-31", 36)
    # A series point, with its goal of the same granularity.
    week = find(rows, kpi="interaction_rate", granularity="week")
    assert (week["period_start"], week["value"], week["goal"], week["goal_met"]) == (
        "2025-02-03",
        0.45,
        0.5,
        False,
    )
    assert find(rows, kpi="solved_share", granularity="week")["goal"] is None
    # A goal of another granularity: its own rows.
    month = find(rows, kpi="solved_share", granularity="month")
    assert (month["goal"], month["goal_met"], month["value"]) == (0.8, True, 0.9)
    cohort = find(rows, kpi="retention.share")
    assert (cohort["period_start"], cohort["period_end"], cohort["value"]) == (
        "2025-01-01",
        "2025-01-31",
        0.75,
    )
    # Every value a number (or empty); nobody's name in a report table.
    assert all(r["value"] is None or isinstance(r["value"], (int, float)) for r in rows)
    assert not any("=evil" in str(r.values()) for r in rows)


def test_the_site_table_has_a_row_per_community_and_headline_figure():
    report = sample_report() | {
        "scope": {"site": True, "communities": ["club", "support"]},
        "communities": [
            {"slug": "club", "name": "Club", "interactions": 3, "interaction_rate": None},
            {"slug": "support", "name": "Support", "interactions": 27, "interaction_rate": 0.9},
        ],
    }
    rows = rows_of(report)
    assert {r["scope"] for r in rows} == {"site"}
    site = find(rows, community="", kpi="interactions", period_start="2025-02-01")
    assert site["value"] == 30
    club = find(rows, community="club", kpi="interactions")
    assert (club["value"], club["granularity"]) == (3, "range")
    assert find(rows, community="club", kpi="interaction_rate")["value"] is None
    assert find(rows, community="support", kpi="interaction_rate")["value"] == 0.9


# --- The member-level rows ------------------------------------------------------------------


@pytest.mark.django_db
def test_member_rows_count_interactions_level_badges_of_consenting_members(crm_world):
    w = crm_world
    scope = scopes.of([w["support"], w["club"]])
    header, rows = exports.member_rows(scope, today_period(), pseudonymise=False)
    assert header == [
        "member",
        "email",
        "community",
        "interactions",
        "threads",
        "replies",
        "reactions",
        "idea_votes",
        "poll_answers",
        "endorsements",
        "level",
        "badges",
        "joined_on",
    ]
    found = {(r["member"], r["community"]): r for r in as_dicts(header, list(rows))}
    alice = w["alice"].username
    assert set(found) == {(alice, "support"), (alice, "club"), (w["carol"].username, "support")}
    row = found[(alice, "support")]
    assert row["email"] == w["alice"].email
    assert (row["interactions"], row["threads"], row["replies"], row["reactions"]) == (3, 1, 1, 1)
    assert (row["level"], row["badges"]) == (3, 1)
    assert row["joined_on"] == timezone.localdate().isoformat()
    club = found[(alice, "club")]
    assert (club["interactions"], club["threads"], club["level"], club["badges"]) == (1, 1, None, 0)
    carol = found[(w["carol"].username, "support")]
    assert (carol["interactions"], carol["badges"]) == (0, 0)
    assert exports.member_count(scope, today_period()) == 3


@pytest.mark.django_db
def test_member_rows_leave_out_whoever_does_not_consent_or_joined_after(crm_world):
    w = crm_world
    Profile.objects.filter(user=w["alice"]).update(share_with_crm=False)  # changed their mind
    long_ago = periods.parse("2020-01-01", "2020-01-31")
    scope = scopes.of(w["support"])
    assert list(exports.member_rows(scope, long_ago, pseudonymise=False)[1]) == []
    _header, rows = exports.member_rows(scope, today_period(), pseudonymise=False)
    assert [r[0] for r in rows] == [w["carol"].username]


@pytest.mark.django_db
def test_pseudonymised_rows_carry_no_name_nor_email_and_differ_per_community(crm_world):
    w = crm_world
    scope = scopes.of([w["support"], w["club"]])
    header, rows = exports.member_rows(scope, today_period(), pseudonymise=True)
    rows = list(rows)
    assert "email" not in header
    out = io.BytesIO()
    formats.write("json", {}, header, rows, out)
    text = out.getvalue().decode()
    for user in (w["alice"], w["bob"], w["carol"]):
        assert user.username not in text and user.email not in text
    ids = {(r[1], r[0]) for r in rows}
    support_id = exports.pseudonym(w["support"].pk, w["alice"].pk)
    club_id = exports.pseudonym(w["club"].pk, w["alice"].pk)
    assert {("support", support_id), ("club", club_id)} <= ids
    assert support_id != club_id and len(support_id) == 32
    # Stable from one export to the next; keyed by the secret.
    assert exports.pseudonym(w["support"].pk, w["alice"].pk) == support_id
    assert exports.pseudonym(w["support"].pk, w["alice"].pk, key="other") != support_id
    assert settings.SECRET_KEY not in text


@pytest.mark.django_db
@pytest.mark.parametrize("members", [2, 20])
def test_member_rows_take_the_same_queries_for_2_or_20_members(
    members, make_community, make_user, add_member, django_assert_num_queries
):
    community = make_community("support")
    people = [make_user() for _ in range(members)]
    for user in people:
        add_member(community, user)
    consent(*people)
    thread = forum_actions.create_thread(
        people[0], community, kind="discussion", title="T", body="B"
    )
    for user in people:
        forum_actions.reply(user, thread, body="Me too")
    scope = scopes.of(community)
    with django_assert_num_queries(4):  # members, interactions, levels, badges
        header, rows = exports.member_rows(scope, today_period(), pseudonymise=True)
        rows = list(rows)
    assert len(rows) == members
    assert sorted(r[header.index("replies")] for r in rows) == [1] * members


# --- Manifest and ledger entry --------------------------------------------------------------


@pytest.mark.django_db
def test_the_manifest_says_what_the_file_covers(crm_world):
    scope = scopes.of(crm_world["support"])
    period = periods.parse("2025-02-01", "2025-02-28", "week")
    manifest = exports.manifest(
        "members", scope, period, rows=3, generated_at=timezone.now(), pseudonymised=True
    )
    assert manifest["definitions_version"] == "1"
    assert manifest["range"] == period.as_dict()
    assert manifest["communities"] == ["support"] and manifest["site"] is False
    assert manifest["rows"] == 3 and manifest["pseudonymised"] is True
    assert manifest["generated_at"].endswith("Z")
    assert exports.filename("members", scope, period, "csv") == (
        "members-support-2025-02-01-2025-02-28.csv"
    )


@pytest.mark.django_db
def test_each_export_is_a_ledger_entry(crm_world):
    scope = scopes.of(crm_world["support"])
    period = periods.parse("2025-02-01", "2025-02-28")
    entry = exports.record(
        crm_world["manager"], "members", "csv", scope, period, 2, "api", pseudonymised=True
    )
    entry = Activity.objects.get(pk=entry.pk)
    assert entry.verb == "kpis.exported"
    assert entry.actor == crm_world["manager"] and entry.community == crm_world["support"]
    assert entry.data == {
        "kind": "members",
        "format": "csv",
        "start": "2025-02-01",
        "end": "2025-02-28",
        "communities": ["support"],
        "rows": 2,
        "via": "api",
        "pseudonymised": True,
    }
    site = exports.record(None, "report", "json", scopes.site(), period, 9, "command")
    assert site.community is None and site.actor is None
    assert site.data["communities"] == ["club", "support"] and "pseudonymised" not in site.data


def test_dates_are_written_as_iso_text():
    out = io.BytesIO()
    formats.write("csv", {}, ["day"], [[date(2025, 2, 1)]], out)
    assert out.getvalue().decode("utf-8-sig").splitlines()[1] == "2025-02-01"


# --- Through the API: the same figures in every format; who may export what ----------------

API = "/api/v1"


def bearer(user):
    _token, key = community_actions.create_api_token(user, user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def week():
    today = timezone.localdate()
    return {"start": (today - timedelta(days=6)).isoformat(), "end": today.isoformat()}


def download(client, user, **params):
    response = client.get(f"{API}/kpis/export", {**week(), **params}, **bearer(user))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def headline(rows, kpi, community="support"):
    """The whole range's figure from a long table read back from any format."""
    start = week()["start"]
    (row,) = [
        r
        for r in rows
        if r["kpi"] == kpi
        and r["granularity"] == "range"
        and r["community"] == community
        and r["period_start"] == start
    ]
    return row["value"]


def read_back(fmt, body):
    """Rows as dicts, numbers as numbers, from a CSV, XLSX or JSON export."""
    if fmt == "json":
        return json.loads(body)["rows"]
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(body))["Data"]
        header, *rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip(header, row, strict=True)) for row in rows]
    header, *rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return [
        {
            k: float(v) if k in ("value", "goal") and v else (v or None)
            for k, v in zip(header, r, strict=True)
        }
        for r in rows
    ]


@pytest.mark.django_db
def test_the_same_figures_from_the_api_and_every_export_format(client, crm_world, settings):
    settings.API_RATE_LIMIT = "100000/m"
    w = crm_world
    question = forum_actions.create_thread(
        w["carol"], w["support"], kind="question", title="Brakes?", body="They squeak."
    )
    forum_actions.reply(w["manager"], question, body="Clean the pads.")
    response = client.get(f"{API}/communities/support/kpis", week(), **bearer(w["manager"]))
    report = response.json()
    expected = {
        "interactions": report["interactions"]["total"],
        "interaction_rate": report["interaction_rate"],
        "first_response_median_seconds": report["questions"]["first_response_median_seconds"],
    }
    assert expected["interactions"] == 6 and expected["first_response_median_seconds"] is not None
    for fmt in ("csv", "xlsx", "json"):
        response, body = download(client, w["manager"], format=fmt, community="support")
        assert response.status_code == 200, body[:300]
        assert response["Content-Type"].startswith(formats.CONTENT_TYPES[fmt].split(";")[0])
        assert response["Content-Disposition"].startswith('attachment; filename="kpis-support-')
        manifest = json.loads(response["X-KPI-Manifest"])
        assert manifest["communities"] == ["support"] and manifest["kind"] == "report"
        rows = read_back(fmt, body)
        assert manifest["rows"] == len(rows)
        for kpi, value in expected.items():
            assert headline(rows, kpi) == pytest.approx(value), (fmt, kpi)
    entries = Activity.objects.filter(verb="kpis.exported").order_by("pk")
    assert [(e.data["format"], e.data["via"], e.actor_id) for e in entries] == [
        (fmt, "api", w["manager"].pk) for fmt in ("csv", "xlsx", "json")
    ]


@pytest.mark.django_db
def test_managers_export_only_their_communities(client, crm_world):
    w = crm_world
    response, body = download(client, w["manager"], community="club")  # hidden, not theirs
    assert response.status_code == 404 and json.loads(body)["code"] == "not_found"
    response, body = download(client, w["alice"], community="support")  # a member
    assert response.status_code == 403
    response, body = download(client, w["manager"])  # the whole site: staff only
    assert response.status_code == 403 and json.loads(body)["code"] == "staff_only"
    response, body = download(client, w["alice"], community="support", kind="members")
    assert response.status_code == 403
    assert not Activity.objects.filter(verb="kpis.exported").exists()


@pytest.mark.django_db
def test_staff_export_the_whole_site(client, crm_world):
    response, body = download(client, crm_world["staff"], format="json")
    assert response.status_code == 200
    parsed = json.loads(body)
    assert parsed["manifest"]["site"] is True
    assert parsed["manifest"]["communities"] == ["club", "support"]
    assert {r["scope"] for r in parsed["rows"]} == {"site"}
    assert headline(parsed["rows"], "interactions", community="club") == 1
    entry = Activity.objects.get(verb="kpis.exported")
    assert entry.community is None and entry.data["communities"] == ["club", "support"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_the_member_export_streams_consenting_members(client, crm_world, fmt):
    w = crm_world
    response, body = download(client, w["manager"], format=fmt, community="support", kind="members")
    assert response.status_code == 200
    assert response.streaming  # CSV and JSON as they are written; XLSX once written
    rows = (
        read_back(fmt, body)
        if fmt != "csv"
        else list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    )
    assert sorted(r["member"] for r in rows) == sorted([w["alice"].username, w["carol"].username])
    assert w["bob"].username not in body.decode("latin-1")
    manifest = json.loads(response["X-KPI-Manifest"])
    assert manifest["rows"] == 2 and manifest["kind"] == "members"
    entry = Activity.objects.get(verb="kpis.exported")
    assert (entry.data["kind"], entry.data["rows"], entry.data["pseudonymised"]) == (
        "members",
        2,
        False,
    )


@pytest.mark.django_db
def test_a_pseudonymised_member_export_names_nobody(client, crm_world):
    w = crm_world
    _response, body = download(
        client, w["staff"], format="csv", community="support", kind="members", pseudonymise="true"
    )
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("member,community,interactions,")
    for user in (w["alice"], w["bob"], w["carol"], w["manager"]):
        assert user.username not in text and user.email not in text
    assert exports.pseudonym(w["support"].pk, w["alice"].pk) in text
    assert Activity.objects.get(verb="kpis.exported").data["pseudonymised"] is True
