"""The monthly activity report: figures hand-counted on the user's clock across month boundaries, built
once on the user's 1st, the comment open until 23:59 on the 2nd and closed at midnight, final on the
3rd with the PDF in the user's language, queued once to the team lead, and read only by whom it concerns."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.translation import gettext

from klient.core.models import AuditEntry, Role
from klient.customers.services import company_update
from klient.mail.models import OutboxMessage
from klient.reports.models import MonthlyReport
from klient.reports.selectors import monthly_figures
from klient.reports.services import (
    monthly_report_build,
    monthly_report_comment,
    monthly_report_finalize,
    monthly_reports_build_due,
    monthly_reports_finalize_due,
)
from tests.reports.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@pytest.fixture
def ivan(make_user, north, mike):
    # Moscow is UTC+3 all year: midnight starting 1 April there is 21:00 UTC on 31 March.
    return make_user(
        "ivan",
        Role.ACCOUNT_MANAGER,
        north,
        first_name="Иван",
        last_name="Петров",
        language="ru",
        timezone_name="Europe/Moscow",
    )


@pytest.fixture
def worked_march(ivan, bob, make_company, make_activity):
    """Ivan's work around March, each item placed on his clock (UTC+3)."""
    with time_machine.travel(utc(2026, 2, 10, 9), tick=False):
        acme = make_company(ivan, "Acme")
        gamma = make_company(ivan, "Gamma", status="customer")
    with time_machine.travel(utc(2026, 2, 20, 9), tick=False):
        gamma = company_update(
            company=gamma, actor=ivan, version=gamma.version, status="lost", status_reason="Price"
        )
    with time_machine.travel(utc(2026, 3, 5, 9), tick=False):
        acme = company_update(company=acme, actor=ivan, version=acme.version, status="customer")  # new
    with time_machine.travel(utc(2026, 3, 10, 9), tick=False):
        beta = make_company(ivan, "Beta", status="customer")  # new
    with time_machine.travel(utc(2026, 3, 12, 9), tick=False):
        company_update(
            company=gamma, actor=ivan, version=gamma.version, status="customer"
        )  # won back: not new
    with time_machine.travel(utc(2026, 3, 31, 21, 30), tick=False):
        make_company(ivan, "Delta", status="customer")  # 1 April in Moscow
    with time_machine.travel(utc(2026, 3, 15, 9), tick=False):
        make_company(bob, "Epsilon", status="customer")  # bob's
    # Calls: 00:30 on 1 March in Moscow (in), 15 March (in, an offer), 00:30 on 1 April (out), 23:30 on 28 February (out).
    make_activity(ivan, acme, utc(2026, 2, 28, 21, 30), outcome="reached")
    make_activity(ivan, acme, utc(2026, 3, 15, 10), outcome="offer_made")
    make_activity(ivan, acme, utc(2026, 3, 31, 21, 30), outcome="offer_made")
    make_activity(ivan, acme, utc(2026, 2, 28, 20, 30), outcome="no_answer")
    # Proposal emails: two to Acme on 10 March count once, a third at 00:30 on 11 March is another day,
    # one to Beta on 10 March is another company; a greeting and a plain email are no proposals.
    for moment, company in [
        (utc(2026, 3, 10, 8), acme),
        (utc(2026, 3, 10, 15), acme),
        (utc(2026, 3, 10, 21, 30), acme),
        (utc(2026, 3, 10, 9), beta),
    ]:
        make_activity(ivan, company, moment, kind="email", purpose="proposal", direction="outbound")
    make_activity(ivan, acme, utc(2026, 3, 11, 9), kind="email", purpose="greeting", direction="outbound")
    make_activity(ivan, acme, utc(2026, 3, 11, 9), kind="email", direction="outbound")
    make_activity(ivan, acme, utc(2026, 3, 5, 9), kind="meeting")
    make_activity(ivan, beta, utc(2026, 3, 20, 9), kind="visit")
    make_activity(ivan, beta, utc(2026, 3, 31, 22), kind="visit")  # 1 April in Moscow
    # Not done, or not his.
    from klient.activities.services import activity_create

    activity_create(actor=ivan, company=acme, kind="task", subject="Open", due_at=utc(2026, 3, 20, 9))
    make_activity(bob, make_company(bob, "Zeta"), utc(2026, 3, 9, 9), outcome="offer_made")
    return {"acme": acme, "beta": beta}


EXPECTED = {
    "calls": 2,
    "phone_offers": 1,
    "proposal_emails": 3,
    "meetings": 1,
    "visits": 1,
    "new_clients": 2,
    "targets": [],
}


def test_the_figures_are_counted_on_the_users_clock(worked_march, ivan):
    figures = monthly_figures(user=ivan, month=MARCH)
    targets = figures.pop("targets")
    assert figures == {key: value for key, value in EXPECTED.items() if key != "targets"}
    # Targets come from klient.activities.targets: the month's, each with what was done in it.
    from klient.activities.targets import targets_progress

    expected = [
        {"metric": item.metric, "target": item.target, "done": item.done, "is_met": item.done >= item.target}
        for item in targets_progress(user=ivan, day=datetime.date(2026, 3, 31))
        if item.period == "month"
    ]
    assert targets == expected


