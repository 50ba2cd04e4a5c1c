"""State changes of the monthly reports: build, comment, finalise, send; each audited in its transaction.

The schedule (reports/tasks.py, hourly) calls `monthly_reports_build_due` and `monthly_reports_finalize_due`,
which act for the users whose local date has come: a report is built on the 1st, its comment stays open
until midnight starting the 3rd on the user's clock, and then it is final and mailed to the manager.
"""

from __future__ import annotations

import datetime
import logging

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.core.roles import SALES_ROLES
from klient.reports.documents import monthly_report_filename, monthly_report_pdf
from klient.reports.models import MonthlyReport
from klient.reports.selectors import monthly_figures, report_manager

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 5000
# Days of the month on which a missing report of the previous month is built (the 2nd catches a
# schedule that missed the 1st; the comment is still open then).
BUILD_DAYS = (1, 2)
# A final report not yet mailed (the manager was missing) is tried again for this long.
SEND_RETRY_DAYS = 31


def previous_month(day: datetime.date) -> datetime.date:
    """The first day of the month before the day's month."""
    return day.replace(day=1) - relativedelta(months=1)


def comment_deadline(report: MonthlyReport) -> datetime.datetime:
    """When the comment closes and the report becomes final: midnight starting the 3rd of the next month
    on the user's clock."""
    third = report.month.replace(day=1) + relativedelta(months=1, day=3)
    return datetime.datetime.combine(third, datetime.time(), report.user.tzinfo)


def comment_is_open(report: MonthlyReport, now: datetime.datetime | None = None) -> bool:
    """Whether the user may still write the comment."""
    return not report.is_final and (now or timezone.now()) < comment_deadline(report)


def _store_pdf(report: MonthlyReport) -> str:
    """Print the report and put the file on it (unsaved); the previous file's name, or ""."""
    previous = report.pdf.name or ""
    report.pdf.save(monthly_report_filename(report), ContentFile(monthly_report_pdf(report)), save=False)
    return previous


def _delete_file_after_commit(report: MonthlyReport, name: str) -> None:
    if name and name != report.pdf.name:
        storage = report.pdf.storage
        transaction.on_commit(lambda: storage.delete(name))


def monthly_report_build(
    *, user: User, month: datetime.date, now: datetime.datetime | None = None
) -> MonthlyReport:
    """The user's report of the month, built with its figures and a draft PDF if there is none yet
    (building again returns the same report, unchanged)."""
    month = month.replace(day=1)
    existing = MonthlyReport.objects.select_related("user").filter(user=user, month=month).first()
    if existing is not None:
        return existing
    report = MonthlyReport(
        user=user,
        month=month,
        figures=monthly_figures(user=user, month=month),
        generated_at=now or timezone.now(),
    )
    _store_pdf(report)
    try:
        with transaction.atomic():
            report.save()
            audit_log(
                instance=report,
                action=AuditAction.CREATE,
                actor=None,
                changes=diff({}, snapshot(report, MonthlyReport.AUDITED_FIELDS)),
            )
    except IntegrityError:
        # Built meanwhile by another worker: theirs is the report, this file is nobody's.
        report.pdf.storage.delete(report.pdf.name)
        return MonthlyReport.objects.select_related("user").get(user=user, month=month)
    return report


@transaction.atomic
def monthly_report_comment(
    *, report: MonthlyReport, actor: User, comment: str, now: datetime.datetime | None = None
) -> MonthlyReport:
    """Set the user's comment on their report; refused once the report is final (the 3rd, their clock)."""
    if actor.pk != report.user_id:
        raise NotAllowed(_("Only the author of a report comments on it."))
    current = MonthlyReport.objects.select_for_update(of=("self",)).select_related("user").get(pk=report.pk)
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError({"comment": _("At most %(count)d characters.") % {"count": COMMENT_MAX_LENGTH}})
    if not comment_is_open(current, now):
        raise ValidationError({"comment": _("The report is final: its comment can no longer change.")})
    before = snapshot(current, MonthlyReport.AUDITED_FIELDS)
    current.comment = comment
    changes = diff(before, snapshot(current, MonthlyReport.AUDITED_FIELDS))
    if changes:
        current.save(update_fields=["comment"])
        audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current


