"""Jobs of the service desk: thin wrappers around services, idempotent."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

# --- SLA (klient.service.sla) ---------------------------------------------------------------------------


@shared_task(name="klient.service.tasks.sla_escalate_due")
def sla_escalate_due() -> dict[str, int]:
    """Every minute: warn assignees at 75 % of a target, escalate breaches to the queue's lead."""
    from klient.service.sla import sla_escalate

    return sla_escalate(now=timezone.now())


@shared_task(name="klient.service.tasks.sla_recompute_changed")
def sla_recompute_changed(policy_id: int | None = None, calendar_id: int | None = None) -> int:
    """After a calendar or policy changed: recompute the open tickets it affects."""
    from klient.service.models import BusinessCalendar, SlaPolicy
    from klient.service.sla import sla_recompute

    policy = SlaPolicy.objects.filter(pk=policy_id).first() if policy_id else None
    calendar = BusinessCalendar.objects.filter(pk=calendar_id).first() if calendar_id else None
    if (policy_id and policy is None) or (calendar_id and calendar is None):
        return 0
    return sla_recompute(policy=policy, calendar=calendar)


# --- mail intake -----------------------------------------------------------------------------------------


@shared_task(name="klient.service.tasks.mail_fetch")
def mail_fetch() -> int:
    """Poll every active IMAP mailbox once (a message is flagged on the server only after its commit)."""
    from klient.service import intake

    return intake.mailboxes_poll()


@shared_task(name="klient.service.tasks.mail_intake_sweep")
def mail_intake_sweep() -> int:
    """Process again the stored messages a crashed process left received (older than two minutes)."""
    from klient.service import intake

    return intake.sweep()
