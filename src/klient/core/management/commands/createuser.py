"""`klient createuser NAME --role ROLE [--team TEAM] [--password PW] [--email E]`, non-interactive."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from klient.core.models import Role
from klient.core.services import team_get_or_create, user_create


class Command(BaseCommand):
    help = "Create a user in a role (and team, created if missing) without prompting."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--team", default="")
        parser.add_argument("--password", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--language", default="en")
        parser.add_argument("--timezone", default="UTC")

    def handle(self, *args: Any, **options: Any) -> None:
        team = team_get_or_create(name=options["team"]) if options["team"].strip() else None
        try:
            user = user_create(
                username=options["username"],
                role=options["role"],
                team=team,
                password=options["password"] or None,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                language=options["language"],
                timezone_name=options["timezone"],
            )
        except ValidationError as error:
            messages = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
            raise CommandError(messages) from error
        team_note = f" in team {team.name}" if team else ""
        self.stdout.write(f"Created user {user.username} ({user.role}){team_note}.")