@transaction.atomic
def monthly_report_finalize(*, report: MonthlyReport, now: datetime.datetime | None = None) -> MonthlyReport:
    """Make the report final: count the figures again, print the PDF with the comment, keep it, and mail
    it to the manager. Once: a final report is returned as it is."""
    current = MonthlyReport.objects.select_for_update(of=("self",)).select_related("user").get(pk=report.pk)
    if current.is_final:
        return current
    before = snapshot(current, MonthlyReport.AUDITED_FIELDS)
    current.figures = monthly_figures(user=current.user, month=current.month)
    current.finalized_at = now or timezone.now()
    previous = _store_pdf(current)
    current.save(update_fields=["figures", "finalized_at", "pdf"])
    _delete_file_after_commit(current, previous)
    audit_log(
        instance=current,
        action=AuditAction.UPDATE,
        actor=None,
        changes=diff(before, snapshot(current, MonthlyReport.AUDITED_FIELDS)),
    )
    monthly_report_send(report=current, now=now)
    return current


@transaction.atomic
def monthly_report_send(*, report: MonthlyReport, now: datetime.datetime | None = None) -> bool:
    """Queue the final report's PDF to the user's manager, once (claimed by `sent_at`, and the mail's
    idempotency key "monthly-report:<id>"). False when it is not final, has no manager, or went."""
    from klient.mail.services import mail_to_user

    user = report.user
    manager = report_manager(user)
    if manager is None or not report.is_final or report.sent_at is not None:
        return False
    moment = now or timezone.now()
    with report.pdf.open("rb") as handle:
        content = handle.read()
    month = f"{report.month:%Y-%m}"
    with translation.override(manager.language):
        subject = _("Monthly report of %(name)s, %(month)s") % {"name": str(user), "month": month}
        body = _(
            "The activity report of %(name)s for %(month)s is final; it is attached as a PDF, with their comment."
        ) % {"name": str(user), "month": month}
    try:
        with transaction.atomic():
            # Claimed by a conditional update: of two workers sending at once, one sends.
            if not MonthlyReport.objects.filter(pk=report.pk, sent_at__isnull=True).update(sent_at=moment):
                return False
            before = snapshot(report, MonthlyReport.AUDITED_FIELDS)
            report.sent_at = moment
            mail_to_user(
                user=manager,
                subject=subject,
                body=body,
                key=f"monthly-report:{report.pk}",
                attachments=[(monthly_report_filename(report), content, "application/pdf")],
            )
            audit_log(
                instance=report,
                action=AuditAction.UPDATE,
                actor=None,
                changes=diff(before, snapshot(report, MonthlyReport.AUDITED_FIELDS)),
            )
    except ValidationError:
        # The manager has no address: the report stays unsent and is tried again by the schedule.
        report.sent_at = None
        logger.warning("Monthly report %s not sent: %s has no email address", report.pk, manager)
        return False
    return True


def _sales_users() -> list[User]:
    return list(User.objects.filter(is_active=True, role__in=SALES_ROLES).select_related("team__lead"))


def monthly_reports_build_due(*, now: datetime.datetime | None = None) -> list[MonthlyReport]:
    """Build the previous month's report of every active sales user whose local date is the 1st (or the
    2nd, after a missed run); the reports built or found."""
    moment = now or timezone.now()
    reports = []
    for user in _sales_users():
        local_day = moment.astimezone(user.tzinfo).date()
        if local_day.day in BUILD_DAYS:
            reports.append(monthly_report_build(user=user, month=previous_month(local_day), now=moment))
    return reports


def monthly_reports_finalize_due(*, now: datetime.datetime | None = None) -> list[MonthlyReport]:
    """Finalise (and mail) every report whose comment has closed on its user's clock, and mail final
    reports that could not be mailed before (their user had no manager); the reports made final."""
    moment = now or timezone.now()
    finalized = []
    for report in MonthlyReport.objects.filter(finalized_at__isnull=True).select_related("user__team__lead"):
        if moment >= comment_deadline(report):
            finalized.append(monthly_report_finalize(report=report, now=moment))
    unsent = MonthlyReport.objects.filter(
        finalized_at__isnull=False,
        sent_at__isnull=True,
        finalized_at__gte=moment - datetime.timedelta(days=SEND_RETRY_DAYS),
    ).select_related("user__team__lead")
    for report in unsent:
        monthly_report_send(report=report, now=moment)
    return finalized
