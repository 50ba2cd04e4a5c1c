"""Tickets on the client card's timeline (see klient.customers.timeline): each at the time it was opened."""

from __future__ import annotations

from typing import Any

from klient.core.models import User


def _tickets(ids: list[int], viewer: User) -> Any:
    from klient.service.models import Ticket

    return Ticket.objects.filter(pk__in=ids).select_related("assignee")


def register() -> None:
    """Add tickets to their company's timeline, at the time they were opened."""
    from klient.customers.timeline import register_timeline_source
    from klient.service.models import Ticket

    register_timeline_source(
        "ticket",
        rows=lambda company_id: Ticket.objects.filter(company_id=company_id),
        at_field="created_at",
        fetch=_tickets,
        template="service/timeline_ticket.html",
        permission="service.view_ticket",
    )
