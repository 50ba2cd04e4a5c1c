"""The monthly report as a document: HTML rendered in the user's language, printed to PDF by WeasyPrint
with the Noto fonts (Latin, Cyrillic, Armenian and Chinese)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from klient.reports.models import MonthlyReport

# The names of the figures, in the order the report shows them.
FIGURE_LABELS = {
    "calls": _("Calls"),
    "phone_offers": _("Phone offers"),
    "proposal_emails": _("Proposal emails"),
    "meetings": _("Meetings"),
    "visits": _("Visits"),
    "new_clients": _("New clients"),
}
METRIC_LABELS = {
    "calls": _("Calls"),
    "phone_offers": _("Phone offers"),
    "proposal_emails": _("Proposal emails"),
    "new_contracts": _("New contracts"),
}


def figure_rows(report: MonthlyReport) -> list[tuple[str, Any]]:
    """(label, value) of each figure, labels in the active language."""
    figures = report.figures or {}
    return [(str(label), figures.get(code, 0)) for code, label in FIGURE_LABELS.items()]


def target_rows(report: MonthlyReport) -> list[dict[str, Any]]:
    """The month's targets with their labels in the active language."""
    return [
        {**item, "label": str(METRIC_LABELS.get(item.get("metric", ""), item.get("metric", "")))}
        for item in (report.figures or {}).get("targets", [])
    ]


def monthly_report_pdf(report: MonthlyReport) -> bytes:
    """The report as a PDF in its user's language and time zone, with the comment as it stands."""
    import weasyprint  # type: ignore[import-untyped]  # loaded on first use: Pango and fonts take a moment

    user = report.user
    with translation.override(user.language), timezone.override(user.tzinfo):
        html = render_to_string(
            "reports/monthly_report_pdf.html",
            {
                "report": report,
                "person": user,
                "figures": figure_rows(report),
                "targets": target_rows(report),
                "language": user.language,
            },
        )
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def monthly_report_filename(report: MonthlyReport) -> str:
    """The PDF's file name: report-<username>-<YYYY-MM>.pdf."""
    return f"report-{report.user.username}-{report.month:%Y-%m}.pdf"
