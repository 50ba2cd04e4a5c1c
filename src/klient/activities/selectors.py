"""Reads of activities: every one starts from what the user may see."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from klient.activities.models import Activity
from klient.core.models import User


def activity_list(
    *,
    user: User,
    owner: User | None = None,
    company_id: int | None = None,
    kind: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    is_done: bool | None = None,
) -> QuerySet[Activity]:
    """Activities with companies the user sees, narrowed by owner, company, kind, state and a period of
    days (both included, in the user's time zone) on the time each was done, is due or was written."""
    activities = Activity.objects.visible_to(user).select_related("company", "contact", "owner", "outcome")
    if owner is not None:
        activities = activities.filter(owner=owner)
    if company_id is not None:
        activities = activities.filter(company_id=company_id)
    if kind is not None:
        activities = activities.filter(kind=kind)
    if is_done is not None:
        activities = activities.filter(done_at__isnull=not is_done)
    zone = user.tzinfo
    if start is not None:
        activities = activities.filter(at__gte=datetime.datetime.combine(start, datetime.time(), zone))
    if end is not None:
        next_day = end + datetime.timedelta(days=1)
        activities = activities.filter(at__lt=datetime.datetime.combine(next_day, datetime.time(), zone))
    return activities
