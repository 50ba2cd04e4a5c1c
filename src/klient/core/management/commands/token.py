"""`klient token create USERNAME [--name LABEL] [--read-only]` prints the token alone on its last line."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from klient.core.models import User
from klient.core.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token for a user; prints it on the last line.")
        create.add_argument("username")
        create.add_argument("--name", default="command line", help="A label for the token.")
        create.add_argument("--read-only", action="store_true", help="Refuse writes made with this token.")
        listing = actions.add_parser("list", help="List a user's tokens.")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "revoke":
            from klient.core.models import ApiToken

            token = ApiToken.objects.select_related("user").filter(pk=options["token_id"]).first()
            if token is None:
                raise CommandError(f"No token with id {options['token_id']}.")
            api_token_revoke(token=token, actor=token.user)
            self.stdout.write(f"Revoked token {token.pk} ({token.name}).")
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']}.")
        if action == "list":
            for token in user.api_tokens.all():
                state = "active" if token.is_active else "revoked/expired"
                mode = "read-only" if token.is_read_only else "read-write"
                self.stdout.write(f"{token.pk}\t{token.prefix}…\t{token.name}\t{mode}\t{state}")
            return
        _token, raw = api_token_create(user=user, name=options["name"], is_read_only=options["read_only"])
        mode = "read-only" if options["read_only"] else "read-write"
        self.stdout.write(f"Created a {mode} token for {user.username}. It is shown only once:")
        self.stdout.write(raw)
