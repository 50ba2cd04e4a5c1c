"""The call-result analysis over 100,000 calls of a team: counted in the database, in a few queries,
well under a second or two per grouping."""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.activities.models import Activity, CallOutcome
from klient.core.models import User
from klient.reports.selectors import call_analysis

pytestmark = pytest.mark.django_db

CALLS = 100_000


def test_a_hundred_thousand_calls(alice, bob, mike, make_company):
    User.objects.filter(pk=bob.pk).update(timezone="Asia/Yerevan")
    companies = [
        make_company(owner, f"Company {index}", segment=f"s{index % 4}")
        for index, owner in enumerate([alice, bob] * 10)
    ]
    outcomes = list(CallOutcome.objects.order_by("pk"))
    start = datetime.datetime(2026, 3, 1, 6, tzinfo=datetime.UTC)
    rows = []
    for index in range(CALLS):
        company = companies[index % len(companies)]
        moment = start + datetime.timedelta(minutes=(index * 7) % (30 * 24 * 60))
        rows.append(
            Activity(
                kind="call",
                company=company,
                owner_id=company.owner_id,
                subject="Call",
                outcome=outcomes[index % len(outcomes)],
                done_at=moment,
                at=moment,
            )
        )
    Activity.objects.bulk_create(rows, batch_size=5000)
    mike = User.objects.get(pk=mike.pk)
    for group in ("rep", "day", "segment", "hour"):
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            analysis = call_analysis(
                user=mike, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31), group=group
            )
        elapsed = time.perf_counter() - began
        assert analysis.total.calls == CALLS
        assert sum(row.calls for row in analysis.rows or analysis.hours) == CALLS
        assert len(queries) <= 7
        print(group, round(elapsed, 3))
        assert elapsed < 10, (group, elapsed)
