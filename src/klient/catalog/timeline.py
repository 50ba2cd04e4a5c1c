"""Logistics requests on the client card's timeline (see klient.customers.timeline)."""

from __future__ import annotations

from typing import Any

from klient.core.models import User


def _requests(ids: list[int], viewer: User) -> Any:
    from klient.catalog.models import LogisticsRequest

    return LogisticsRequest.objects.filter(pk__in=ids).select_related("product", "requested_by", "assignee")


def register() -> None:
    """Add logistics requests to their company's timeline, at the time they were made."""
    from klient.catalog.models import LogisticsRequest
    from klient.customers.timeline import register_timeline_source

    register_timeline_source(
        "logistics_request",
        rows=lambda company_id: LogisticsRequest.objects.filter(company_id=company_id),
        at_field="created_at",
        fetch=_requests,
        template="catalog/timeline_logistics_request.html",
        permission="catalog.view_logisticsrequest",
    )
