"""AuditEntry.content_type and AuditEntry.object_id lose their single-column indexes: the
(content_type, object_id, -at) index serves every lookup by either, and each index slows every write
down (an import writes one entry a record).

The indexes are dropped by name rather than by AlterField, which on SQLite rebuilds the whole table.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "core_auditentry_content_type_id_797ef574": "content_type_id",
    "core_auditentry_object_id_bb227230": "object_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0004_auditentry_company"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="contenttypes.contenttype",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="object_id",
                    field=models.BigIntegerField(),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "core_auditentry" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
        ),
    ]
