"""Templates in the contact's language, proposal mailings, throttling and the unsubscribe link."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from klient.activities.models import Activity
from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, contact_create
from klient.mail.models import MailTemplate, OutboxMessage, OutboxStatus, Unsubscribe
from klient.mail.services import (
    mail_template_send,
    mail_to_contact,
    mailing_create,
    outbox_sweep,
    template_render,
)
from tests.smtp import Sink

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
LANGUAGES = ["en", "pl", "bs", "hy", "zh-hans", "ru"]
DEFAULTS = ["birthday", "holiday", "invitation", "meeting", "monthly_report", "proposal"]


def test_the_defaults_come_in_six_languages() -> None:
    templates = MailTemplate.objects.prefetch_related("texts").order_by("code")
    assert [template.code for template in templates] == DEFAULTS
    for template in templates:
        assert sorted(text.language for text in template.texts.all()) == sorted(LANGUAGES), template.code
    assert {t.code: t.purpose for t in templates} == {
        "birthday": "greeting",
        "holiday": "greeting",
        "invitation": "invitation",
        "meeting": "invitation",
        "monthly_report": "other",
        "proposal": "proposal",
    }


def test_every_default_renders_its_variables_in_every_language(alice: User, jan: Contact) -> None:
    context = {
        "contact": jan,
        "company": jan.company,
        "sender": alice,
        "occasion": "OCCASION",
        "event": {"name": "EVENTNAME", "place": "PLACE", "starts_at": "STARTS"},
        "accept_url": "ACCEPT",
        "decline_url": "DECLINE",
        "activity": {"subject": "MEETSUBJ", "due_at": "DUE"},
        "report_user": "REPORTUSER",
        "month": "MONTH",
    }
    expected = {
        "proposal": ["Acme", "Jan", "Alice Archer"],
        "birthday": ["Jan", "Alice Archer"],
        "holiday": ["OCCASION", "Jan"],
        "invitation": ["EVENTNAME", "PLACE", "STARTS", "ACCEPT", "DECLINE"],
        "meeting": ["MEETSUBJ", "DUE"],
        "monthly_report": ["REPORTUSER", "MONTH"],
    }
    for code, values in expected.items():
        for language in LANGUAGES:
            subject, body = template_render(code=code, language=language, context=context)
            assert "{{" not in subject + body and "{%" not in subject + body
            for value in values:
                assert value in body, (code, language, value)


def test_plain_text_is_not_escaped(alice: User, acme: Company) -> None:
    contact = contact_create(actor=alice, company=acme, first_name="O'Brien & <Co>", email="ob@acme.example")
    _subject, body = template_render(
        code="proposal", language="en", context={"contact": contact, "company": acme, "sender": alice}
    )
    assert body.startswith("Dear O'Brien & <Co>,\n")


def test_an_unknown_language_falls_back_to_english(alice: User, jan: Contact) -> None:
    subject, _body = template_render(
        code="proposal", language="de", context={"company": jan.company, "contact": jan, "sender": alice}
    )
    assert subject == "A proposal for Acme"


def test_the_message_follows_the_contacts_language(alice: User, acme: Company, jan: Contact) -> None:
    polish = mail_template_send(actor=alice, contact=jan, code="proposal")
    assert (polish.language, polish.subject) == ("pl", "Oferta handlowa dla Acme")
    assert polish.body.startswith("Szanowna Pani / Szanowny Panie Jan,\n")
    # No language on the contact: the company's document language.
    russian_company = company_create(actor=alice, name="Ромашка", document_language="ru")
    ivan = contact_create(
        actor=alice, company=russian_company, first_name="Иван", email="ivan@romashka.example"
    )
    russian = mail_template_send(actor=alice, contact=ivan, code="birthday")
    assert (russian.language, russian.subject, russian.purpose) == ("ru", "С днём рождения!", "greeting")
    # Neither: the sender's language.
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    plain = contact_create(actor=alice, company=acme, first_name="Li", email="li@acme.example")
    chinese = mail_template_send(actor=alice, contact=plain, code="holiday", context={"occasion": "春节"})
    assert (chinese.language, chinese.subject) == ("zh-hans", "春节快乐")


def test_a_proposal_carries_a_working_unsubscribe_link(
    smtp_sink: Sink, alice: User, jan: Contact, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = mail_template_send(actor=alice, contact=jan, code="proposal")
    assert Activity.objects.get().purpose == "proposal"
    _from, _to, sent = smtp_sink.messages[0]
    body = smtp_sink.bodies()[0]
    link = re.search(r"http://127\.0\.0\.1:8000(/mail/unsubscribe/\S+/)\n", body)
    assert link, body
    assert sent["List-Unsubscribe"].strip() == f"<http://127.0.0.1:8000{link.group(1)}>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with translation.override("pl"):  # the footer is in the contact's language too
        footer = gettext("To receive no more offers from us, follow this link: %(url)s") % {
            "url": f"http://127.0.0.1:8000{link.group(1)}"
        }
    assert body.endswith(f"\n\n-- \n{footer}\n")
    assert message.headers["List-Unsubscribe"] == sent["List-Unsubscribe"].strip()

    page = Client().get(link.group(1))
    assert page.status_code == 200
    assert "jan@acme.example will receive no more offers or mailings from us." in page.content.decode()
    assert list(Unsubscribe.objects.values_list("email", "contact_id", "source")) == [
        ("jan@acme.example", jan.pk, "link")
    ]
    # Following it again changes nothing; later proposals are refused, other mail still goes.
    assert Client().post(link.group(1)).status_code == 200
    assert Unsubscribe.objects.count() == 1
    with pytest.raises(ValidationError) as refused:
        mail_template_send(actor=alice, contact=jan, code="proposal")
    assert refused.value.message_dict == {"contact": ["jan@acme.example has unsubscribed from offers."]}
    assert OutboxMessage.objects.count() == 1
    assert (
        mail_to_contact(actor=alice, contact=jan, subject="Your invoice", body="Attached").status == "queued"
    )


def test_a_tampered_unsubscribe_link_records_nothing(db: None) -> None:
    page = Client().get("/mail/unsubscribe/eyJlIjoiZXZlQGV4YW1wbGUuY29tIn0:bad:signature/")
    assert page.status_code == 400
    assert "This link is not valid" in page.content.decode()
    assert Unsubscribe.objects.count() == 0


def test_refused_messages_create_nothing(alice: User, rita: User, acme: Company, sue: Contact) -> None:
    nobody = contact_create(actor=alice, company=acme, first_name="No", last_name="Mail")
    with pytest.raises(ValidationError) as no_address:
        mail_template_send(actor=alice, contact=nobody, code="proposal")
    assert no_address.value.message_dict == {"contact": ["No Mail has no email address."]}
    with pytest.raises(Company.DoesNotExist):
        mail_to_contact(actor=alice, contact=sue, subject="Hi", body="Hi")  # carol's company
    from klient.core.exceptions import NotAllowed

    jan = contact_create(actor=alice, company=acme, first_name="Jan", email="jan@acme.example")
    with pytest.raises(NotAllowed):
        mail_to_contact(actor=rita, contact=jan, subject="Hi", body="Hi")
    assert OutboxMessage.objects.count() == 0
    assert Activity.objects.count() == 0


def _companies(alice: User, count: int) -> list[Company]:
    companies = []
    for index in range(count):
        company = company_create(actor=alice, name=f"Firm {index}")
        contact_create(actor=alice, company=company, first_name=f"P{index}", email=f"p{index}@firm.example")
        companies.append(company)
    return companies


def test_a_mailing_is_spread_at_the_configured_rate(alice: User, settings) -> None:
    firms = _companies(alice, 4)
    proposal = MailTemplate.objects.get(code="proposal")
    with time_machine.travel(NOON, tick=False):
        mailing = mailing_create(
            actor=alice, template=proposal, companies=Company.objects.filter(pk__in=[f.pk for f in firms])
        )
    times = list(mailing.messages.order_by("next_attempt_at").values_list("next_attempt_at", flat=True))
    assert times == [NOON + datetime.timedelta(seconds=2 * index) for index in range(4)]
    assert mailing.rate_per_minute == 30
    settings.MAIL_RATE_PER_MINUTE = 20
    with time_machine.travel(NOON, tick=False):
        slower = mailing_create(
            actor=alice, template=proposal, companies=Company.objects.filter(pk__in=[f.pk for f in firms[:3]])
        )
    times = list(slower.messages.order_by("next_attempt_at").values_list("next_attempt_at", flat=True))
    assert times == [NOON, NOON + datetime.timedelta(seconds=3), NOON + datetime.timedelta(seconds=6)]


def test_a_throttled_mailing_goes_out_as_its_messages_fall_due(
    smtp_sink: Sink, alice: User, settings, django_capture_on_commit_callbacks
) -> None:
    settings.MAIL_RATE_PER_MINUTE = 2  # one every 30 seconds
    firms = _companies(alice, 3)
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        mailing_create(
            actor=alice,
            template=MailTemplate.objects.get(code="proposal"),
            companies=Company.objects.filter(pk__in=[f.pk for f in firms]),
        )
    assert len(smtp_sink.messages) == 1  # only the first is due at once
    with time_machine.travel(NOON + datetime.timedelta(seconds=29), tick=False):
        assert outbox_sweep() == 0
    with time_machine.travel(NOON + datetime.timedelta(seconds=30), tick=False):
        assert outbox_sweep() == 1
    with time_machine.travel(NOON + datetime.timedelta(seconds=60), tick=False):
        assert outbox_sweep() == 1
    assert sorted(to[0] for _f, to, _m in smtp_sink.messages) == [
        "p0@firm.example",
        "p1@firm.example",
        "p2@firm.example",
    ]


def test_a_mailing_skips_companies_without_an_address_and_unsubscribed_ones(alice: User) -> None:
    firms = _companies(alice, 2)
    empty = company_create(actor=alice, name="Empty Ltd")
    contact_create(actor=alice, company=empty, first_name="Phone", last_name="Only", phone="+48 22 123 45 67")
    gone = company_create(actor=alice, name="Gone Ltd")
    contact_create(actor=alice, company=gone, first_name="Gone", email="Gone@Gone.example")
    Unsubscribe.objects.create(email="gone@gone.example")
    mailing = mailing_create(
        actor=alice,
        template=MailTemplate.objects.get(code="proposal"),
        companies=Company.objects.filter(pk__in=[firms[0].pk, firms[1].pk, empty.pk, gone.pk]),
    )
    assert (mailing.company_count, mailing.queued_count) == (4, 2)
    assert mailing.skipped == {"no_address": 1, "unsubscribed": 1}
    assert mailing.skipped_companies == [
        {"company": empty.pk, "name": "Empty Ltd", "reason": "no_address"},
        {"company": gone.pk, "name": "Gone Ltd", "reason": "unsubscribed"},
    ]
    messages = OutboxMessage.objects.filter(mailing=mailing).order_by("to_email")
    assert [(m.to_email, m.purpose, m.status) for m in messages] == [
        ("p0@firm.example", "proposal", OutboxStatus.QUEUED),
        ("p1@firm.example", "proposal", OutboxStatus.QUEUED),
    ]
    assert Activity.objects.filter(kind="email", purpose="proposal").count() == 2


def test_a_mailing_reaches_only_companies_the_sender_sees(alice: User, carol: User, sue: Contact) -> None:
    firms = _companies(alice, 1)
    mailing = mailing_create(
        actor=alice,
        template=MailTemplate.objects.get(code="proposal"),
        companies=Company.objects.filter(pk__in=[firms[0].pk, sue.company_id]),
    )
    assert (mailing.company_count, mailing.queued_count) == (1, 1)
    assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == ["p0@firm.example"]
