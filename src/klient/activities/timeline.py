"""Activities on the client card's timeline (see klient.customers.timeline)."""

from __future__ import annotations

from typing import Any

from klient.core.models import User


def _activities(ids: list[int], viewer: User) -> Any:
    from klient.activities.models import Activity

    return Activity.objects.filter(pk__in=ids).select_related("contact", "owner", "outcome")


def register() -> None:
    """Add activities to every company's timeline, at the time each was done, is due or was written."""
    from klient.activities.models import Activity
    from klient.customers.timeline import register_timeline_source

    register_timeline_source(
        "activity",
        rows=lambda company_id: Activity.objects.filter(company_id=company_id),
        at_field="at",
        fetch=_activities,
        template="activities/timeline_activity.html",
    )
