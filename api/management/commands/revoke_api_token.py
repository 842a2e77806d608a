"""Revoke API tokens by prefix (as shown in the admin), or all of a user's."""

from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken
from api.tokens import revoke_token


class Command(BaseCommand):
    help = "Revoke the API token with PREFIX (the admin shows it), or every token of --user."

    def add_arguments(self, parser):
        parser.add_argument("prefix", nargs="?", help="The token's prefix, e.g. 3f9a1c2e.")
        parser.add_argument("--user", help="Revoke every active token of this username instead.")

    def handle(self, *args, prefix, user, **options):
        if bool(prefix) == bool(user):
            raise CommandError("Give either a token prefix or --user USERNAME.")
        tokens = ApiToken.objects.filter(revoked_at__isnull=True)
        tokens = tokens.filter(user__username=user) if user else tokens.filter(prefix=prefix)
        found = list(tokens)
        if not found:
            raise CommandError("No active token matches.")
        for token in found:
            revoke_token(token)
        self.stdout.write(f"Revoked {len(found)} token(s).")
