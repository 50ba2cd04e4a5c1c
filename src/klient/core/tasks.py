"""Jobs of the core app: thin, idempotent wrappers around services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import connection

from klient.core import services


@shared_task(name="klient.core.tasks.delegations_close_ended")
def delegations_close_ended() -> int:
    """Record the end of delegations whose last day has passed."""
    return services.delegations_close_ended()


@shared_task(name="klient.core.tasks.api_tokens_purge_expired")
def api_tokens_purge_expired() -> int:
    """Delete long-dead API tokens."""
    return services.api_tokens_purge_expired()


@shared_task(name="klient.core.tasks.health_check")
def health_check() -> dict[str, Any]:
    """Answer from a worker: proves the broker, the worker and the database are connected."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone() or (0,)
    return {"database": connection.vendor, "ok": one == 1}
