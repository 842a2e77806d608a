"""Issue an API token for a user and print it once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.tokens import issue_token


class Command(BaseCommand):
    help = "Issue an API token for USERNAME; the token is printed once and only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="api", help="What the token is for.")
        parser.add_argument("--read-only", action="store_true", help="The token can only read.")

    def handle(self, *args, username, name, read_only, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        token, plain = issue_token(user, name, read_only=read_only)
        self.stderr.write(f"Issued {'read-only ' if read_only else ''}token {token.prefix}… for {username}.")
        self.stdout.write(plain)
