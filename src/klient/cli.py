"""The `klient` command: every Django management command plus Klient's own (run, demo, createuser, token)."""

import json
import os
import sys

# `klient mailgate` answers an MTA: anything that stops it before the message is stored (settings that
# cannot be read, a data directory that cannot be made) must ask the MTA to retry, never to bounce.
EX_TEMPFAIL = 75


def main() -> None:
    """Entry point of the console script."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klient.settings")
    if sys.argv[1:2] == ["mailgate"]:
        try:
            _execute()
        except SystemExit:
            raise
        except BaseException as error:
            reason = f"Klient could not start: {type(error).__name__}: {error}"
            sys.stdout.write(json.dumps({"status": "tempfail", "ticket": None, "reason": reason}) + "\n")
            sys.exit(EX_TEMPFAIL)
        return
    _execute()


def _execute() -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
