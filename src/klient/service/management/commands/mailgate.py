"""`klient mailgate [--queue NAME] < message.eml`: take one message from an MTA's pipe.

It prints one JSON line, {"status": ..., "ticket": <number or null>, "reason": ...}, where status is
"created", "appended", "logged" (mail to a log address, put on contacts' timelines), "duplicate" or
"quarantined", and exits 0 once the message is stored. When the message could not be stored (the database
is unreachable or not writable) it prints status "tempfail" and exits 75 (EX_TEMPFAIL), so the MTA keeps
the message and delivers it again later. Should processing itself fail after the message was stored, it
prints status "received" and exits 0: the sweep job processes it again.

`klient mailgate [--queue NAME] FILE...` takes each file as one message instead (an archive to load, a
benchmark): one JSON line per file, in order, and exit 75 if any of them could not be stored (feeding
them all again is safe: those stored before are duplicates).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from klient.service import intake

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Store and process one mail message read from standard input (for an MTA pipe), or each FILE."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False
    # Tests hand the message in as `stdin=` (a binary stream) instead of the process's standard input.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="", help="The queue new tickets go to (by name).")
        parser.add_argument(
            "files", nargs="*", help="Message files (.eml), one message each; none: standard input."
        )

    def _answer(self, status: str, ticket: int | None, reason: str) -> None:
        self.stdout.write(
            json.dumps({"status": status, "ticket": ticket, "reason": reason}, ensure_ascii=False)
        )

    def _take(self, read: Any, queue: str) -> bool:
        """Store and process one message; False when it could not be stored."""
        try:
            raw = read()
            inbound = intake.store(raw, source="mailgate", queue_name=queue)
        except Exception as error:
            self._answer(
                "tempfail", None, f"The message could not be stored: {type(error).__name__}: {error}"
            )
            return False
        try:
            outcome = intake.process(inbound)
        except Exception as error:  # stored: the sweep takes it up again
            self._answer(
                "received",
                None,
                f"Stored as {inbound.pk}; processing failed: {type(error).__name__}: {error}",
            )
            return True
        self._answer(outcome.status, outcome.ticket, outcome.reason)
        return True

    def handle(self, *args: Any, **options: Any) -> None:
        queue = options["queue"]
        if options["files"]:
            stored = [self._take(Path(name).read_bytes, queue) for name in options["files"]]
        else:
            stream: IO[bytes] = options.get("stdin") or sys.stdin.buffer
            stored = [self._take(stream.read, queue)]
        if not all(stored):
            raise CommandError(
                "A message could not be stored; deliver it again later.", returncode=EX_TEMPFAIL
            )
