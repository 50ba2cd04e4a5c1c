"""The job description's daily rhythm as role targets for account managers and telesales reps."""

import datetime

from django.db import migrations

DEFAULTS = [
    ("calls", "day", 30),
    ("phone_offers", "day", 20),
    ("proposal_emails", "day", 50),
    ("new_contracts", "month", 4),
]
ROLES = ["account_manager", "telesales"]
SINCE = datetime.date(2000, 1, 1)


def add_defaults(apps, schema_editor):
    Target = apps.get_model("activities", "Target")
    for role in ROLES:
        for metric, period, value in DEFAULTS:
            Target.objects.get_or_create(
                role=role, metric=metric, period=period, starts_on=SINCE, defaults={"value": value}
            )


def remove_defaults(apps, schema_editor):
    Target = apps.get_model("activities", "Target")
    Target.objects.filter(role__in=ROLES, starts_on=SINCE, user=None, team=None).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0006_targets")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
