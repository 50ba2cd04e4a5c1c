"""Jobs of the quotes app: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task

from klient.sales.quotes import services


@shared_task(name="klient.sales.quotes.tasks.mass_proposal_send")
def mass_proposal_send_task(mass_proposal_id: int) -> int:
    """Send one step of a mass proposal's quotes and, while some are still queued, queue itself again
    after the step's pause: at most KLIENT_MASS_PROPOSAL_PER_MINUTE a minute. Each item is claimed with
    a conditional update, so a second delivery of the job sends nothing twice. Answers how many it
    handled."""
    step = services.mass_proposal_send_step(mass_proposal_id=mass_proposal_id)
    if step.remaining:
        mass_proposal_send_task.apply_async((mass_proposal_id,), countdown=step.pause)
    return step.handled
