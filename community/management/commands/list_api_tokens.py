from django.core.management.base import BaseCommand, CommandError

from community import queries
from community.models import User


class Command(BaseCommand):
    help = (
        "List USERNAME's API tokens, newest first: id, prefix, state, created, last used, name. "
        "Revoke one with `manage.py revoke_api_token`."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No member named {username!r}.")
        before = None
        while True:
            tokens, cursor = queries.api_tokens_of(user, before=before, limit=200)
            for token in tokens:
                state = (
                    f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
                )
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.pk}\tbcm_{token.prefix}…\t{state}\t"
                    f"created {token.created_at:%Y-%m-%d %H:%M}\tlast used {used}\t{token.name}"
                )
            if cursor is None:
                break
            before = int(cursor)
