"""Exports asked for from the dashboard: the background task that writes them, and the
signed, expiring links that serve them to their requester only.

The task (django-tasks: in the request on the embedded default's "immediate" backend,
in ``manage.py db_worker`` on the production path) builds the report or the member
rows, writes them through ``exports.write`` into the job's file (the private
``kpi_exports`` storage), keeps ``progress`` and ``rows`` up to date for the page's
progress bar, and records the ``kpis.exported`` entry once the file is there.

The job row is the task's own bookkeeping (state, progress, file), written only here;
the decision to export, with its permission check, is ``actions.start_export``.
"""

import logging
import tempfile
from datetime import timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from community import permissions
from community.kpis import period as periods
from community.kpis import scope as scopes
from community.models import Community, ExportJob

logger = logging.getLogger(__name__)

SALT = "kpis.export"
KEEP = timedelta(hours=24)  # an export's file and job are deleted after this
# Kept in English in the row, shown translated (the task runs in no one's language).
FAILED = gettext_noop("The export failed; try again or ask the site's staff.")
REFUSED = gettext_noop("You no longer may export these figures.")
LINK_MAX_AGE = 60 * 60  # seconds a download link stays valid


class LinkExpired(Exception):
    """A genuine link whose time is up (HTTP 410: ask the export page for a new one)."""

    def __init__(self, job_id):
        super().__init__(job_id)
        self.job_id = job_id


def download_token(job):
    """A signed token for ``job``'s file, valid ``LINK_MAX_AGE`` seconds from now."""
    return signing.TimestampSigner(salt=SALT).sign(str(job.pk))


def may_see(job, user):
    """Whether ``user`` still may: the job is theirs, and they still read its figures (a
    manager demoted or removed since loses their exports with their role)."""
    if job.requester_id != user.pk:
        return False
    try:
        permissions.check_view_kpi_scope(user, job_scope(job))
    except (PermissionDenied, Http404):
        return False
    return True


def job_for_token(token, user):
    """The job a download token names, if ``user`` may see it (``may_see``) and it is done;
    else None.

    Raise ``LinkExpired`` for a genuine token that is too old. A tampered token, another
    person's job or a job without a file give None (the page answers 404: the file is
    not theirs to know of).
    """
    signer = signing.TimestampSigner(salt=SALT)
    try:
        job_id = signer.unsign(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        job_id = signer.unsign(token)  # genuine: the signature holds without the age
        job = ExportJob.objects.filter(pk=job_id, requester_id=user.pk).first()
        if job is not None and may_see(job, user):
            raise LinkExpired(job_id) from None
        return None
    except signing.BadSignature:
        return None
    job = ExportJob.objects.filter(pk=job_id, requester_id=user.pk).first()
    if job is None or job.state != ExportJob.State.DONE or not job.file:
        return None
    return job if may_see(job, user) else None


def job_scope(job):
    if job.site:
        return scopes.site()
    return scopes.of(list(Community.objects.filter(pk__in=job.communities)))


def filename(job):
    from community.kpis import exports

    return exports.filename(
        job.kind, job_scope(job), periods.parse(job.start, job.end, job.granularity), job.format
    )


def _save(job, **fields):
    ExportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


@task()
def run_export(job_id):
    """Write the export of job ``job_id``; return its row count (None if it failed)."""
    job = ExportJob.objects.select_related("requester").filter(pk=job_id).first()
    if job is None or job.state not in (ExportJob.State.QUEUED, ExportJob.State.RUNNING):
        return None
    if not may_see(job, job.requester):
        # Demoted or removed since asking (the worker may run much later): nothing written.
        _save(job, state=ExportJob.State.FAILED, error=REFUSED, finished_at=timezone.now())
        return None
    _save(job, state=ExportJob.State.RUNNING, progress=0)
    try:
        rows = _write(job)
    except Exception:
        logger.exception("KPI export %s failed", job.pk)
        _save(
            job,
            state=ExportJob.State.FAILED,
            error=FAILED,
            finished_at=timezone.now(),
        )
        return None
    return rows


def _write(job):
    from community.kpis import exports, report

    scope = job_scope(job)
    period = periods.parse(job.start, job.end, job.granularity)
    generated_at = timezone.now()
    if job.kind == ExportJob.Kind.MEMBERS:
        total = exports.member_count(scope, period)
        header, rows = exports.member_rows(scope, period, pseudonymise=job.pseudonymise)
    else:
        built = report.build(scope, period, goals=True, communities=len(scope.communities) > 1)
        header, rows = exports.report_table(built)
        rows = list(rows)
        total = len(rows)
    manifest = exports.manifest(
        job.kind,
        scope,
        period,
        rows=total,
        generated_at=generated_at,
        pseudonymised=job.pseudonymise,
    )

    def progress(done):
        # The page's progress bar; 100 % only once the file is saved.
        _save(job, progress=min(99, int(done * 100 / max(total, 1))), rows=done)

    with tempfile.TemporaryFile() as out:
        count = exports.write(job.format, manifest, header, rows, out, progress=progress)
        out.seek(0)
        job.file.save(filename(job), File(out), save=False)
    _save(
        job,
        file=job.file.name,
        manifest={**manifest, "rows": count},
        rows=count,
        progress=100,
        state=ExportJob.State.DONE,
        finished_at=timezone.now(),
    )
    exports.record(
        job.requester,
        job.kind,
        job.format,
        scope,
        period,
        count,
        "dashboard",
        pseudonymised=job.pseudonymise,
    )
    return count


def purge_expired(now=None):
    """Delete the exports older than ``KEEP``, with their files (a periodic job: the
    moderation clock runs it). A member export holds personal data: it is not kept for good, and a
    member who withdraws consent is out of every file a day later at most."""
    now = now or timezone.now()
    for job in ExportJob.objects.filter(created_at__lt=now - KEEP).only("pk", "file"):
        job.delete()  # its file goes with it (community.receivers.delete_export_file)


def delete_file(job):
    """Remove ``job``'s file from storage, if it has one (also when the row goes)."""
    if job.file:
        job.file.storage.delete(job.file.name)
