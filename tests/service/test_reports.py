"""Service reports: first-response and resolution times in business time (the default calendar, Mon–Fri
09:00–17:00 UTC), SLA compliance, the backlog by age (now, and recomputed from the status events at a
past period's end), volume by channel, category and week, satisfaction and workload; each a chart and a
table with CSV and XLSX exports, limited to the tickets the user sees, in a constant number of queries.

The desk of these tests, in March 2026 (Monday the 2nd and the 9th start the two weeks of the period):

- B: Marta phones Mon 2nd 09:00 (urgent: first response due in 1 hour); sam answers at 11:00 (2 h, late)
  and resolves at 12:00 while the ticket still waits for Marta (2 h of work: the last hour was paused);
  15 minutes recorded; Marta rates it 2 on Tue 3rd.
- A: Marta writes Fri 6th 16:00 (normal: 4 hours); sam answers Mon 9th 10:00 (2 business hours, in
  time), Marta answers Tue 10th 10:00 (8 business hours paused), sam resolves at 14:00: 14 business hours
  since it was opened less 8 paused = 6 h; 30 minutes recorded; Marta rates it 5 on Wed 11th.
- C: Marta's web form Mon 9th 09:00 in category Delivery, given to vera, left open.
- D: a stranger's mail to the Billing queue Tue Feb 10th 10:00, left open (no company: only the service
  desk sees it).
- E: Marta writes Sun 15th 12:00; sam resolves it Wed 18th, after the period.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from klient.core.models import User
from klient.service.models import Category, Channel, Queue, Ticket, TicketStatus
from klient.service.reports import ReportScope, ServiceReport, Stats, backlog
from klient.service.satisfaction import satisfaction_rate
from klient.service.services import (
    MessageInput,
    customer_message_add,
    ticket_open,
    ticket_reply,
    ticket_update,
    time_spent_add,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LATER = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # Friday after the period: when pages are read
PERIOD = {"period": "custom", "start": "2026-03-02", "end": "2026-03-15"}
WEEK_1, WEEK_2 = datetime.date(2026, 3, 2), datetime.date(2026, 3, 9)
BUCKETS = ["Under 1 day", "1–3 days", "3–7 days", "7–30 days", "Over 30 days"]


def at(day: int, hour: int, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _mail(marta: Any, subject: str) -> MessageInput:
    return MessageInput(kind="email_in", body_text=subject, sender_email=marta.email, subject=subject)


def _fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def desk(marta: Any, support: Queue, sam: User, vera: User) -> dict[str, Ticket]:
    """Tickets A–E as the module's docstring tells."""
    billing = Queue.objects.create(name="Billing")
    delivery = Category.objects.create(name="Delivery")
    with time_machine.travel(at(10, 10, month=2), tick=False):
        d = ticket_open(
            message=MessageInput(
                kind="email_in",
                body_text="Invoice?",
                sender_email="someone@elsewhere.example",
                subject="Invoice",
            ),
            queue=billing,
        )
    with time_machine.travel(at(2, 9), tick=False):
        b = ticket_open(
            message=MessageInput(kind="phone", body_text="Urgent", subject="Truck stuck"),
            actor=sam,
            channel=Channel.PHONE,
            contact=marta,
            priority="urgent",
            queue=support,
        )
    with time_machine.travel(at(2, 11), tick=False):
        ticket_reply(ticket=_fresh(b), actor=sam, body="On our way")
    with time_machine.travel(at(2, 12), tick=False):
        ticket_update(ticket=_fresh(b), actor=sam, status=TicketStatus.RESOLVED)
        time_spent_add(ticket=_fresh(b), actor=sam, minutes=15)
    with time_machine.travel(at(3, 10), tick=False):
        satisfaction_rate(ticket=_fresh(b), rating=2)
    with time_machine.travel(at(6, 16), tick=False):
        a = ticket_open(message=_mail(marta, "Sour milk"), queue=support)
    with time_machine.travel(at(9, 9), tick=False):
        c = ticket_open(
            message=MessageInput(kind="web_form", body_text="Late", sender_email=marta.email, subject="Late"),
            channel=Channel.WEB_FORM,
            category=delivery,
            queue=support,
        )
    with time_machine.travel(at(9, 10), tick=False):
        ticket_reply(ticket=_fresh(a), actor=sam, body="Which batch?")
        ticket_update(ticket=_fresh(c), actor=vera, assignee=vera)
    with time_machine.travel(at(10, 10), tick=False):
        customer_message_add(ticket=_fresh(a), message=_mail(marta, "Batch 7"))
    with time_machine.travel(at(10, 13), tick=False):
        time_spent_add(ticket=_fresh(a), actor=sam, minutes=30)
    with time_machine.travel(at(10, 14), tick=False):
        ticket_update(ticket=_fresh(a), actor=sam, status=TicketStatus.RESOLVED)
    with time_machine.travel(at(11, 9), tick=False):
        satisfaction_rate(ticket=_fresh(a), rating=5)
    with time_machine.travel(at(15, 12), tick=False):
        e = ticket_open(message=_mail(marta, "Thanks"), queue=support)
    with time_machine.travel(at(18, 10), tick=False):
        ticket_update(ticket=_fresh(e), actor=sam, status=TicketStatus.RESOLVED)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def _get(client: Client, url: str, query: dict[str, str]) -> Any:
    with time_machine.travel(LATER, tick=False):
        return client.get(url, query)


