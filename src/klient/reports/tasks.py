"""Scheduled jobs of the reports (hourly, see CELERY_BEAT_SCHEDULE): thin calls to the services, which
act only for the users whose local date has come and do each thing once."""

from celery import shared_task

from klient.reports.services import monthly_reports_build_due, monthly_reports_finalize_due


@shared_task(name="klient.reports.tasks.monthly_reports_build")
def monthly_reports_build() -> int:
    """Build last month's reports of the users for whom it is the 1st; how many reports there are."""
    return len(monthly_reports_build_due())


@shared_task(name="klient.reports.tasks.monthly_reports_finalize")
def monthly_reports_finalize() -> int:
    """Finalise and mail the reports whose comment has closed; how many were made final."""
    return len(monthly_reports_finalize_due())
