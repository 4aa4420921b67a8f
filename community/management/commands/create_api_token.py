from django.core.management.base import BaseCommand, CommandError

from community import actions
from community.models import User


class Command(BaseCommand):
    help = "Create a bearer API token for USERNAME and print it alone on stdout (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for (kept with it).")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No member named {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username!r} is not an active account.")
        # The command runs with the site operator's authority: the member acts on themselves.
        _token, key = actions.create_api_token(
            user, user, name=name or "manage.py create_api_token"
        )
        self.stdout.write(key)
