"""`klient fetchmail [--mailbox NAME]`: poll the active IMAP mailboxes once (the scheduled job does it every
minute). Each new message is stored and processed; only after that commit is it flagged seen (or deleted)
on the server. Prints one JSON line per mailbox: {"mailbox": ..., "fetched": n, "error": ...}."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from klient.service import intake
from klient.service.models import Mailbox


class Command(BaseCommand):
    help = "Fetch new mail from the IMAP mailboxes configured in Klient."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", default="", help="Only this mailbox (by name).")

    def handle(self, *args: Any, **options: Any) -> None:
        mailboxes = Mailbox.objects.filter(is_active=True)
        if options["mailbox"]:
            mailboxes = mailboxes.filter(name=options["mailbox"])
            if not mailboxes.exists():
                raise CommandError(f"No active mailbox named {options['mailbox']!r}.")
        failed = False
        for mailbox in mailboxes.order_by("name"):
            result = intake.mailbox_poll(mailbox=mailbox)
            failed = failed or bool(result.error)
            self.stdout.write(
                json.dumps(
                    {"mailbox": mailbox.name, "fetched": result.fetched, "error": result.error or None},
                    ensure_ascii=False,
                )
            )
        if failed:
            raise CommandError("A mailbox could not be polled; see its error.", returncode=1)
