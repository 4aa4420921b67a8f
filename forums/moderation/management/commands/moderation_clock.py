"""``manage.py moderation_clock``: the moderation clock's loop on the production path."""

import threading

from django.core.management.base import BaseCommand

from forums.moderation.care import clock


class Command(BaseCommand):
    help = "Run the moderation clock's jobs every minute (deadlines, ban expiry)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=clock.INTERVAL)
        parser.add_argument("--once", action="store_true", help="Tick once and exit.")

    def handle(self, *args, interval, once, **options):
        if once:
            failed = clock.tick()
            self.stdout.write(f"ticked {len(clock.jobs())} jobs, {failed} failed")
            return
        self.stdout.write(f"moderation clock: {len(clock.jobs())} jobs every {interval}s")
        clock.run_forever(interval, stop=threading.Event())
