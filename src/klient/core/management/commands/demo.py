"""`klient demo`: load the demo organisation (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from klient.core.demo import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = (
        "Create a multilingual demo organisation: teams, users in every role, 2,000 companies with "
        "contacts, a month of activities, last month's reports, a catalogue. Safe to repeat."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo_load()
        self.stdout.write(
            f"Demo data: {created['teams']} team(s), {created['users']} user(s), "
            f"{created['companies']} company(ies), {created['contacts']} contact(s), "
            f"{created['activities']} activity(ies), {created['call_lists']} call list(s), "
            f"{created['reports']} monthly report(s), {created['products']} product(s), "
            f"{created.get('tickets', 0)} ticket(s) created."
        )
        self.stdout.write(f"Demo logins (password “{DEMO_PASSWORD}” for all):")
        for demo in DEMO_USERS:
            team = f", {demo.team}" if demo.team else ""
            self.stdout.write(f"  {demo.username:18} {demo.role}{team}")