def test_the_report_is_built_once_on_each_users_own_first(worked_march, ivan, bob, mike):
    assert monthly_reports_build_due(now=utc(2026, 3, 31, 20, 59)) == []  # 23:59 on the 31st in Moscow

    first = monthly_reports_build_due(now=utc(2026, 3, 31, 21, 0))  # midnight on 1 April in Moscow
    assert [(report.user.username, report.month) for report in first] == [("ivan", MARCH)]
    again = monthly_reports_build_due(now=utc(2026, 3, 31, 22, 0))
    assert [report.pk for report in again] == [first[0].pk]
    assert MonthlyReport.objects.count() == 1

    report = MonthlyReport.objects.get()
    assert report.generated_at == utc(2026, 3, 31, 21, 0)
    assert {key: value for key, value in report.figures.items() if key != "targets"} == {
        key: value for key, value in EXPECTED.items() if key != "targets"
    }
    assert report.finalized_at is None and report.sent_at is None
    assert report.pdf.name.startswith("reports/monthly/") and report.pdf.size > 1000

    # Bob and Mike (UTC) get theirs on their own 1st.
    monthly_reports_build_due(now=utc(2026, 4, 1, 0, 0))
    assert sorted(MonthlyReport.objects.values_list("user__username", "month")) == [
        ("bob", MARCH),
        ("ivan", MARCH),
        ("mike", MARCH),
    ]
    assert AuditEntry.objects.filter(content_type__model="monthlyreport", action="create").count() == 3


@pytest.fixture
def report(worked_march, ivan):
    return monthly_report_build(user=ivan, month=MARCH, now=utc(2026, 3, 31, 21))


