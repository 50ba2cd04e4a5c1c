"""Demo monthly reports: last month's report of every demo rep, so the reports look alive on first run."""

from __future__ import annotations

from django.utils import timezone

from klient.core.models import User
from klient.reports.models import MonthlyReport
from klient.reports.services import monthly_report_build, previous_month


def demo_reports_load(owners: list[User]) -> int:
    """Build the previous month's report (on each owner's clock) of every owner who has none; returns how
    many were built. The schedule then handles them as any other: open for a comment until the 3rd, then
    final and mailed to the manager."""
    built = 0
    now = timezone.now()
    for owner in owners:
        month = previous_month(now.astimezone(owner.tzinfo).date())
        if not MonthlyReport.objects.filter(user=owner, month=month).exists():
            monthly_report_build(user=owner, month=month, now=now)
            built += 1
    return built
