"""Report screens: the call-result analysis (with CSV and XLSX exports) and the monthly reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from klient.core.models import User
from klient.core.pagination import InvalidCursor, keyset_paginate
from klient.customers.exports import csv_response, xlsx_response
from klient.reports.documents import figure_rows, monthly_report_filename, monthly_report_pdf, target_rows
from klient.reports.exports import call_analysis_table, weekday_name
from klient.reports.forms import CallAnalysisFilterForm, MonthlyReportCommentForm
from klient.reports.models import MonthlyReport
from klient.reports.selectors import (
    CallAnalysis,
    call_analysis,
    month_to_date,
    monthly_report_list,
    parse_month,
    period_check,
)
from klient.reports.services import comment_deadline, comment_is_open, monthly_report_comment

CALLS = "reports.view_call_analysis"
MONTHLY = "reports.view_monthlyreport"
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def reports_index_view(request: HttpRequest) -> HttpResponse:
    """The reports the user may open."""
    user = _user(request)
    if not (user.has_perm(CALLS) or user.has_perm(MONTHLY)):
        raise PermissionDenied
    return render(
        request,
        "reports/index.html",
        {"can_analyse_calls": user.has_perm(CALLS), "can_read_monthly": user.has_perm(MONTHLY)},
    )


def _analysis(request: HttpRequest) -> tuple[CallAnalysisFilterForm, CallAnalysis | None]:
    user = _user(request)
    start, end = month_to_date(user)
    form = CallAnalysisFilterForm(request.GET, start=start, end=end)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    try:
        period_check(data["start"], data["end"])
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field, message)
        return form, None
    return form, call_analysis(user=user, start=data["start"], end=data["end"], group=data["group"])


@login_required
@permission_required(CALLS, raise_exception=True)
def call_analysis_view(request: HttpRequest) -> HttpResponse:
    """Outcomes and conversion of the calls in the user's sight, by rep, day, segment or hour."""
    form, analysis = _analysis(request)
    context: dict[str, Any] = {"form": form, "analysis": analysis}
    if analysis is not None:
        header, rows = call_analysis_table(analysis)
        context.update(header=header, rows=rows, export_query=request.GET.urlencode())
        rate = analysis.total.offer_rate
        context["offer_percent"] = None if rate is None else round(rate * 100, 1)
        context["weekday_names"] = {day: weekday_name(day) for day in range(1, 8)}
    return render(request, "reports/call_analysis.html", context, status=200 if analysis else 400)


def _export_table(request: HttpRequest) -> tuple[list[str], list[list[Any]], str]:
    form, analysis = _analysis(request)
    if analysis is None:
        raise ValidationError(form.errors.get_json_data())
    header, rows = call_analysis_table(analysis)
    name = f"calls-{analysis.group}-{analysis.start:%Y%m%d}-{analysis.end:%Y%m%d}"
    return header, rows, name


@login_required
@permission_required(CALLS, raise_exception=True)
def call_analysis_csv_view(request: HttpRequest) -> HttpResponseBase:
    """The analysis the page shows, as CSV (UTF-8 with BOM)."""
    try:
        header, rows, name = _export_table(request)
    except ValidationError:
        return HttpResponse(_("Choose a valid period."), status=400, content_type="text/plain; charset=utf-8")
    return csv_response(header, rows, filename=f"{name}.csv")


@login_required
@permission_required(CALLS, raise_exception=True)
def call_analysis_xlsx_view(request: HttpRequest) -> HttpResponseBase:
    """The analysis the page shows, as an Excel workbook."""
    try:
        header, rows, name = _export_table(request)
    except ValidationError:
        return HttpResponse(_("Choose a valid period."), status=400, content_type="text/plain; charset=utf-8")
    return xlsx_response(header, rows, title="calls", filename=f"{name}.xlsx")


@login_required
@permission_required(MONTHLY, raise_exception=True)
def monthly_list_view(request: HttpRequest) -> HttpResponse:
    """The user's monthly reports and, for a manager, the team's; by user and month on request."""
    user = _user(request)
    reports = monthly_report_list(user=user)
    username = request.GET.get("user", "").strip()
    month_text = request.GET.get("month", "").strip()
    error = ""
    if username:
        reports = reports.filter(user__username=username)
    if month_text:
        try:
            reports = reports.filter(month=parse_month(month_text))
        except ValidationError as invalid:
            error = invalid.message_dict["month"][0]
            reports = reports.none()
    try:
        page = keyset_paginate(
            reports, ordering=["-month", "-id"], cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except InvalidCursor:
        raise Http404 from None
    # The people whose reports the user may read, for the filter (one query).
    people = User.objects.filter(pk__in=monthly_report_list(user=user).values("user_id")).order_by(
        "first_name", "last_name", "username"
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    next_query = ""
    if page.next_cursor:
        query["cursor"] = page.next_cursor
        next_query = query.urlencode()
    return render(
        request,
        "reports/monthly_list.html",
        {
            "reports": page.items,
            "people": people,
            "next_query": next_query,
            "username": username,
            "month": month_text,
            "error": error,
        },
        status=400 if error else 200,
    )


def _report(request: HttpRequest, pk: int) -> MonthlyReport:
    try:
        return monthly_report_list(user=_user(request)).get(pk=pk)
    except MonthlyReport.DoesNotExist:
        raise Http404 from None


@login_required
@permission_required(MONTHLY, raise_exception=True)
def monthly_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One monthly report: its figures, targets and comment; its author comments until the 3rd."""
    user = _user(request)
    report = _report(request, pk)
    is_author = report.user_id == user.pk
    form = MonthlyReportCommentForm(initial={"comment": report.comment})
    status = 200
    if request.method == "POST":
        if not is_author:
            raise PermissionDenied
        form = MonthlyReportCommentForm(request.POST)
        if form.is_valid():
            try:
                monthly_report_comment(report=report, actor=user, comment=form.cleaned_data["comment"])
            except ValidationError as error:
                for message in error.message_dict.get("comment", []):
                    form.add_error("comment", message)
            else:
                messages.success(request, _("Comment saved."))
                return redirect(reverse("reports:monthly_detail", args=[report.pk]))
        status = 400
    return render(
        request,
        "reports/monthly_detail.html",
        {
            "report": report,
            "figures": figure_rows(report),
            "targets": target_rows(report),
            "form": form,
            "is_author": is_author,
            "comment_is_open": comment_is_open(report),
            "comment_deadline": comment_deadline(report),
        },
        status=status,
    )


@login_required
@permission_required(MONTHLY, raise_exception=True)
def monthly_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as PDF: the archived file once final, else printed now with the comment as it stands."""
    report = _report(request, pk)
    if report.is_final and report.pdf:
        content = report.pdf.open("rb").read()
        report.pdf.close()
    else:
        content = monthly_report_pdf(report)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{monthly_report_filename(report)}"'
    return response