def _csv(client: Client, slug: str, query: dict[str, str] = PERIOD) -> list[list[str]]:
    response = _get(client, f"/service/reports/{slug}/export.csv", query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return [line.split(",") for line in text[1:].splitlines()]


def _xlsx(client: Client, slug: str, query: dict[str, str] = PERIOD) -> list[list[Any]]:
    response = _get(client, f"/service/reports/{slug}/export.xlsx", query)
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


# --- the figures ----------------------------------------------------------------------------------------


def test_times_are_business_hours_with_the_pause_left_out(desk, vera, login):
    scope = ReportScope(user=vera, start=at(2, 0), end=at(16, 0))
    report = ServiceReport(scope, now=LATER)

    by_ticket = {(m.ticket_id, m.target): (m.seconds, m.met) for m in report.measures}
    assert by_ticket == {
        (desk["b"].pk, "first_response"): (2 * 3600, False),  # due 10:00, answered 11:00
        (desk["b"].pk, "resolution"): (2 * 3600, True),
        (desk["a"].pk, "first_response"): (2 * 3600, True),  # Fri 16–17 and Mon 09–10
        (desk["a"].pk, "resolution"): (6 * 3600, True),  # 14 h less 8 h waiting for Marta
    }
    assert [(row.week, row.first_response, row.resolution) for row in report.times] == [
        (WEEK_1, Stats(1, 7200.0, 7200.0, 7200.0), Stats(1, 7200.0, 7200.0, 7200.0)),
        (WEEK_2, Stats(1, 7200.0, 7200.0, 7200.0), Stats(1, 21600.0, 21600.0, 21600.0)),
        (None, Stats(2, 7200.0, 7200.0, 7200.0), Stats(2, 14400.0, 14400.0, 21600.0)),
    ]

    assert _csv(login(vera), "times") == [
        [
            "Week",
            "First responses",
            "First response: median",
            "First response: average",
            "First response: 90 %",
            "Resolutions",
            "Resolution: median",
            "Resolution: average",
            "Resolution: 90 %",
        ],
        ["2026-03-02", "1", "2.00", "2.00", "2.00", "1", "2.00", "2.00", "2.00"],
        ["2026-03-09", "1", "2.00", "2.00", "2.00", "1", "6.00", "6.00", "6.00"],
        ["Whole period", "2", "2.00", "2.00", "2.00", "2", "4.00", "4.00", "6.00"],
    ]


def test_sla_compliance_counts_a_late_answer_without_a_breach_event(desk, vera, login):
    rows = _csv(login(vera), "sla")
    assert rows == [
        [
            "Week",
            "First responses with a target",
            "Met",
            "Met %",
            "Resolutions with a target",
            "Met",
            "Met %",
        ],
        ["2026-03-02", "1", "0", "0.0", "1", "1", "100.0"],
        ["2026-03-09", "1", "1", "100.0", "1", "1", "100.0"],
        ["Whole period", "2", "1", "50.0", "2", "2", "100.0"],
    ]


def test_backlog_at_a_past_end_is_recomputed_from_the_status_events(desk, vera, marta):
    # At the period's end (Mon 16th 00:00) E was still open (12 hours old); it is resolved now. A was
    # resolved then; Marta's mail of Thu 19th has reopened it since.
    with time_machine.travel(at(19, 9), tick=False):
        customer_message_add(ticket=_fresh(desk["a"]), message=_mail(marta, "Again sour"))
    assert _fresh(desk["a"]).status == TicketStatus.OPEN
    scope = ReportScope(user=vera, start=at(2, 0), end=at(16, 0))
    moment, rows = backlog(scope, now=LATER)
    assert moment == at(16, 0)
    assert [(row.queue, row.buckets, row.total) for row in rows] == [
        ("Billing", [0, 0, 0, 0, 1], 1),  # D: 33 days
        ("Support", [1, 0, 1, 0, 0], 2),  # E: 12 hours, C: 6 days 15 hours
        ("Total", [1, 0, 1, 0, 1], 3),
    ]


def test_backlog_of_a_current_period_is_the_open_tickets_now(desk, vera, login):
    rows = _csv(login(vera), "backlog", {"period": "this_week"})
    assert rows == [
        ["Queue", *BUCKETS, "Total"],
        ["Billing", "0", "0", "0", "0", "1", "1"],  # D: 38 days
        ["Support", "0", "0", "0", "1", "0", "1"],  # C: 11 days
        ["Total", "0", "0", "0", "1", "1", "2"],
    ]


def test_volume_by_week_channel_and_category(desk, vera, login):
    client = login(vera)
    assert _csv(client, "volume") == [
        ["Week", "Email", "Web form", "Phone", "Total"],
        ["2026-03-02", "1", "0", "1", "2"],
        ["2026-03-09", "1", "1", "0", "2"],
        ["Whole period", "2", "1", "1", "4"],
    ]
    assert _csv(client, "categories") == [
        ["Category", "Tickets", "Share %"],
        ["(no category)", "3", "75.0"],
        ["Delivery", "1", "25.0"],
    ]


def test_satisfaction_by_week_and_agent(desk, vera, login):
    client = login(vera)
    assert _csv(client, "satisfaction") == [
        ["Week", "Ratings", "Average", "1", "2", "3", "4", "5"],
        ["2026-03-02", "1", "2.00", "0", "1", "0", "0", "0"],
        ["2026-03-09", "1", "5.00", "0", "0", "0", "0", "1"],
        ["Whole period", "2", "3.50", "0", "1", "0", "0", "1"],
    ]
    assert _csv(client, "satisfaction-agents") == [["Agent", "Ratings", "Average"], ["sam", "2", "3.5"]]


def test_workload_per_agent(desk, vera, login):
    assert _csv(login(vera), "workload") == [
        ["Agent", "Open tickets assigned", "Resolved", "Replies", "Time spent (minutes)"],
        ["Vera Vance", "1", "0", "0", "0"],
        ["sam", "0", "2", "2", "45"],
    ]


def test_xlsx_has_the_rows_of_the_csv(desk, vera, login):
    client = login(vera)
    rows = _xlsx(client, "times")
    assert rows[0][0] == "Week" and len(rows) == 4
    assert rows[1] == [datetime.datetime(2026, 3, 2), 1, 2, 2, 2, 1, 2, 2, 2]
    assert rows[3] == ["Whole period", 2, 2, 2, 2, 2, 4, 4, 6]
    assert _xlsx(client, "workload") == [
        ["Agent", "Open tickets assigned", "Resolved", "Replies", "Time spent (minutes)"],
        ["Vera Vance", 1, 0, 0, 0],
        ["sam", 0, 2, 2, 45],
    ]


# --- the page, visibility, refusals -----------------------------------------------------------------------


def test_the_page_shows_each_report_with_its_chart_and_exports(desk, vera, login):
    response = _get(login(vera), "/service/reports/", PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    for slug in ("times", "sla", "backlog", "volume", "categories", "satisfaction", "workload"):
        assert f'data-report="{slug}"' in page
        assert f'data-chart="chart-{slug}"' in page
        assert f'id="chart-{slug}" type="application/json"' in page
        assert f"/service/reports/{slug}/export.csv?period=custom" in page
        assert f"/service/reports/{slug}/export.xlsx?period=custom" in page
    assert "vendor/chartjs/chart.umd.min.js" in page and "klient/charts.js" in page
    assert "<script>" not in page  # the content security policy allows no inline script
    assert "data-recomputed" in page
    assert response.context["tables"][2].rows[-1] == ["Total", 1, 0, 1, 0, 1, 3]


def test_visibility_limits_the_figures(desk, alice, bob, login):
    # bob sees none of alice's company's tickets: every figure is empty.
    client = login(bob)
    assert _csv(client, "volume")[1:] == [
        ["2026-03-02", "0"],
        ["2026-03-09", "0"],
        ["Whole period", "0"],
    ]
    assert _csv(client, "times")[1:] == [
        ["2026-03-02", "0", "", "", "", "0", "", "", ""],
        ["2026-03-09", "0", "", "", "", "0", "", "", ""],
        ["Whole period", "0", "", "", "", "0", "", "", ""],
    ]
    assert _csv(client, "workload") == [
        ["Agent", "Open tickets assigned", "Resolved", "Replies", "Time spent (minutes)"]
    ]
    assert _csv(client, "backlog")[1:] == [["Total", "0", "0", "0", "0", "0", "0"]]
    # alice sees her company's tickets, not the stranger's in Billing.
    assert _csv(login(alice), "backlog") == [
        ["Queue", *BUCKETS, "Total"],
        ["Support", "1", "0", "1", "0", "0", "2"],
        ["Total", "1", "0", "1", "0", "0", "2"],
    ]


def test_agent_and_company_filters(desk, vera, marta):
    period = {"start": at(2, 0), "end": at(16, 0)}
    report = ServiceReport(ReportScope(user=vera, agent=vera, **period), now=LATER)
    assert [(week, counts) for week, counts in report.volume.weeks] == [
        (WEEK_1, {}),
        (WEEK_2, {"web_form": 1}),
    ]
    assert [(row.agent, row.open_assigned) for row in report.workload] == [("Vera Vance", 1)]
    report = ServiceReport(ReportScope(user=vera, company=marta.company, **period), now=LATER)
    assert report.volume.total == 4
    # C and E were open at the period's end; D has no company.
    assert [(row.queue, row.total) for row in report.backlog[1]] == [("Support", 2), ("Total", 2)]


def test_queue_filter(desk, vera, login):
    billing = Queue.objects.get(name="Billing")
    rows = _csv(login(vera), "backlog", {**PERIOD, "queue": str(billing.pk)})
    assert rows[1:] == [["Billing", "0", "0", "0", "0", "1", "1"], ["Total", "0", "0", "0", "0", "1", "1"]]
    assert _csv(login(vera), "volume", {**PERIOD, "queue": str(billing.pk)})[1:] == [
        ["2026-03-02", "0"],
        ["2026-03-09", "0"],
        ["Whole period", "0"],
    ]


def test_periods(vera, login):
    client = login(vera)
    with time_machine.travel(datetime.datetime(2026, 5, 14, 12, 0, tzinfo=UTC), tick=False):  # a Thursday
        week = client.get("/service/reports/", {"period": "this_week"}).context["scope"]
        four = client.get("/service/reports/", {"period": "last_4_weeks"}).context["scope"]
        quarter = client.get("/service/reports/", {"period": "this_quarter"}).context["scope"]
        default = client.get("/service/reports/").context["scope"]
    assert (week.start, week.end) == (at(11, 0, month=5), at(18, 0, month=5))
    assert (four.start, four.end) == (at(20, 0, month=4), at(18, 0, month=5))
    assert (quarter.start, quarter.end) == (at(1, 0, month=4), at(1, 0, month=7))
    assert (default.start, default.end) == (four.start, four.end)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "custom", "start": "2026-03-15", "end": "2026-03-02"}, "end"),
        ({"period": "custom", "end": "2026-03-02"}, "start"),
        ({"period": "custom", "start": "2025-01-01", "end": "2026-03-02"}, "end"),
    ],
)
def test_a_bad_period_is_refused(vera, login, query, field):
    client = login(vera)
    response = client.get("/service/reports/", query)
    assert response.status_code == 400
    assert f'data-error="{field}"' in response.content.decode()
    export = client.get("/service/reports/times/export.csv", query)
    assert (export.status_code, export.content) == (400, b"Choose a valid period.")


