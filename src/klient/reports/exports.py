"""The call-result analysis as rows for CSV and XLSX, headed in the viewer's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from klient.reports.selectors import CallAnalysis


def _percent(value: float | None) -> Decimal | None:
    # A Decimal, so that the spreadsheet gets a number (and the CSV "66.7").
    return None if value is None else Decimal(str(round(value * 100, 1)))


def weekday_name(weekday: int) -> str:
    """The ISO weekday (1 Monday … 7 Sunday) by name, in the active language."""
    return str(WEEKDAYS[weekday - 1])


def call_analysis_table(analysis: CallAnalysis) -> tuple[list[str], list[list[Any]]]:
    """The header and the rows of the analysis as the page shows them (shares in per cent)."""
    if analysis.group == "hour":
        header = [_("Weekday"), _("Hour"), _("Calls"), _("Reached, interested or offer"), _("Share %")]
        rows = [
            [
                weekday_name(row.weekday),
                f"{row.hour:02d}:00",
                row.calls,
                row.positive,
                _percent(row.positive_share),
            ]
            for row in analysis.hours
        ]
        return header, rows
    first = {"rep": _("Rep"), "day": _("Day"), "segment": _("Segment")}[analysis.group]
    header = [
        first,
        _("Calls"),
        *(outcome.label for outcome in analysis.outcomes),
        _("No outcome"),
        _("Companies called"),
        _("Companies with an offer"),
        _("Call → offer %"),
        _("Contracts marked “later”"),
    ]
    rows = []
    for row in [*analysis.rows, analysis.total]:
        label = row.label if row is not analysis.total else _("Total")
        if analysis.group == "segment" and row is not analysis.total and not row.key:
            label = _("(no segment)")
        rows.append(
            [
                label,
                row.calls,
                *(row.outcomes.get(outcome.code, 0) for outcome in analysis.outcomes),
                row.without_outcome,
                row.companies,
                row.offer_companies,
                _percent(row.offer_rate),
                row.contracts_later,
            ]
        )
    return header, rows
