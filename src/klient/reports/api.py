"""The reports API: the call-result analysis, and the monthly activity reports (list and one)."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from klient.activities.api import IsoDate
from klient.api.responses import page_response
from klient.api.schemas import ERRORS
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import reader
from klient.reports.models import MonthlyReport
from klient.reports.selectors import (
    CallGroupRow,
    call_analysis,
    month_to_date,
    monthly_report_list,
    parse_month,
    period_check,
)
from klient.reports.services import comment_deadline, comment_is_open

router = Router(tags=["reports"])

CALLS = "reports.view_call_analysis"
MONTHLY = "reports.view_monthlyreport"


class CallAnalysisParams(Schema):
    start: IsoDate | None = Field(
        None, description="First day (your time zone); the 1st of this month by default"
    )
    end: IsoDate | None = Field(None, description="Last day, included; today by default")
    group: Literal["rep", "day", "segment", "hour"] = Field("rep", description="How the calls are grouped")


class CallGroupOut(Schema):
    key: str = Field(description="Username (rep), YYYY-MM-DD (day) or the segment (empty: none)")
    label: str = Field(description="The rep's name, the day or the segment")
    calls: int
    outcomes: dict[str, int] = Field(description="Calls by outcome code")
    without_outcome: int = Field(description="Done calls with no outcome recorded")
    companies: int = Field(description="Companies called")
    offer_companies: int = Field(description="Companies with a call whose outcome is offer_made")
    offer_rate: float | None = Field(description="offer_companies / companies; null when none was called")
    contracts_later: int | None = Field(description="Contracts marked “later” (null until contracts exist)")


class CallHourOut(Schema):
    weekday: int = Field(description="ISO weekday: 1 Monday … 7 Sunday, on the rep's clock")
    hour: int = Field(description="0–23 on the rep's clock")
    calls: int
    positive: int = Field(description="Calls with the outcome reached, interested or offer_made")
    positive_share: float | None


class CallAnalysisOut(Schema):
    start: datetime.date
    end: datetime.date
    group: str
    outcomes: list[str] = Field(description="Outcome codes, in the columns' order")
    total: CallGroupOut
    rows: list[CallGroupOut] = Field(description="One per rep, day or segment (empty for group=hour)")
    hours: list[CallHourOut] = Field(description="One per weekday and hour with calls (group=hour only)")


class TargetOut(Schema):
    metric: str
    target: int
    done: int
    is_met: bool


class FiguresOut(Schema):
    calls: int
    phone_offers: int
    proposal_emails: int = Field(description="Proposal emails, counted once per company and day")
    meetings: int
    visits: int
    new_clients: int = Field(description="Companies the user owns that became customers in the month")
    targets: list[TargetOut] = Field(description="The month's targets; empty when none are set")


class MonthlyReportOut(Schema):
    id: int
    user: str = Field(description="Username")
    month: str = Field(description="YYYY-MM")
    figures: FiguresOut
    comment: str
    comment_open: bool = Field(description="Whether the author may still change the comment")
    comment_deadline: datetime.datetime = Field(description="When the report becomes final")
    generated_at: datetime.datetime
    finalized_at: datetime.datetime | None
    sent_at: datetime.datetime | None = Field(description="When it was queued to the team lead")
    pdf_url: str


class MonthlyReportPage(Schema):
    items: list[MonthlyReportOut]
    next: str | None


def _group_out(row: CallGroupRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "calls": row.calls,
        "outcomes": row.outcomes,
        "without_outcome": row.without_outcome,
        "companies": row.companies,
        "offer_companies": row.offer_companies,
        "offer_rate": row.offer_rate,
        "contracts_later": row.contracts_later,
    }


def monthly_report_out(report: MonthlyReport) -> dict[str, Any]:
    """A monthly report as the API shows it."""
    figures = {"targets": [], **(report.figures or {})}
    return {
        "id": report.pk,
        "user": report.user.username,
        "month": f"{report.month:%Y-%m}",
        "figures": figures,
        "comment": report.comment,
        "comment_open": comment_is_open(report),
        "comment_deadline": comment_deadline(report).astimezone(datetime.UTC),
        "generated_at": report.generated_at,
        "finalized_at": report.finalized_at,
        "sent_at": report.sent_at,
        "pdf_url": reverse("reports:monthly_pdf", args=[report.pk]),
    }


@router.get(
    "/reports/calls",
    response={200: CallAnalysisOut, **ERRORS},
    summary="Call results of a period by rep, day, segment or hour (the calls you may report on)",
)
def reports_calls(request: HttpRequest, query: Query[CallAnalysisParams]) -> dict[str, Any]:
    user = reader(request, CALLS)
    default_start, default_end = month_to_date(user)
    start = query.start or default_start
    end = query.end or default_end
    group = query.group
    period_check(start, end)
    analysis = call_analysis(user=user, start=start, end=end, group=group)
    return {
        "start": analysis.start,
        "end": analysis.end,
        "group": analysis.group,
        "outcomes": [outcome.code for outcome in analysis.outcomes],
        "total": _group_out(analysis.total),
        "rows": [_group_out(row) for row in analysis.rows],
        "hours": [
            {
                "weekday": row.weekday,
                "hour": row.hour,
                "calls": row.calls,
                "positive": row.positive,
                "positive_share": row.positive_share,
            }
            for row in analysis.hours
        ],
    }


@router.get(
    "/reports/monthly",
    response={200: MonthlyReportPage, **ERRORS},
    summary="Monthly activity reports you may read (yours; your team's as its manager), newest first",
)
def reports_monthly_list(
    request: HttpRequest,
    user: str | None = Query(None, description="Username"),
    month: str | None = Query(None, description="YYYY-MM"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    caller = reader(request, MONTHLY)
    reports = monthly_report_list(user=caller)
    if user:
        reports = reports.filter(user__username=user)
    if month:
        reports = reports.filter(month=parse_month(month))
    page = keyset_paginate(reports, ordering=["-month", "-id"], cursor=cursor, limit=limit)
    return page_response(
        {"items": [monthly_report_out(item) for item in page.items], "next": page.next_cursor}
    )


@router.get(
    "/reports/monthly/{report_id}",
    response={200: MonthlyReportOut, **ERRORS},
    summary="One monthly report (404 when you may not read it)",
)
def reports_monthly_read(request: HttpRequest, report_id: int) -> dict[str, Any]:
    return monthly_report_out(monthly_report_list(user=reader(request, MONTHLY)).get(pk=report_id))


__all__ = ["router"]