def test_who_may_open_the_reports(paula, vera, login):
    assert login(paula).get("/service/reports/").status_code == 403
    assert login(paula).get("/service/reports/times/export.csv").status_code == 403
    assert Client().get("/service/reports/").status_code == 302
    assert login(vera).get("/service/reports/nothing/export.csv").status_code == 404


def test_the_page_issues_a_constant_number_of_queries(desk, vera, marta, sam, login):
    client = login(vera)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = _get(client, "/service/reports/", PERIOD)
        assert response.status_code == 200
        return len(queries)

    before = count()
    for hour in (10, 11, 12):
        with time_machine.travel(at(12, hour), tick=False):
            more = ticket_open(message=_mail(marta, f"More {hour}"))
            ticket_reply(ticket=_fresh(more), actor=sam, body="Yes")
            ticket_update(ticket=_fresh(more), actor=sam, status=TicketStatus.RESOLVED)
            satisfaction_rate(ticket=_fresh(more), rating=4)
    assert count() == before


def test_the_reports_index_links_here(alice, login):
    page = login(alice).get("/reports/").content.decode()
    assert '<a href="/service/reports/" data-report="service">Service reports</a>' in page


def test_stats_nearest_rank():
    assert Stats.of([]) == Stats(0, None, None, None)
    assert Stats.of([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) == Stats(10, 55.0, 55.0, 90.0)
    assert Stats.of([3, 1, 2]) == Stats(3, 2.0, 2.0, 3.0)


def test_the_ticket_list_links_the_reports_for_the_service_desk(sam, vera, login):
    for user in (sam, vera):
        page = login(user).get("/service/tickets/").content.decode()
        assert 'href="/service/reports/" data-action="reports"' in page
        assert login(user).get("/service/reports/").status_code == 200
