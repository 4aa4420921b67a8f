"""The audit log: the ledger's moderation entries, filtered; the API, the page, the CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import actions, activity
from community.spreadsheets import neutralise
from forums.moderation.sanctions import actions as sanctions

pytestmark = pytest.mark.django_db


def bearer(user):
    _token, key = actions.create_api_token(user, user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def world(make_community, make_user, add_member, staff):
    club = make_community("club")
    member, mod, other = (
        make_user(username="member"),
        make_user(username="mod"),
        make_user(username="rando"),
    )
    add_member(club, member)
    add_member(club, mod, role="moderator")
    add_member(club, other)
    return {"club": club, "member": member, "mod": mod, "other": other, "staff": staff}


def get(client, path, user):
    response = client.get("/api/v1" + path, **bearer(user))
    return response, response.json()


def test_moderation_verbs_are_marked():
    audited = set(activity.audited())
    assert {
        "membership.banned",
        "membership.unbanned",
        "membership.silenced",
        "membership.unsilenced",
        "membership.role_changed",
        "user.suspended",
        "member.warned",
        "member.noted",
        "community.updated",
    } <= audited
    assert "membership.joined" not in audited and "membership.left" not in audited


def test_audit_lists_moderation_entries_only_with_reason_before_after(client, world):
    until = timezone.now() + timedelta(days=1)
    actions.silence(world["mod"], world["club"], world["member"], until=until, reason="calm")
    sanctions.warn(world["mod"], world["club"], world["member"], text="=cmd|' /C calc'!A0")
    response, data = get(client, "/communities/club/audit", world["mod"])
    assert response.status_code == 200, data
    verbs = [e["verb"] for e in data["items"]]
    assert verbs[:2] == ["member.warned", "membership.silenced"]
    assert "membership.joined" not in verbs  # the members joining are not moderation
    silenced = data["items"][1]
    assert silenced["actor"] == "mod" and silenced["target"] == "member"
    assert silenced["reason"] == "calm" and silenced["before"] is None
    assert silenced["after"] == until.isoformat()
    assert silenced["object"]["type"] == "membership"


def test_audit_filters_and_keyset_pages(client, world):
    for n in range(5):
        sanctions.warn(world["mod"], world["club"], world["member"], text=f"w{n}")
    sanctions.add_note(world["staff"], world["club"], world["member"], text="note")
    _r, data = get(client, "/communities/club/audit?verb=member.warned", world["mod"])
    assert {e["verb"] for e in data["items"]} == {"member.warned"} and len(data["items"]) == 5
    _r, data = get(client, "/communities/club/audit?actor=staffer", world["mod"])
    assert {e["verb"] for e in data["items"]} >= {"member.noted"}
    assert {e["actor"] for e in data["items"]} == {"staffer"}
    future = (timezone.now() + timedelta(hours=1)).isoformat().replace("+", "%2B")
    _r, data = get(client, f"/communities/club/audit?since={future}", world["mod"])
    assert data["items"] == []
    _r, first = get(client, "/communities/club/audit?verb=member.warned&limit=2", world["mod"])
    _r, second = get(
        client,
        f"/communities/club/audit?verb=member.warned&limit=2&cursor={first['next']}",
        world["mod"],
    )
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert len(set(ids)) == 4 and ids == sorted(ids, reverse=True)
    response, data = get(client, "/communities/club/audit?verb=membership.joined", world["mod"])
    assert response.status_code in (400, 422)


def test_audit_scope(client, world, make_community):
    make_community("vault", visibility="hidden")
    response, data = get(client, "/communities/club/audit", world["other"])
    assert response.status_code == 403 and data["code"]
    response, _ = get(client, "/communities/vault/audit", world["mod"])
    assert response.status_code == 404
    response, _ = get(client, "/communities/vault/audit", world["staff"])
    assert response.status_code == 200
    client.force_login(world["other"])
    assert client.get("/c/club/moderation/audit/").status_code == 403
    assert client.get("/c/club/moderation/audit.csv").status_code == 403
    assert client.get("/c/vault/moderation/audit/").status_code == 404


def test_audit_api_and_page_queries_do_not_grow(client, world):
    auth = bearer(world["mod"])
    client.force_login(world["mod"])

    def measure(rows):
        client.get("/api/v1/communities/club/audit", **auth)
        with CaptureQueriesContext(connection) as api_queries:
            assert client.get("/api/v1/communities/club/audit", **auth).status_code == 200
        client.get("/c/club/moderation/audit/")
        with CaptureQueriesContext(connection) as page_queries:
            response = client.get("/c/club/moderation/audit/")
        assert response.content.decode().count("data-entry=") == rows
        return len(api_queries), len(page_queries)

    sanctions.warn(world["mod"], world["club"], world["member"], text="w")
    one = measure(2)  # the moderator's role change, the warning
    for n in range(12):
        sanctions.warn(world["mod"], world["club"], world["member"], text=f"w{n}")
    assert measure(14) == one


def test_neutralise():
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("plain") == "plain" and neutralise(None) == ""


def test_csv_export_has_a_bom_and_neutralised_cells(client, world):
    sanctions.warn(world["mod"], world["club"], world["member"], text='=HYPERLINK("x")')
    actions.silence(
        world["mod"],
        world["club"],
        world["member"],
        until=timezone.now() + timedelta(days=1),
        reason="@evil",
    )
    client.force_login(world["mod"])
    response = client.get("/c/club/moderation/audit.csv?verb=member.warned")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0][:3] == ["id", "created_at", "verb"]
    assert len(rows) == 2 and rows[1][2] == "member.warned"
    assert rows[1][6] == '\'=HYPERLINK("x")'
    everything = client.get("/c/club/moderation/audit.csv")
    rows = list(csv.reader(io.StringIO(b"".join(everything.streaming_content).decode()[1:])))
    assert "'@evil" in [row[6] for row in rows]


def test_audit_page_filters(client, world):
    sanctions.warn(world["mod"], world["club"], world["member"], text="first")
    sanctions.add_note(world["mod"], world["club"], world["member"], text="secret")
    client.force_login(world["mod"])
    page = client.get("/c/club/moderation/audit/?verb=member.noted").content.decode()
    assert "member.noted" in page and "<code>member.warned</code>" not in page
    assert "secret" not in page  # a note's text stays in the note
    assert 'href="/c/club/moderation/audit.csv?verb=member.noted"' in page


def test_audit_since_out_of_range_is_invalid_not_a_500(client, world, settings):
    settings.TIME_ZONE = "Europe/Paris"  # 0001-01-01 local time is before 0001-01-01 UTC
    response, data = get(client, "/communities/club/audit?since=0001-01-01T00:00:00", world["mod"])
    assert response.status_code == 422, data
    assert data["code"] == "invalid" and data["detail"]
    assert [e["field"] for e in data["errors"]] == ["since"]
    client.force_login(world["mod"])
    page = client.get("/c/club/moderation/audit/?since=0001-01-01T00:00:00")
    assert page.status_code == 200
    assert page.context["form"].errors["since"]
    csv_response = client.get("/c/club/moderation/audit.csv?since=0001-01-01T00:00:00")
    assert csv_response.status_code == 200
    b"".join(csv_response.streaming_content)
