"""Exports from the dashboard: a background task writes the file and reports progress;
the download link is signed, expires, and serves the requester only."""

import time
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from community import actions
from community.kpis import jobs
from community.models import Activity, ExportJob, Profile
from forums import actions as forums


@pytest.fixture
def club(make_community):
    return make_community("club")


@pytest.fixture
def manager(club, make_user, add_member):
    user = make_user()
    add_member(club, user, role="manager")
    return user


@pytest.fixture
def history(club, make_user, add_member):
    """Two members who talk, one of whom shares with the CRM."""
    alice, bruno = make_user(), make_user()
    for user in (alice, bruno):
        add_member(club, user)
    Profile.objects.filter(user=alice).update(share_with_crm=True)
    thread = forums.create_thread(alice, club, kind="discussion", title="Wax", body="Or oil?")
    forums.reply(bruno, thread, body="Wax.")
    return alice, bruno


def start(client, django_capture_on_commit_callbacks, **fields):
    today = timezone.localdate().isoformat()
    data = {
        "community": "club",
        "start": today,
        "end": today,
        "granularity": "day",
        "kind": "report",
        "format": "csv",
        **fields,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("kpis:export_start"), data)
    assert response.status_code == 302, response.content
    return ExportJob.objects.get(), response["Location"]


def test_the_task_writes_the_report_and_the_link_downloads_it(
    client, manager, history, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    job, location = start(client, django_capture_on_commit_callbacks)
    assert location == reverse("kpis:export", args=[job.pk])
    assert (job.state, job.progress, job.requester) == ("done", 100, manager)
    assert job.rows > 0 and job.file and job.finished_at is not None
    status = client.get(reverse("kpis:export_status", args=[job.pk])).json()
    assert (status["state"], status["progress"], status["rows"]) == ("done", 100, job.rows)
    page = client.get(location).content.decode()
    assert status["download_url"].split("/download/")[0] in page
    response = client.get(status["download_url"])
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    assert b"interaction_rate" in body and b"definitions_version" in body
    assert "attachment" in response["Content-Disposition"]
    assert ".csv" in response["Content-Disposition"]
    # The CSV's manifest, beside it, with the same row count.
    manifest = client.get(status["download_url"] + "?part=manifest")
    assert manifest.status_code == 200 and "manifest.json" in manifest["Content-Disposition"]
    assert manifest.json()["rows"] == job.rows
    assert manifest.json()["definitions_version"] == "1"
    assert manifest.json()["communities"] == ["club"]


def test_the_export_is_in_the_ledger_via_the_dashboard(
    client, manager, club, history, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    job, _location = start(client, django_capture_on_commit_callbacks, format="json")
    (entry,) = Activity.objects.filter(verb="kpis.exported")
    assert (entry.actor, entry.community) == (manager, club)
    assert entry.data["via"] == "dashboard"
    assert (entry.data["kind"], entry.data["format"], entry.data["rows"]) == (
        "report",
        "json",
        job.rows,
    )
    assert entry.data["communities"] == ["club"]


def test_the_member_export_honours_consent_and_pseudonymises(
    client, manager, history, django_capture_on_commit_callbacks
):
    alice, bruno = history
    client.force_login(manager)
    job, _location = start(
        client, django_capture_on_commit_callbacks, kind="members", pseudonymise="on"
    )
    assert (job.state, job.rows, job.pseudonymise) == ("done", 1, True)  # Alice alone agreed
    url = client.get(reverse("kpis:export_status", args=[job.pk])).json()["download_url"]
    body = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    assert alice.username not in body and alice.email not in body
    assert bruno.username not in body
    entry = Activity.objects.get(verb="kpis.exported")
    assert (entry.data["kind"], entry.data["pseudonymised"]) == ("members", True)


def test_only_the_requester_gets_the_page_the_status_and_the_file(
    client, manager, club, staff, history, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    job, location = start(client, django_capture_on_commit_callbacks)
    url = client.get(reverse("kpis:export_status", args=[job.pk])).json()["download_url"]
    client.force_login(staff)  # even staff: the file is the requester's
    assert client.get(location).status_code == 404
    assert client.get(reverse("kpis:export_status", args=[job.pk])).status_code == 404
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


def test_a_tampered_link_is_not_found_and_an_expired_one_says_so(
    client, manager, history, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    job, location = start(client, django_capture_on_commit_callbacks)
    token = jobs.download_token(job)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("kpis:download", args=[tampered])).status_code == 404
    other = ExportJob.objects.create(requester=manager, start=job.start, end=job.end)
    forged = f"{other.pk}:{token.split(':', 1)[1]}"
    assert client.get(reverse("kpis:download", args=[forged])).status_code == 404
    past = time.time() - jobs.LINK_MAX_AGE - 60
    with mock.patch("django.core.signing.time.time", return_value=past):
        old = jobs.download_token(job)
    response = client.get(reverse("kpis:download", args=[old]))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This download link has expired" in page and location in page
    # The export's page hands out a fresh link that works.
    fresh = client.get(reverse("kpis:export_status", args=[job.pk])).json()["download_url"]
    assert client.get(fresh).status_code == 200


def test_a_member_cannot_start_an_export(
    client, club, make_user, add_member, django_capture_on_commit_callbacks
):
    member = make_user()
    add_member(club, member)
    client.force_login(member)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("kpis:export_start"),
        {"community": "club", "start": today, "end": today, "granularity": "day"}
        | {"kind": "report", "format": "csv"},
    )
    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_a_demoted_manager_loses_the_page_the_status_and_the_file(
    client, manager, club, staff, history, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    job, location = start(client, django_capture_on_commit_callbacks, kind="members")
    link = client.get(reverse("kpis:export_status", args=[job.pk])).json()["download_url"]
    assert client.get(link).status_code == 200
    actions.set_role(staff, club, manager, role="member")
    for url in (location, reverse("kpis:export_status", args=[job.pk]), link):
        assert client.get(url).status_code in (403, 404), url


def test_a_job_queued_before_a_demotion_writes_nothing(
    manager, club, staff, history, django_capture_on_commit_callbacks
):
    from community.kpis import actions as kpi_actions
    from community.kpis import period as periods
    from community.kpis import scope as scopes

    with django_capture_on_commit_callbacks(execute=False):  # queued, not run yet
        job = kpi_actions.start_export(
            manager, scopes.of(club), periods.parse(), fmt="csv", kind="members"
        )
    actions.set_role(staff, club, manager, role="member")
    assert jobs.run_export.call(str(job.pk)) is None
    job.refresh_from_db()
    assert (job.state, bool(job.file)) == ("failed", False)


def test_exports_are_deleted_a_day_later_with_their_files(
    client, manager, history, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    client.force_login(manager)
    job, _location = start(client, django_capture_on_commit_callbacks)
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    jobs.purge_expired(now=job.created_at + jobs.KEEP - timedelta(seconds=1))
    assert ExportJob.objects.filter(pk=job.pk).exists()
    jobs.purge_expired(now=job.created_at + jobs.KEEP + timedelta(seconds=1))
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert not storage.exists(name)
