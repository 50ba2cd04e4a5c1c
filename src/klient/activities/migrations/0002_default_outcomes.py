"""The call outcomes a fresh installation offers (named in the reader's language: `name` stays empty)."""

from typing import Any

from django.db import migrations

DEFAULTS = [
    ("reached", False),
    ("no_answer", False),
    ("busy", False),
    ("wrong_number", False),
    ("call_back", False),
    ("interested", False),
    ("offer_made", False),
    ("not_interested", True),
]


def add_defaults(apps: Any, schema_editor: Any) -> None:
    outcome = apps.get_model("activities", "CallOutcome")
    for position, (code, needs_reason) in enumerate(DEFAULTS):
        outcome.objects.using(schema_editor.connection.alias).get_or_create(
            code=code, defaults={"needs_reason": needs_reason, "position": position * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
