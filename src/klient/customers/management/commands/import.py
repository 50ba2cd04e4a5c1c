"""`klient import companies|contacts|stock|orders FILE [--dry-run] [--key FIELD] [--map "Column=field" ...] [--atomic]
[--user USERNAME] [--rejected FILE]` prints one JSON object: the import's summary.

Exit status: 0 when every row was accepted, 1 when some were rejected (errors or duplicates), 2 when the
file cannot be read at all or the options cannot work with it (then the object is {"detail": "..."}).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.customers.importing import ImportOptions, import_file
from klient.customers.readers import UnreadableFile


class Command(BaseCommand):
    help = (
        "Import companies or contacts from a CSV, XLSX or vCard file, or stock (sku, warehouse, available, "
        "restock_date) or order updates (number or external_id, status, promised_date, delay_reason, "
        "is_delayed) from a CSV or XLSX file; prints a JSON summary."
    )
    # The system checks load every URL and API schema (0.4 s) and check nothing an import uses; `klient
    # run` and `klient check` run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["companies", "contacts", "stock", "orders"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check every row and store nothing.")
        parser.add_argument(
            "--key",
            default="",
            help="Update the records matched by this field (external_id, tax_id, email, name, id, …).",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help='Map a column to a field ("Account Name=name"); "Column=" ignores a column. Repeatable.',
        )
        parser.add_argument("--atomic", action="store_true", help="Store nothing if any row is rejected.")
        parser.add_argument("--user", default="", help="Import as this user (default: the first superuser).")
        parser.add_argument(
            "--rejected", type=Path, help="Write the rejected rows with their reasons to this CSV."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["user"])
        if options["kind"] == "stock":
            self._stock(actor, options)
            return
        if options["kind"] == "orders":
            self._orders(actor, options)
            return
        columns = None
        if options["map"]:
            from klient.customers.readers import open_table

            try:
                table = open_table(options["file"])
            except UnreadableFile as unreadable:
                self._fail(unreadable.message)
            from klient.customers.importing import guess_columns

            columns = guess_columns(options["kind"], table.headers)
            table.rows.close()  # type: ignore[attr-defined]
            for item in options["map"]:
                column, equals, field = item.partition("=")
                if not equals:
                    raise CommandError(f'--map takes "Column=field", not "{item}".')
                columns[column.strip()] = field.strip()
        import_options = ImportOptions(
            kind=options["kind"],
            key=options["key"],
            columns=columns,
            dry_run=options["dry_run"],
            atomic=options["atomic"],
        )
        rejected = (
            open(options["rejected"], "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
            if options["rejected"]
            else None
        )
        try:
            result = import_file(
                path=options["file"], actor=actor, options=import_options, rejected_csv=rejected
            )
        except UnreadableFile as unreadable:
            self._fail(unreadable.message)
        except NotAllowed as refused:
            self._fail(str(refused))
        finally:
            if rejected is not None:
                rejected.close()
        summary = result.as_dict()
        summary["errors"] = [
            {"row": error["row"], "field": error["field"], "message": str(error["message"])}
            for error in summary["errors"]
        ]
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
        if result.skipped:
            sys.exit(1)

    def _stock(self, actor: User, options: dict[str, Any]) -> None:
        from django.core.exceptions import ValidationError

        from klient.catalog.importing import stock_columns, stock_rows_apply
        from klient.customers.readers import open_table

        try:
            table = open_table(options["file"])
        except UnreadableFile as unreadable:
            self._fail(unreadable.message)
        try:
            columns = stock_columns(table.headers)
        except ValidationError as missing:
            self._fail(
                " ".join(message for messages in missing.message_dict.values() for message in messages)
            )
        rows = [
            (number, {name: cells[index] if index < len(cells) else "" for index, name in columns.items()})
            for number, cells in table.rows
        ]
        try:
            result = stock_rows_apply(
                actor=actor, rows=rows, dry_run=options["dry_run"], atomic=options["atomic"]
            )
        except NotAllowed as refused:
            self._fail(str(refused))
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        if result.errors:
            sys.exit(1)

    def _orders(self, actor: User, options: dict[str, Any]) -> None:
        from django.core.exceptions import ValidationError

        from klient.customers.readers import open_table
        from klient.sales.orders.importing import order_columns, orders_import_rows

        try:
            table = open_table(options["file"])
        except UnreadableFile as unreadable:
            self._fail(unreadable.message)
        try:
            columns = order_columns(table.headers)
        except ValidationError as missing:
            self._fail(
                " ".join(message for messages in missing.message_dict.values() for message in messages)
            )
        rows = [
            (number, {name: cells[index] if index < len(cells) else "" for index, name in columns.items()})
            for number, cells in table.rows
        ]
        try:
            result = orders_import_rows(actor=actor, rows=rows, dry_run=options["dry_run"])
        except NotAllowed as refused:
            self._fail(str(refused))
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        if result.errors:
            sys.exit(1)

    def _actor(self, username: str) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                self._fail(f"No active user named {username}.")
            return user
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            self._fail("No superuser to import as: give --user USERNAME.")
        return user

    def _fail(self, detail: str) -> NoReturn:
        self.stdout.write(json.dumps({"detail": str(detail)}, ensure_ascii=False))
        sys.exit(2)
