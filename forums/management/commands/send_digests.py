from django.core.management.base import BaseCommand

from forums import notification_mail


class Command(BaseCommand):
    help = "Mail each member the digest of their notifications not yet mailed (run daily)."

    def handle(self, *args, **options):
        sent = notification_mail.send_digests()
        self.stdout.write(f"{sent} digest(s) sent.")
