"""The `klient` command: every Django management command plus Klient's own (run, demo, createuser, token)."""

import os
import sys


def main() -> None:
    """Entry point of the console script."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klient.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
