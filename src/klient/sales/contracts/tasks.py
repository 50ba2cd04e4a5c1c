"""Scheduled jobs of contracts (daily, see CELERY_BEAT_SCHEDULE): thin calls to the services."""

from celery import shared_task
from django.utils import timezone

from klient.sales.contracts.services import contracts_advance


@shared_task(name="klient.sales.contracts.tasks.contracts_advance_due")
def contracts_advance_due() -> dict[str, int]:
    """Activate the signed contracts whose start has come and expire the active ones that have ended."""
    return contracts_advance(today=timezone.localdate())
