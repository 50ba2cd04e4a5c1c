"""Company.owner and Company.team lose their single-column indexes: the (owner, name, id) and
(team, name, id) indexes serve every lookup by owner or team, and each index slows every write down.

The indexes are dropped by name rather than by AlterField, which on SQLite rebuilds the table (and drops
the search index's triggers with it).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "customers_company_owner_id_0e4df49e": "owner_id",
    "customers_company_team_id_16ce319a": "team_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_fewer_indexes"),
        ("customers", "0004_duplicate_dismissal"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="company",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="companies_owned",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
                migrations.AlterField(
                    model_name="company",
                    name="team",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="companies",
                        to="core.team",
                        verbose_name="team",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "customers_company" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
        ),
    ]
