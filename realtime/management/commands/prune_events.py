from django.conf import settings
from django.core.management.base import BaseCommand

from realtime import publish


class Command(BaseCommand):
    help = (
        "Delete real-time events older than REALTIME_RETENTION_DAYS (run daily). "
        "Clients further behind are told to reload."
    )

    def handle(self, *args, **options):
        deleted = publish.prune()
        days = settings.REALTIME_RETENTION_DAYS
        self.stdout.write(f"{deleted} event(s) older than {days} day(s) deleted.")
