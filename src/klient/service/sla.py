"""Service levels in business time. (Interface only: the business-time arithmetic, policies, pause and
escalation are filled in by the SLA work.)"""

from __future__ import annotations

import datetime

from klient.core.models import User
from klient.service.models import Ticket


def ticket_sla_update(ticket: Ticket, *, now: datetime.datetime, actor: User | None = None, reason: str = "") -> None:
    """Bring the ticket's SLA fields (policy, due times, pause, sla_status) in line with its current state,
    in memory, recording SLA events for what changed; the caller saves the ticket."""
