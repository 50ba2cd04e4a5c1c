"""Compile the .po translation catalogues to .mo with Babel (no GNU gettext needed)."""

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def compile_catalogues(locale_dirs: list[Path], *, force: bool = False) -> int:
    """Write a .mo beside every .po that is newer than it; returns how many were written."""
    written = 0
    for locale_dir in locale_dirs:
        for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parent.parent.name)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog, use_fuzzy=False)
            written += 1
    return written


class Command(BaseCommand):
    help = "Compile translation catalogues (.po → .mo)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Recompile even when up to date.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = compile_catalogues([Path(p) for p in settings.LOCALE_PATHS], force=options["force"])
        except Exception as error:
            raise CommandError(f"Could not compile translations: {error}") from error
        self.stdout.write(f"Compiled {count} catalogue(s).")
