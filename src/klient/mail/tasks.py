"""Jobs of the mail app: thin, idempotent wrappers around the outbox services."""

from __future__ import annotations

from celery import shared_task

from klient.mail import services


@shared_task(name="klient.mail.tasks.outbox_deliver")
def outbox_deliver_task(message_id: int) -> str:
    """Send one outbox message if it is due and unclaimed; a second delivery of the job does nothing."""
    return services.outbox_deliver(message_id=message_id)


@shared_task(name="klient.mail.tasks.outbox_sweep")
def outbox_sweep_task() -> int:
    """Send what is due: retries, throttled mailing messages, rows left by a worker that died."""
    return services.outbox_sweep()
