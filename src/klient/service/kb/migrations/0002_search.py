"""The search index over translations' search_text, as klient.core.search reads it (see customers 0003):
an external-content FTS5 table kept in step by triggers on SQLite, a GIN full-text index on PostgreSQL."""

# ruff: noqa: S608 - statements built from our own table names, no user input.
from typing import Any

from django.db import migrations

TABLE = "kb_articletranslation"
FTS = f"{TABLE}_fts"

SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(search_text, content='{TABLE}', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF search_text ON {TABLE} "
    "WHEN old.search_text IS NOT new.search_text BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TABLE IF EXISTS {FTS}",
]
POSTGRESQL_CREATE = [
    f"CREATE INDEX IF NOT EXISTS {TABLE}_search_gin ON {TABLE} "
    "USING gin (to_tsvector('simple'::regconfig, search_text))"
]
POSTGRESQL_DROP = [f"DROP INDEX IF EXISTS {TABLE}_search_gin"]


def _run(schema_editor: Any, sqlite: list[str], postgresql: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    statements = sqlite if vendor == "sqlite" else postgresql if vendor == "postgresql" else []
    for statement in statements:
        schema_editor.execute(statement, params=None)


def create_index(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, SQLITE_CREATE, POSTGRESQL_CREATE)


def drop_index(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, SQLITE_DROP, POSTGRESQL_DROP)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
