from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from community import actions
from community.models import ApiToken, User

VIA = "manage.py revoke_api_token"


class Command(BaseCommand):
    help = (
        "Revoke an API token now, by its id or prefix (`manage.py list_api_tokens USERNAME` lists "
        "them), or every token of --user with --all. Its next request is a 401."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "token", nargs="?", help="The token's id, or its prefix (bcm_ optional)."
        )
        parser.add_argument("--user", help="Only USERNAME's tokens (needed if a prefix is shared).")
        parser.add_argument(
            "--all", dest="revoke_all", action="store_true", help="Every active token of --user."
        )

    def handle(self, *args, token, user, revoke_all, **options):
        owner = None
        if user:
            owner = User.objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"No member named {user!r}.")
        if revoke_all:
            if owner is None or token:
                raise CommandError("--all takes --user USERNAME and no token.")
            tokens = list(owner.community_api_tokens.filter(revoked_at__isnull=True))
        else:
            tokens = self._one(token, owner)
        for row in tokens:
            # The operator acts with the site's authority, in the owner's name (as
            # create_api_token does); the entry says it came from this command.
            actions.revoke_api_token(row.user, row, via=VIA)
            self.stdout.write(f"Revoked bcm_{row.prefix}… of {row.user.username}.")
        if not tokens:
            self.stdout.write("No active token to revoke.")

    def _one(self, ref, owner):
        if not ref:
            raise CommandError("Name a token (id or prefix), or use --user USERNAME --all.")
        ref = ref.removeprefix("bcm_").rstrip("…")
        match = Q(prefix=ref[:12])
        if ref.isdecimal() and len(ref) <= 18:
            match |= Q(pk=int(ref))
        found = ApiToken.objects.filter(match).select_related("user")
        if owner is not None:
            found = found.filter(user=owner)
        found = list(found[:2])
        if not found:
            raise CommandError(f"No token {ref!r}.")
        if len(found) > 1:
            raise CommandError(f"Several tokens match {ref!r}: give its id, or --user USERNAME.")
        if found[0].revoked_at is not None:
            self.stdout.write(f"bcm_{found[0].prefix}… was already revoked.")
            return []
        return found
