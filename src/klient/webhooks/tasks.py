"""Jobs of the webhooks app: thin, idempotent wrappers around the delivery services."""

from __future__ import annotations

from celery import shared_task

from klient.webhooks import services


@shared_task(name="klient.webhooks.tasks.webhook_deliver")
def webhook_deliver_task(delivery_id: int) -> str:
    """POST one delivery if it is due and unclaimed; a second run of the job does nothing."""
    return services.webhook_deliver(delivery_id=delivery_id)


@shared_task(name="klient.webhooks.tasks.webhook_sweep")
def webhook_sweep_task() -> int:
    """Send what is due: retries, lost jobs, rows left by a worker that died."""
    return services.webhook_sweep()
