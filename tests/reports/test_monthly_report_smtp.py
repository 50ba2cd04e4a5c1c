"""The final monthly report reaches the team lead through a real SMTP server (aiosmtpd on loopback),
once, with the PDF attached; a rep without a team lead sends nothing."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from klient.core.models import Role
from klient.mail.models import OutboxMessage
from klient.reports.models import MonthlyReport
from klient.reports.services import (
    monthly_report_comment,
    monthly_reports_build_due,
    monthly_reports_finalize_due,
)
from tests.reports.pdf_text import pdf_text

pytestmark = pytest.mark.django_db


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def test_the_final_report_is_mailed_once_to_the_team_lead(
    smtp_sink, make_user, north, mike, carol, make_company, make_activity, django_capture_on_commit_callbacks
):
    aram = make_user(
        "aram",
        Role.ACCOUNT_MANAGER,
        north,
        first_name="Արամ",
        last_name="Պետրոսյան",
        language="hy",
        timezone_name="Asia/Yerevan",
    )
    company = make_company(aram, "Acme")
    make_activity(aram, company, utc(2026, 3, 3, 9), outcome="offer_made")
    with time_machine.travel(utc(2026, 3, 31, 20, 0), tick=False):  # midnight starting 1 April in Yerevan
        monthly_reports_build_due()
    report = MonthlyReport.objects.get(user=aram)
    monthly_report_comment(report=report, actor=aram, comment="Լավ ամիս", now=utc(2026, 4, 2, 10))

    for moment in (utc(2026, 4, 2, 20, 0), utc(2026, 4, 2, 21, 0), utc(2026, 4, 3, 8, 0)):
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
            monthly_reports_finalize_due()

    assert len(smtp_sink.messages) == 1
    mail_from, recipients, message = smtp_sink.messages[0]
    assert mail_from == "klient@localhost"
    assert recipients == ["mike@example.com"]
    assert message["Subject"].strip() == "Monthly report of Արամ Պետրոսյան, 2026-03"
    attachments = [part for part in message.walk() if part.get_content_disposition() == "attachment"]
    assert [part.get_filename() for part in attachments] == ["report-aram-2026-03.pdf"]
    assert [part.get_content_type() for part in attachments] == ["application/pdf"]
    text = "".join(pdf_text(attachments[0].get_payload(decode=True)).split())
    assert "ԱրամՊետրոսյան" in text
    assert "Լավամիս" in text
    assert OutboxMessage.objects.get().status == "sent"
    report.refresh_from_db()
    assert report.sent_at == utc(2026, 4, 2, 20, 0)

    # Carol's team (South) has no lead: her report is final, and nothing is sent for it.
    with time_machine.travel(utc(2026, 4, 1, 1), tick=False):
        monthly_reports_build_due()
    with (
        time_machine.travel(utc(2026, 4, 3, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        monthly_reports_finalize_due()
    carols = MonthlyReport.objects.get(user=carol)
    assert carols.finalized_at == utc(2026, 4, 3, 1) and carols.sent_at is None
    assert len(smtp_sink.messages) == 1
