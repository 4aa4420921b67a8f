"""The moderation clock: jobs run once a minute by the background worker, never by a page.

``register(job)`` adds a ``job(now)``; ``tick(now)`` runs every registered job
once, each in turn (one failing is logged and stops none of the others).
Customer care registers its deadlines (escalation, about to breach, breached);
sanctions register the end of bans and silences.

Who calls ``tick``:

- embedded default (SQLite, one daphne process): a daemon thread started once
  per process on its first request (``start_in_process``), ticking every
  ``INTERVAL`` seconds;
- production (``DATABASE_URL`` set): ``manage.py moderation_clock``, one process
  beside ``db_worker`` (run one; two would only repeat checks, every step is
  idempotent under its row lock).

``MODERATION_CLOCK`` (setting or environment) overrides the choice: ``thread``,
``command`` (nothing in-process) or ``off``. Under tests (``tests.settings``) it is
off: tests call ``tick(now)`` with the times they choose.
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

INTERVAL = 60  # seconds

_jobs = []
_started = False
_lock = threading.Lock()


def register(job):
    """Run ``job(now)`` on every tick (once per job however often registered)."""
    if job not in _jobs:
        _jobs.append(job)
    return job


def jobs():
    return list(_jobs)


def tick(now=None):
    """Run every registered job for ``now``; returns how many failed."""
    now = now or timezone.now()
    failed = 0
    for job in list(_jobs):
        try:
            job(now)
        except Exception:
            failed += 1
            logger.exception("Moderation clock job %s failed", getattr(job, "__name__", job))
    return failed


def mode():
    chosen = getattr(settings, "MODERATION_CLOCK", None) or os.environ.get("MODERATION_CLOCK")
    if chosen:
        return chosen
    if str(getattr(settings, "SETTINGS_MODULE", "")).startswith("tests."):
        return "off"
    engine = settings.DATABASES["default"]["ENGINE"]
    return "thread" if "sqlite" in engine else "command"


def run_forever(interval=INTERVAL, *, stop=None):
    """Tick every ``interval`` seconds, aligned on the wall clock, until ``stop`` is set."""
    stop = stop or threading.Event()
    while not stop.is_set():
        close_old_connections()
        try:
            tick()
        finally:
            close_old_connections()
        stop.wait(interval - (time.time() % interval))


def start_in_process(**_kwargs):
    """Start the in-process clock once per process, if this process keeps the clock."""
    global _started
    if _started:
        return False
    with _lock:
        if _started or mode() != "thread":
            _started = True  # decided once per process either way
            return False
        _started = True
        thread = threading.Thread(target=run_forever, name="moderation-clock", daemon=True)
        thread.start()
        logger.info("Moderation clock started in-process")
        return True
