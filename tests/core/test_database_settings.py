"""Database settings read from the environment."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection


def _databases(**environment: str) -> dict:
    code = "import json, klient.settings as s; print(json.dumps(s.DATABASES['default'], default=str))"
    env = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "KLIENT_PG_OPTIONS"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env={**env, **environment}, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_postgresql_sessions_run_without_jit_and_parallel_workers():
    database = _databases(DATABASE_URL="postgres://klient:secret@db.example.com:5432/klient")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["OPTIONS"] == {"options": "-c jit=off -c max_parallel_workers_per_gather=0"}


def test_the_postgresql_session_options_can_be_changed():
    database = _databases(DATABASE_URL="postgres://db.example.com/klient", KLIENT_PG_OPTIONS="")
    assert database["OPTIONS"] == {"options": ""}


def test_sqlite_gets_no_postgresql_options():
    database = _databases()
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert "options" not in database["OPTIONS"]


@pytest.mark.django_db
def test_the_live_connection_has_the_settings():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT current_setting('jit'), current_setting('max_parallel_workers_per_gather')"
            )
            assert cursor.fetchone() == ("off", "0")
        else:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] in {"wal", "memory"}
