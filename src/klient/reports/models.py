"""Tables of the reports app: the monthly activity report of each sales user."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthlyReport(models.Model):
    """A sales user's figures for one calendar month (in their time zone), with their comment.

    Built on the 1st of the next month; the user may comment until the end of the 2nd; on the 3rd it is
    final (`finalized_at`): the figures are counted again, the PDF is rebuilt with the comment and kept,
    and it is mailed to the leader of the user's team (`sent_at`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="monthly_reports",
    )
    # The first day of the month reported on.
    month = models.DateField(_("month"))
    # {"calls": int, "phone_offers": int, "proposal_emails": int, "meetings": int, "visits": int,
    #  "new_clients": int, "targets": [{"metric", "target", "done", "is_met"}]}
    figures = models.JSONField(_("figures"), default=dict)
    comment = models.TextField(_("comment"), blank=True)
    generated_at = models.DateTimeField(_("generated"))
    finalized_at = models.DateTimeField(_("final since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="reports/monthly/%Y/%m/", blank=True)

    AUDITED_FIELDS = ["comment", "finalized_at", "sent_at"]

    class Meta:
        ordering = ["-month", "-id"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        permissions = [("view_call_analysis", _("Can view the call-result analysis"))]
        constraints = [models.UniqueConstraint(fields=["user", "month"], name="monthly_report_once")]
        indexes = [models.Index(fields=["-month", "-id"]), models.Index(fields=["finalized_at", "month"])]

    def __str__(self) -> str:
        return f"{self.user} {self.month:%Y-%m}"

    @property
    def is_final(self) -> bool:
        return self.finalized_at is not None
