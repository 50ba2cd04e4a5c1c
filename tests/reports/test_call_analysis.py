"""The call-result analysis: hand-counted outcomes and conversion by rep, day and segment, the best hours
on each rep's own clock, the period in the viewer's time zone, who sees whose calls, a fixed number of
queries, and the same figures on the page, in the exports and through the API."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from klient.activities.models import Activity
from klient.core.models import User
from klient.reports.selectors import call_analysis

pytestmark = pytest.mark.django_db

MARCH_1 = datetime.date(2026, 3, 1)
MARCH_31 = datetime.date(2026, 3, 31)
OUTCOMES = [
    "reached",
    "no_answer",
    "busy",
    "wrong_number",
    "call_back",
    "interested",
    "offer_made",
    "not_interested",
]


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def _zone(user: User, name: str) -> User:
    User.objects.filter(pk=user.pk).update(timezone=name)
    user.refresh_from_db()
    return user


@pytest.fixture
def calls(alice, bob, carol, mike, make_company, make_activity):
    """alice in Warsaw (UTC+1 in March), bob in Yerevan (UTC+4), carol in UTC; mike leads North."""
    _zone(alice, "Europe/Warsaw")
    _zone(bob, "Asia/Yerevan")
    acme = make_company(alice, "Acme", segment="retail")
    beta = make_company(alice, "Beta", segment="wholesale")
    gamma = make_company(bob, "Gamma", segment="retail")
    delta = make_company(carol, "Delta")
    made = {
        # 09:30 and 10:10 on Monday 2 March in Warsaw.
        "a1": make_activity(alice, acme, utc(2026, 3, 2, 8, 30), outcome="reached"),
        "a2": make_activity(alice, acme, utc(2026, 3, 2, 9, 10), outcome="offer_made"),
        # 09:45 on Tuesday 3 March in Warsaw.
        "a3": make_activity(alice, beta, utc(2026, 3, 3, 8, 45), outcome="no_answer"),
        # 00:30 on Sunday 1 March in Warsaw, still 28 February in UTC.
        "a4": make_activity(alice, beta, utc(2026, 2, 28, 23, 30), outcome="busy"),
        # 00:30 on Wednesday 1 April in Warsaw, still 31 March in UTC.
        "a5": make_activity(alice, acme, utc(2026, 3, 31, 22, 30), outcome="interested"),
        # 09:30 and 10:00 on Monday 2 March in Yerevan; 16:00 on Wednesday 4 March without an outcome.
        "b1": make_activity(bob, gamma, utc(2026, 3, 2, 5, 30), outcome="interested"),
        "b2": make_activity(bob, gamma, utc(2026, 3, 2, 6, 0), outcome="offer_made"),
        "b3": make_activity(bob, gamma, utc(2026, 3, 4, 12, 0)),
        "c1": make_activity(carol, delta, utc(2026, 3, 2, 9, 0), outcome="reached"),
    }
    # Neither an open call nor a meeting is a call made.
    Activity.objects.create(
        kind="call",
        company=acme,
        owner=alice,
        subject="Open",
        due_at=utc(2026, 3, 5, 9),
        at=utc(2026, 3, 5, 9),
    )
    make_activity(alice, acme, utc(2026, 3, 5, 10), kind="meeting")
    return made


def _counts(**given: int) -> dict[str, int]:
    return {code: given.get(code, 0) for code in OUTCOMES}


def _rows(analysis):
    return [
        (
            row.key,
            row.calls,
            row.outcomes,
            row.without_outcome,
            row.companies,
            row.offer_companies,
            row.offer_rate,
        )
        for row in analysis.rows
    ]


def test_a_rep_sees_their_own_calls_of_their_own_month(calls, alice):
    analysis = call_analysis(user=alice, start=MARCH_1, end=MARCH_31, group="rep")

    # a4 (1 March in Warsaw) is in, a5 (1 April in Warsaw) is out; bob's and carol's calls are not hers.
    assert _rows(analysis) == [
        ("alice", 4, _counts(reached=1, offer_made=1, no_answer=1, busy=1), 0, 2, 1, 0.5),
    ]
    assert analysis.rows[0].label == "Alice Archer"
    assert analysis.rows[0].contracts_later is None


def test_days_are_the_viewers_days(calls, alice):
    analysis = call_analysis(user=alice, start=MARCH_1, end=MARCH_31, group="day")

    assert _rows(analysis) == [
        ("2026-03-01", 1, _counts(busy=1), 0, 1, 0, 0.0),
        ("2026-03-02", 2, _counts(reached=1, offer_made=1), 0, 1, 1, 1.0),
        ("2026-03-03", 1, _counts(no_answer=1), 0, 1, 0, 0.0),
    ]


def test_by_segment(calls, alice):
    analysis = call_analysis(user=alice, start=MARCH_1, end=MARCH_31, group="segment")

    assert _rows(analysis) == [
        ("retail", 2, _counts(reached=1, offer_made=1), 0, 1, 1, 1.0),
        ("wholesale", 2, _counts(no_answer=1, busy=1), 0, 1, 0, 0.0),
    ]


def test_a_sales_manager_sees_the_team_in_his_own_time_zone(calls, mike):
    analysis = call_analysis(user=mike, start=MARCH_1, end=MARCH_31, group="rep")

    # Mike's March is UTC's: a4 falls out, a5 comes in; carol is in another team.
    assert _rows(analysis) == [
        ("alice", 4, _counts(reached=1, offer_made=1, no_answer=1, interested=1), 0, 2, 1, 0.5),
        ("bob", 3, _counts(interested=1, offer_made=1), 1, 1, 1, 1.0),
    ]
    total = analysis.total
    assert (total.calls, total.companies, total.offer_companies, total.offer_rate) == (7, 3, 2, 0.6667)
    assert total.outcomes == _counts(reached=1, offer_made=2, no_answer=1, interested=2)
    assert total.without_outcome == 1


def test_best_hours_are_on_each_reps_own_clock(calls, mike):
    analysis = call_analysis(user=mike, start=MARCH_1, end=MARCH_31, group="hour")

    # a1 (08:30 UTC, Warsaw) and b1 (05:30 UTC, Yerevan) were both made at 9 on their rep's clock.
    assert [
        (row.weekday, row.hour, row.calls, row.positive, row.positive_share) for row in analysis.hours
    ] == [
        (1, 9, 2, 2, 1.0),
        (1, 10, 2, 2, 1.0),
        (2, 9, 1, 0, 0.0),
        (3, 0, 1, 1, 1.0),
        (3, 16, 1, 0, 0.0),
    ]
    assert analysis.rows == []


def test_an_administrator_sees_everyone_and_a_rep_without_calls_sees_none(calls, root, tom):
    assert call_analysis(user=root, start=MARCH_1, end=MARCH_31, group="rep").total.calls == 8
    assert [row.key for row in call_analysis(user=root, start=MARCH_1, end=MARCH_31, group="rep").rows] == [
        "alice",
        "bob",
        "carol",
    ]
    nothing = call_analysis(user=tom, start=MARCH_1, end=MARCH_31, group="rep")
    assert (nothing.rows, nothing.total.calls, nothing.total.offer_rate) == ([], 0, None)


@pytest.mark.parametrize("group", ["rep", "day", "segment", "hour"])
def test_the_query_count_does_not_grow_with_the_calls(group, alice, bob, mike, make_company, make_activity):
    _zone(bob, "Asia/Yerevan")
    acme = make_company(alice, "Acme", segment="retail")
    make_activity(alice, acme, utc(2026, 3, 2, 8), outcome="reached")
    with CaptureQueriesContext(connection) as few:
        call_analysis(user=mike, start=MARCH_1, end=MARCH_31, group=group)
    gamma = make_company(bob, "Gamma", segment="wholesale")
    for day in range(3, 20):
        make_activity(bob, gamma, utc(2026, 3, day, day % 12), outcome="offer_made")
        make_activity(alice, acme, utc(2026, 3, day, 7), outcome="busy")
    mike = User.objects.get(pk=mike.pk)
    with CaptureQueriesContext(connection) as many:
        analysis = call_analysis(user=mike, start=MARCH_1, end=MARCH_31, group=group)
    assert analysis.total.calls == 35
    assert len(many) == len(few) <= 7


# ----------------------------------------------------------------------------------------------------------
# Page, exports, API


def _table(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)
    ]


QUERY = {"start": "2026-03-01", "end": "2026-03-31", "group": "rep"}
HEADER = [
    "Rep",
    "Calls",
    "Reached",
    "No answer",
    "Busy",
    "Wrong number",
    "Call back",
    "Interested",
    "Offer made",
    "Not interested",
    "No outcome",
    "Companies called",
    "Companies with an offer",
    "Call → offer %",
    "Contracts marked “later”",
]


def test_the_page_shows_the_managers_table(calls, mike, login):
    response = login(mike).get("/reports/calls/", QUERY)

    assert response.status_code == 200
    html = response.content.decode()
    headers = re.findall(r"<th>(.*?)</th>", html.split('data-table="rep"', 1)[1].split("</thead>", 1)[0])
    assert headers == HEADER
    assert _table(html) == [
        ["Alice Archer", "4", "1", "1", "0", "0", "0", "1", "1", "0", "0", "2", "1", "50.0", "—"],
        ["Bob Baker", "3", "0", "0", "0", "0", "0", "1", "1", "0", "1", "1", "1", "100.0", "—"],
        ["Total", "7", "1", "1", "0", "0", "0", "2", "2", "0", "1", "3", "2", "66.7", "—"],
    ]
    assert "2 of 3 companies called got an offer (66.7 %)" in " ".join(html.split())


def test_the_page_query_count_is_constant(calls, mike, login, django_assert_max_num_queries):
    client = login(mike)
    client.get("/reports/calls/", QUERY)
    with CaptureQueriesContext(connection) as first:
        client.get("/reports/calls/", {**QUERY, "group": "day"})
    with CaptureQueriesContext(connection) as second:
        client.get("/reports/calls/", {**QUERY, "group": "segment"})
    assert len(first) == len(second)


def test_a_backwards_period_is_refused_naming_the_end(calls, mike, login, api):
    response = login(mike).get("/reports/calls/", {**QUERY, "end": "2026-02-01"})
    assert response.status_code == 400
    assert 'data-error="end">The period ends before it starts.' in response.content.decode()

    answer = api(mike).get("/reports/calls", start="2026-03-01", end="2026-02-01")
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "end", "message": "The period ends before it starts."}]


def test_the_csv_export_holds_the_pages_rows(calls, mike, login):
    response = login(mike).get("/reports/calls/export.csv", QUERY)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="calls-rep-20260301-20260331.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [
        HEADER,
        ["Alice Archer", "4", "1", "1", "0", "0", "0", "1", "1", "0", "0", "2", "1", "50.0", ""],
        ["Bob Baker", "3", "0", "0", "0", "0", "0", "1", "1", "0", "1", "1", "1", "100.0", ""],
        ["Total", "7", "1", "1", "0", "0", "0", "2", "2", "0", "1", "3", "2", "66.7", ""],
    ]


def test_the_xlsx_export_of_the_best_hours(calls, mike, login):
    response = login(mike).get("/reports/calls/export.xlsx", {**QUERY, "group": "hour"})

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [list(row) for row in workbook.active.iter_rows(values_only=True)] == [
        ["Weekday", "Hour", "Calls", "Reached, interested or offer", "Share %"],
        ["Monday", "09:00", 2, 2, 100],
        ["Monday", "10:00", 2, 2, 100],
        ["Tuesday", "09:00", 1, 0, 0],
        ["Wednesday", "00:00", 1, 1, 100],
        ["Wednesday", "16:00", 1, 0, 0],
    ]


def test_the_api_answers_the_analysis(calls, bob, api):
    response = api(bob).get("/reports/calls", start="2026-03-01", end="2026-03-31", group="segment")

    assert response.status_code == 200
    assert response.json() == {
        "start": "2026-03-01",
        "end": "2026-03-31",
        "group": "segment",
        "outcomes": OUTCOMES,
        "total": {
            "key": "total",
            "label": "",
            "calls": 3,
            "outcomes": _counts(interested=1, offer_made=1),
            "without_outcome": 1,
            "companies": 1,
            "offer_companies": 1,
            "offer_rate": 1.0,
            "contracts_later": None,
        },
        "rows": [
            {
                "key": "retail",
                "label": "retail",
                "calls": 3,
                "outcomes": _counts(interested=1, offer_made=1),
                "without_outcome": 1,
                "companies": 1,
                "offer_companies": 1,
                "offer_rate": 1.0,
                "contracts_later": None,
            }
        ],
        "hours": [],
    }


def test_without_the_permission_the_analysis_is_refused(calls, rita, sam, login, api):
    assert login(rita).get("/reports/calls/", QUERY).status_code == 403
    assert api(sam).get("/reports/calls").status_code == 403
    assert login(sam).get("/reports/calls/export.csv", QUERY).status_code == 403
