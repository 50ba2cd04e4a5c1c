"""Full-text indexes for the search service (klient.core.search) over companies' and contacts' search_text.

SQLite: an external-content FTS5 table per model, kept in step with the table by triggers.
PostgreSQL: a GIN index on to_tsvector('simple', search_text). Existing rows get their search_text
rebuilt by today's rules (CJK pairs, phone forms) first.
"""

# ruff: noqa: S608 - statements built from our own table names, no user input.
from typing import Any

from django.db import migrations

TABLES = ["customers_company", "customers_contact"]


def _sqlite_create(table: str) -> list[str]:
    fts = f"{table}_fts"
    # detail=full keeps positions: a word that unicode61 splits in two still matches as a phrase.
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_text ON {table} "
        "WHEN old.search_text IS NOT new.search_text BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _sqlite_drop(table: str) -> list[str]:
    fts = f"{table}_fts"
    return [
        f"DROP TRIGGER IF EXISTS {fts}_insert",
        f"DROP TRIGGER IF EXISTS {fts}_delete",
        f"DROP TRIGGER IF EXISTS {fts}_update",
        f"DROP TABLE IF EXISTS {fts}",
    ]


def _postgresql_create(table: str) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {table}_search_gin ON {table} "
        "USING gin (to_tsvector('simple'::regconfig, search_text))"
    ]


def _postgresql_drop(table: str) -> list[str]:
    return [f"DROP INDEX IF EXISTS {table}_search_gin"]


def _run(schema_editor: Any, statements: list[str]) -> None:
    for statement in statements:
        schema_editor.execute(statement, params=None)


def rebuild_search_text(apps: Any, schema_editor: Any) -> None:
    """Recompute search_text of existing rows with the rules the services use today."""
    from klient.customers.services import company_search_text, contact_search_text

    database = schema_editor.connection.alias
    for model_name, compute in (("Company", company_search_text), ("Contact", contact_search_text)):
        model = apps.get_model("customers", model_name)
        batch = []
        for record in model.objects.using(database).order_by("pk").iterator(chunk_size=2000):
            text = compute(record)
            if text != record.search_text:
                record.search_text = text
                batch.append(record)
            if len(batch) >= 2000:
                model.objects.using(database).bulk_update(batch, ["search_text"])
                batch = []
        model.objects.using(database).bulk_update(batch, ["search_text"])


def create_indexes(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            _run(schema_editor, _sqlite_create(table))
        elif vendor == "postgresql":
            _run(schema_editor, _postgresql_create(table))


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            _run(schema_editor, _sqlite_drop(table))
        elif vendor == "postgresql":
            _run(schema_editor, _postgresql_drop(table))


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_cards_contacts_imports")]

    operations = [
        migrations.RunPython(rebuild_search_text, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
