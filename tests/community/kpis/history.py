"""Writing history at known moments for the KPI tests: ``at(when)`` and local times."""

from contextlib import contextmanager
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

from community.models import Activity

PARIS = ZoneInfo("Europe/Paris")  # tests.settings.TIME_ZONE: the periods' local days


def local(day, hour, minute=0):
    """An aware moment of March 2025 in the site's zone (UTC+1 until the 30th)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=PARIS)


@contextmanager
def at(when):
    """Run the actions as of ``when``: their clock and the ledger's ``created_at``.

    The ledger's default is bound to ``timezone.now`` when the model is defined, so
    patching ``timezone.now`` alone would not move the entries.
    """
    field = Activity._meta.get_field("created_at")
    with (
        mock.patch.object(field, "_get_default", lambda: when),
        mock.patch("django.utils.timezone.now", return_value=when),
    ):
        yield