def test_the_comment_is_open_until_2359_on_the_2nd(report, ivan, login):
    client = login(ivan)
    with time_machine.travel(utc(2026, 4, 2, 20, 59), tick=False):  # 23:59 on 2 April in Moscow
        response = client.post(f"/reports/monthly/{report.pk}/", {"comment": "Хороший месяц"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.comment == "Хороший месяц"

    with time_machine.travel(utc(2026, 4, 2, 21, 0), tick=False):  # midnight starting the 3rd
        response = client.post(f"/reports/monthly/{report.pk}/", {"comment": "Too late"})
        assert response.status_code == 400
        with translation.override("ru"):
            closed = gettext("The report is final: its comment can no longer change.")
        assert f'id="id_comment-error">{closed}</small>' in response.content.decode()
        # The request left Russian active on this thread; the service answers in the active language.
        with translation.override("en"), pytest.raises(ValidationError) as refused:
            monthly_report_comment(report=report, actor=ivan, comment="Too late")
    assert refused.value.message_dict == {
        "comment": ["The report is final: its comment can no longer change."]
    }
    report.refresh_from_db()
    assert report.comment == "Хороший месяц"
    assert AuditEntry.objects.filter(content_type__model="monthlyreport", action="update").count() == 1


def test_on_the_3rd_it_is_final_recounted_and_queued_once_to_the_lead(report, ivan, mike, make_activity):
    monthly_report_comment(report=report, actor=ivan, comment="Хороший месяц", now=utc(2026, 4, 2, 12))
    # A call of March recorded late, on the 2nd, is in the final figures.
    make_activity(ivan, worked_march_company(ivan), utc(2026, 3, 30, 9), outcome="offer_made")

    assert monthly_reports_finalize_due(now=utc(2026, 4, 2, 20, 59)) == []
    assert OutboxMessage.objects.count() == 0

    final = monthly_reports_finalize_due(now=utc(2026, 4, 2, 21, 0))
    assert [item.pk for item in final] == [report.pk]
    report.refresh_from_db()
    assert report.finalized_at == utc(2026, 4, 2, 21, 0)
    assert report.sent_at == utc(2026, 4, 2, 21, 0)
    assert (report.figures["calls"], report.figures["phone_offers"]) == (3, 2)
    text = "".join(pdf_text(report.pdf.read()).split())
    assert "Хорошиймесяц" in text
    assert "ИванПетров" in text

    message = OutboxMessage.objects.get()
    assert (message.to_email, message.key) == ("mike@example.com", f"monthly-report:{report.pk}")
    assert message.subject == "Monthly report of Иван Петров, 2026-03"

    # Again, and the final report stays as it is and nothing more is queued.
    assert monthly_reports_finalize_due(now=utc(2026, 4, 3, 9)) == []
    assert monthly_report_finalize(report=report, now=utc(2026, 4, 4)).finalized_at == utc(2026, 4, 2, 21, 0)
    assert OutboxMessage.objects.count() == 1


def worked_march_company(ivan):
    from klient.customers.models import Company

    return Company.objects.get(name="Acme", owner=ivan)


@pytest.mark.parametrize(
    ("language", "first_name", "last_name"),
    [("ru", "Иван", "Петров"), ("hy", "Արամ", "Պետրոսյան"), ("zh-hans", "伟", "王")],
)
def test_the_pdf_is_in_the_users_language_and_script(
    language, first_name, last_name, make_user, north, make_company, make_activity
):
    person = make_user(
        "writer", Role.TELESALES, north, first_name=first_name, last_name=last_name, language=language
    )
    company = make_company(person, "Acme")
    for day in range(2, 9):
        make_activity(person, company, utc(2026, 3, day, 9), outcome="reached")
    make_activity(person, company, utc(2026, 3, 9, 9), kind="meeting")
    report = monthly_report_build(user=person, month=MARCH)
    monthly_report_comment(report=report, actor=person, comment=f"{first_name} — OK", now=utc(2026, 4, 2))
    report = monthly_report_finalize(report=report, now=utc(2026, 4, 3))

    text = "".join(pdf_text(report.pdf.read()).split())
    with translation.override(language):
        month = formats.date_format(MARCH, "F Y")
        expected = [
            f"{first_name}{last_name}",
            "".join(month.split()),
            "".join(gettext("Monthly activity report").split()),
            "".join(gettext("Calls").split()) + "7",
            "".join(gettext("Meetings").split()) + "1",
            "".join(gettext("Visits").split()) + "0",
            f"{first_name}—OK",
        ]
    for piece in expected:
        assert piece in text, (piece, text)
    assert month != "March 2026"  # Django names the month in the user's language


def test_a_rep_cannot_read_another_reps_report_but_the_lead_can(report, ivan, bob, carol, mike, login, api):
    for outsider in (bob, carol):
        assert login(outsider).get(f"/reports/monthly/{report.pk}/").status_code == 404
        assert login(outsider).get(f"/reports/monthly/{report.pk}/pdf/").status_code == 404
        answer = api(outsider).get(f"/reports/monthly/{report.pk}")
        assert answer.status_code == 404
        assert api(outsider).get("/reports/monthly", user="ivan").json() == {"items": [], "next": None}

    page = login(mike).get(f"/reports/monthly/{report.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Иван Петров: March 2026" in html
    assert '<th scope="row">Proposal emails</th><td>3</td>' in html
    assert "data-comment-form" not in html  # only the author comments
    refused = login(mike).post(f"/reports/monthly/{report.pk}/", {"comment": "Mine"})
    assert refused.status_code == 403
    report.refresh_from_db()
    assert report.comment == ""

    pdf = login(mike).get(f"/reports/monthly/{report.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="report-ivan-2026-03.pdf"'
    assert "ИванПетров" in "".join(pdf_text(pdf.content).split())


def test_the_api_lists_the_reports_the_caller_may_read(report, ivan, bob, mike, api):
    bobs = monthly_report_build(user=bob, month=MARCH, now=utc(2026, 4, 1, 1))
    monthly_report_build(user=bob, month=datetime.date(2026, 2, 1), now=utc(2026, 3, 1, 1))

    lead = api(mike).get("/reports/monthly", month="2026-03")
    assert lead.status_code == 200
    assert [(item["user"], item["month"]) for item in lead.json()["items"]] == [
        ("bob", "2026-03"),
        ("ivan", "2026-03"),
    ]
    own = api(bob).get("/reports/monthly")
    assert [(item["user"], item["month"]) for item in own.json()["items"]] == [
        ("bob", "2026-03"),
        ("bob", "2026-02"),
    ]

    with time_machine.travel(utc(2026, 4, 2, 12), tick=False):
        answer = api(ivan).get(f"/reports/monthly/{report.pk}")
    assert answer.json() == {
        "id": report.pk,
        "user": "ivan",
        "month": "2026-03",
        "figures": EXPECTED | {"targets": report.figures["targets"]},
        "comment": "",
        "comment_open": True,
        "comment_deadline": "2026-04-02T21:00:00Z",
        "generated_at": "2026-03-31T21:00:00Z",
        "finalized_at": None,
        "sent_at": None,
        "pdf_url": f"/reports/monthly/{report.pk}/pdf/",
    }
    assert bobs.pk != report.pk

    bad = api(mike).get("/reports/monthly", month="2026-13")
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "month", "message": "Enter a month as YYYY-MM, e.g. 2026-03."}]
    assert api(make_reader(ivan)).get("/reports/monthly").status_code == 403


def make_reader(ivan):
    from klient.core.services import user_create

    return user_create(username="reader", role=Role.READ_ONLY, email="reader@example.com")


def test_the_list_page_shows_a_managers_team_with_a_constant_query_count(report, ivan, bob, mike, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(mike)
    client.get("/reports/monthly/")
    with CaptureQueriesContext(connection) as one:
        response = client.get("/reports/monthly/")
    assert response.status_code == 200
    assert response.content.decode().count('<tr data-report="') == 1
    for month in range(1, 3):
        monthly_report_build(user=bob, month=datetime.date(2026, month, 1))
    with CaptureQueriesContext(connection) as three:
        response = client.get("/reports/monthly/")
    html = response.content.decode()
    assert html.count('<tr data-report="') == 3
    assert len(three) == len(one)
    assert login(bob).get("/reports/monthly/").content.decode().count('<tr data-report="') == 2
