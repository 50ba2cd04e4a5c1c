"""Service reports under /service/reports/: one page with the period picker and the queue filter, and per
report a chart (Chart.js, data passed with json_script) and a table; every table also as CSV and XLSX.
Computed on request from the tickets' events by klient.service.reports. Needs service.view_ticket; what
a user sees is limited to the tickets they see."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from klient.core.models import User
from klient.customers.exports import csv_response, xlsx_response
from klient.service.models import Queue
from klient.service.reports import ReportScope, ServiceReport, Stats, hours, percent, user_zone

PERMISSION = "service.view_ticket"
# The longest custom period, in days.
MAX_PERIOD_DAYS = 366
PERIODS = [
    ("this_week", gettext_lazy("This week")),
    ("last_4_weeks", gettext_lazy("Last 4 weeks")),
    ("this_quarter", gettext_lazy("This quarter")),
    ("custom", gettext_lazy("Custom")),
]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class ReportFilterForm(forms.Form):
    """The period (this week, the last four weeks, this quarter, or from … until, both days included) and
    a queue."""

    period = forms.ChoiceField(
        label=gettext_lazy("Period"), choices=PERIODS, initial="last_4_weeks", required=False
    )
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    queue = forms.ModelChoiceField(
        label=gettext_lazy("Queue"),
        queryset=Queue.objects.all(),
        required=False,
        empty_label=gettext_lazy("All queues"),
    )

    def __init__(self, data: Any, *, today: datetime.date) -> None:
        super().__init__(data)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first: datetime.date | None
        last: datetime.date | None
        period = data.get("period") or "last_4_weeks"
        today = self.today
        monday = today - datetime.timedelta(days=today.weekday())
        if period == "this_week":
            first, last = monday, monday + datetime.timedelta(days=6)
        elif period == "last_4_weeks":
            first, last = monday - datetime.timedelta(weeks=3), monday + datetime.timedelta(days=6)
        elif period == "this_quarter":
            first = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
            following = datetime.date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1)
            last = following - datetime.timedelta(days=1)
        else:
            first, last = data.get("start"), data.get("end")
            if first is None:
                self.add_error("start", _("Give the first day."))
            if last is None:
                self.add_error("end", _("Give the last day."))
            if first is None or last is None:
                return data
            if last < first:
                self.add_error("end", _("The period ends before it starts."))
                return data
            if (last - first).days >= MAX_PERIOD_DAYS:
                self.add_error("end", _("At most %(count)d days at once.") % {"count": MAX_PERIOD_DAYS})
                return data
        data["period"], data["first"], data["last"] = period, first, last
        return data


def _scope(request: HttpRequest) -> tuple[ReportFilterForm, ReportScope | None]:
    user = _user(request)
    zone = user_zone(user)
    form = ReportFilterForm(request.GET, today=timezone.now().astimezone(zone).date())
    if not form.is_valid():
        return form, None
    data = form.cleaned_data

    def midnight(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(), tzinfo=zone)

    scope = ReportScope(
        user=user,
        start=midnight(data["first"]),
        end=midnight(data["last"] + datetime.timedelta(days=1)),
        zone=zone,
        queue=data.get("queue"),
    )
    return form, scope


# --- tables: what the page shows and the exports carry -----------------------------------------------------


@dataclasses.dataclass
class Table:
    """One report as a table (header and rows, the last often the period's total) and its chart."""

    slug: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None = None


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _chart(
    kind: str, labels: list[Any], series: dict[str, list[Any]], *, stacked: bool = False
) -> dict[str, Any]:
    return {
        "type": kind,
        "labels": [str(label) for label in labels],
        "datasets": [
            {"label": label, "data": [_number(v) for v in values]} for label, values in series.items()
        ],
        "stacked": stacked,
    }


def _week(week: datetime.date | None) -> Any:
    return week if week is not None else _("Whole period")


def _stats(stats: Stats) -> list[Any]:
    return [stats.count, hours(stats.median), hours(stats.average), hours(stats.p90)]


def times_table(report: ServiceReport) -> Table:
    rows = [[_week(row.week), *_stats(row.first_response), *_stats(row.resolution)] for row in report.times]
    weekly = report.times[:-1]
    return Table(
        "times",
        _("Response and resolution times (business hours)"),
        [
            _("Week"),
            _("First responses"),
            _("First response: median"),
            _("First response: average"),
            _("First response: 90 %"),
            _("Resolutions"),
            _("Resolution: median"),
            _("Resolution: average"),
            _("Resolution: 90 %"),
        ],
        rows,
        _chart(
            "line",
            [row.week for row in weekly],
            {
                _("First response: median"): [hours(row.first_response.median) for row in weekly],
                _("Resolution: median"): [hours(row.resolution.median) for row in weekly],
            },
        ),
    )


def sla_table(report: ServiceReport) -> Table:
    rows = [
        [
            _week(row.week),
            row.first_measured,
            row.first_met,
            percent(row.first_met, row.first_measured),
            row.resolution_measured,
            row.resolution_met,
            percent(row.resolution_met, row.resolution_measured),
        ]
        for row in report.compliance
    ]
    weekly = rows[:-1]
    return Table(
        "sla",
        _("SLA compliance"),
        [
            _("Week"),
            _("First responses with a target"),
            _("Met"),
            _("Met %"),
            _("Resolutions with a target"),
            _("Met"),
            _("Met %"),
        ],
        rows,
        _chart(
            "line",
            [row[0] for row in weekly],
            {
                _("First response met %"): [row[3] for row in weekly],
                _("Resolution met %"): [row[6] for row in weekly],
            },
        ),
    )


def backlog_table(report: ServiceReport) -> Table:
    _moment, backlog = report.backlog
    buckets = [_("Under 1 day"), _("1–3 days"), _("3–7 days"), _("7–30 days"), _("Over 30 days")]
    rows = [[row.queue, *row.buckets, row.total] for row in backlog]
    queues = backlog[:-1]
    return Table(
        "backlog",
        _("Backlog by age"),
        [_("Queue"), *buckets, _("Total")],
        rows,
        _chart(
            "bar",
            [row.queue for row in queues],
            {label: [row.buckets[n] for row in queues] for n, label in enumerate(buckets)},
            stacked=True,
        ),
    )


def volume_table(report: ServiceReport) -> Table:
    volume = report.volume
    codes = [code for code, _label in volume.channels]
    rows: list[list[Any]] = [
        [week, *(counts.get(code, 0) for code in codes), sum(counts.values())]
        for week, counts in volume.weeks
    ]
    rows.append(
        [_("Whole period"), *(sum(row[n + 1] for row in rows) for n in range(len(codes))), volume.total]
    )
    return Table(
        "volume",
        _("New tickets by week and channel"),
        [_("Week"), *(label for _code, label in volume.channels), _("Total")],
        rows,
        _chart(
            "bar",
            [week for week, _counts in volume.weeks],
            {
                label: [counts.get(code, 0) for _week, counts in volume.weeks]
                for code, label in volume.channels
            },
            stacked=True,
        ),
    )


def categories_table(report: ServiceReport) -> Table:
    volume = report.volume
    rows = [
        [name or _("(no category)"), count, percent(count, volume.total)] for name, count in volume.categories
    ]
    return Table(
        "categories",
        _("New tickets by category"),
        [_("Category"), _("Tickets"), _("Share %")],
        rows,
        _chart("bar", [row[0] for row in rows], {_("Tickets"): [row[1] for row in rows]}),
    )


def satisfaction_table(report: ServiceReport) -> Table:
    weeks, _agents = report.satisfaction
    rows = [[_week(row.week), row.count, row.average, *row.ratings.values()] for row in weeks]
    weekly = weeks[:-1]
    return Table(
        "satisfaction",
        _("Satisfaction by week"),
        [_("Week"), _("Ratings"), _("Average"), "1", "2", "3", "4", "5"],
        rows,
        _chart(
            "bar",
            [row.week for row in weekly],
            {str(rating): [row.ratings[rating] for row in weekly] for rating in range(1, 6)},
            stacked=True,
        ),
    )


def satisfaction_agents_table(report: ServiceReport) -> Table:
    _weeks, agents = report.satisfaction
    rows = [
        [
            row["agent"] or _("(nobody)"),
            row["count"],
            None if row["average"] is None else Decimal(str(row["average"])),
        ]
        for row in agents
    ]
    return Table(
        "satisfaction-agents", _("Satisfaction by agent"), [_("Agent"), _("Ratings"), _("Average")], rows
    )


def workload_table(report: ServiceReport) -> Table:
    rows = [[row.agent, row.open_assigned, row.resolved, row.replies, row.minutes] for row in report.workload]
    return Table(
        "workload",
        _("Agent workload"),
        [
            _("Agent"),
            _("Open tickets assigned"),
            pgettext("tickets", "Resolved"),
            _("Replies"),
            _("Time spent (minutes)"),
        ],
        rows,
        _chart(
            "bar",
            [row[0] for row in rows],
            {
                _("Open tickets assigned"): [row[1] for row in rows],
                pgettext("tickets", "Resolved"): [row[2] for row in rows],
                _("Replies"): [row[3] for row in rows],
            },
        ),
    )


TABLES: dict[str, Callable[[ServiceReport], Table]] = {
    "times": times_table,
    "sla": sla_table,
    "backlog": backlog_table,
    "volume": volume_table,
    "categories": categories_table,
    "satisfaction": satisfaction_table,
    "satisfaction-agents": satisfaction_agents_table,
    "workload": workload_table,
}


# --- views ----------------------------------------------------------------------------------------------------


@login_required
@permission_required(PERMISSION, raise_exception=True)
def service_reports_view(request: HttpRequest) -> HttpResponse:
    """Every service report of the period and queue chosen, each a chart and a table with its exports."""
    form, scope = _scope(request)
    context: dict[str, Any] = {"form": form, "scope": scope}
    if scope is not None:
        report = ServiceReport(scope)
        context.update(
            tables=[build(report) for build in TABLES.values()],
            backlog_at=report.backlog[0],
            last_day=(scope.end - datetime.timedelta(days=1)).date(),
            export_query=request.GET.urlencode(),
        )
    return render(request, "service/reports/index.html", context, status=200 if scope else 400)


def _export(request: HttpRequest, slug: str) -> tuple[Table, str] | HttpResponse:
    build = TABLES.get(slug)
    if build is None:
        raise Http404
    _form, scope = _scope(request)
    if scope is None:
        return HttpResponse(_("Choose a valid period."), status=400, content_type="text/plain; charset=utf-8")
    last = (scope.end - datetime.timedelta(days=1)).date()
    return build(ServiceReport(scope)), f"service-{slug}-{scope.start:%Y%m%d}-{last:%Y%m%d}"


@login_required
@permission_required(PERMISSION, raise_exception=True)
def service_report_csv_view(request: HttpRequest, slug: str) -> HttpResponseBase:
    """One report's table as CSV (UTF-8 with BOM)."""
    found = _export(request, slug)
    if isinstance(found, HttpResponse):
        return found
    table, name = found
    return csv_response(table.header, table.rows, filename=f"{name}.csv")


@login_required
@permission_required(PERMISSION, raise_exception=True)
def service_report_xlsx_view(request: HttpRequest, slug: str) -> HttpResponseBase:
    """One report's table as an Excel workbook."""
    found = _export(request, slug)
    if isinstance(found, HttpResponse):
        return found
    table, name = found
    return xlsx_response(table.header, table.rows, title=slug[:31], filename=f"{name}.xlsx")


urlpatterns: list[URLPattern] = [
    path("reports/", service_reports_view, name="reports"),
    path("reports/<slug:slug>/export.csv", service_report_csv_view, name="report_csv"),
    path("reports/<slug:slug>/export.xlsx", service_report_xlsx_view, name="report_xlsx"),
]
