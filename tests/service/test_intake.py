"""Mail intake's rules one at a time: automatic mail never reopens or gets acknowledged, a reply reopens a
resolved ticket, a subject tag is trusted only from people of the ticket, acknowledgements are limited per
sender and hour and never go to our own addresses, routing by address and --queue, the quarantine and
processing again after a fix, the sweep, and duplicates by any earlier message's Message-ID."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from klient.activities.models import Activity
from klient.core.exceptions import NotAllowed
from klient.customers.services import contact_create
from klient.service import intake
from klient.service.models import (
    Acknowledgement,
    EventKind,
    InboundMail,
    InboundStatus,
    LinkKind,
    LogAddress,
    MessageKind,
    Queue,
    Ticket,
    TicketLink,
    TicketMessage,
    TicketStatus,
)
from klient.service.services import MessageInput, customer_message_add, ticket_update

CORPUS = Path(__file__).parent / "mail"


def receive(raw: bytes, queue_name: str = "") -> intake.Outcome:
    _inbound, outcome = intake.receive(raw, source="test", queue_name=queue_name)
    return outcome


def mail(
    sender: str,
    subject: str,
    body: str = "Hello.",
    *,
    message_id: str = "",
    to: str = "support@klient.example",
    headers: str = "",
) -> bytes:
    lines = f"From: {sender}\nTo: {to}\nSubject: {subject}\n"
    if message_id:
        lines += f"Message-ID: <{message_id}>\n"
    return f"{lines}{headers}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n".encode()


@pytest.fixture
def first(marta: Any, support: Queue) -> Ticket:
    """Marta's ticket T-1001, opened by the corpus's first message and acknowledged."""
    assert receive((CORPUS / "01-iso-8859-2_question.eml").read_bytes()) == intake.Outcome(
        "created", 1001, "new ticket; acknowledged"
    )
    return Ticket.objects.get(number=1001)


def test_an_out_of_office_reply_is_kept_but_never_reopens_nor_is_acknowledged(first, sam):
    ticket_update(ticket=first, actor=sam, status=TicketStatus.RESOLVED)
    events = first.events.count()
    outcome = receive((CORPUS / "05-out-of-office.eml").read_bytes())
    assert outcome == intake.Outcome("appended", 1001, "References <s1@mleczarnia.example.pl>")
    first.refresh_from_db()
    assert (first.status, first.reopened_count) == (TicketStatus.RESOLVED, 0)
    assert first.events.count() == events
    message = first.messages.get(message_id="<s5@mleczarnia.example.pl>")
    assert (message.kind, message.is_automatic) == (MessageKind.EMAIL_IN, True)
    assert Acknowledgement.objects.count() == 1


def test_a_reply_reopens_a_resolved_ticket(first, sam):
    ticket_update(ticket=first, actor=sam, status=TicketStatus.RESOLVED)
    outcome = receive((CORPUS / "03-reply-in-reply-to.eml").read_bytes())
    assert outcome == intake.Outcome("appended", 1001, "In-Reply-To <s1@mleczarnia.example.pl>")
    first.refresh_from_db()
    assert (first.status, first.reopened_count) == (TicketStatus.OPEN, 1)
    message = first.messages.get(message_id="<s3@mleczarnia.example.pl>")
    assert (message.display_text, message.threading) == (
        "A czy można szybciej?",
        "In-Reply-To <s1@mleczarnia.example.pl>",
    )
    assert message.body_text.startswith(
        "A czy można szybciej?\n\nW dniu 16.11.2026 o 08:02, Marta Nowak pisze:"
    )


def test_a_subject_tag_is_trusted_only_from_people_of_the_ticket(first, alice, mleczarnia):
    stranger = receive(
        mail("eve@elsewhere.example", "Re: [T-1001] please add me", message_id="eve1@elsewhere.example")
    )
    assert stranger.status == "created" and stranger.ticket == 1002
    assert stranger.reason.startswith("stranger on T-1001: new ticket")
    assert list(TicketLink.objects.values_list("from_ticket__number", "to_ticket__number", "kind")) == [
        (1002, 1001, LinkKind.FOLLOW_UP)
    ]
    assert first.messages.filter(sender_email="eve@elsewhere.example").count() == 0
    # A contact of Mleczarnia who is not on the ticket yet may add to it.
    contact_create(
        actor=alice,
        company=mleczarnia,
        first_name="Piotr",
        last_name="Lis",
        email="piotr@mleczarnia.example.pl",
    )
    colleague = receive(
        mail("piotr@mleczarnia.example.pl", "Re: [T-1001] termin", message_id="piotr1@mleczarnia.example.pl")
    )
    assert colleague == intake.Outcome("appended", 1001, "subject tag T-1001")


def test_a_stranger_replying_by_in_reply_to_gets_a_linked_ticket(first):
    outcome = receive((CORPUS / "07-reply-stranger.eml").read_bytes())
    assert (outcome.status, outcome.ticket) == ("created", 1002)
    assert outcome.reason == "stranger on T-1001: new ticket; acknowledged"
    new = Ticket.objects.get(number=1002)
    assert (new.requester_email, new.company) == ("kowalski@konkurencja.example.com", None)
    assert new.messages.get(kind=MessageKind.EMAIL_IN).threading == "stranger on T-1001: new ticket"


def test_acknowledgements_are_limited_per_sender_and_hour(support, settings):
    settings.KLIENT_ACK_PER_SENDER_PER_HOUR = 2
    start = datetime.datetime(2026, 11, 16, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        outcomes = [
            receive(mail("jan@firma.example.pl", f"Question {n}", message_id=f"q{n}@firma.example.pl"))
            for n in range(3)
        ]
    assert [outcome.reason for outcome in outcomes] == [
        "new ticket; acknowledged",
        "new ticket; acknowledged",
        "new ticket",
    ]
    with time_machine.travel(start + datetime.timedelta(minutes=59), tick=False):
        assert (
            receive(mail("jan@firma.example.pl", "Question 3", message_id="q3@firma.example.pl")).reason
            == "new ticket"
        )
        # Another sender has their own allowance.
        assert (
            receive(mail("olga@firma.example.pl", "Question", message_id="o@firma.example.pl")).reason
            == "new ticket; acknowledged"
        )
    with time_machine.travel(start + datetime.timedelta(minutes=61), tick=False):
        assert (
            receive(mail("jan@firma.example.pl", "Question 4", message_id="q4@firma.example.pl")).reason
            == "new ticket; acknowledged"
        )
    assert list(Acknowledgement.objects.order_by("sent_at", "id").values_list("email", "ticket__number")) == [
        ("jan@firma.example.pl", 1001), ("jan@firma.example.pl", 1002), ("olga@firma.example.pl", 1005), ("jan@firma.example.pl", 1006),
    ]  # fmt: skip
    ack = TicketMessage.objects.get(ticket__number=1001, kind=MessageKind.SYSTEM)
    assert (ack.public, ack.is_automatic, ack.to, ack.threading, ack.in_reply_to) == (
        True,
        True,
        "jan@firma.example.pl",
        "acknowledgement",
        "<q0@firma.example.pl>",
    )
    assert ack.message_id == ack.outbox.message_id
    assert ack.outbox.headers == {
        "Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All", "Precedence": "auto_reply",
        "In-Reply-To": "<q0@firma.example.pl>", "References": "<q0@firma.example.pl>",
    }  # fmt: skip
    assert list(
        Ticket.objects.get(number=1001)
        .events.filter(kind=EventKind.ACKNOWLEDGED)
        .values_list("data", flat=True)
    ) == [{"to": "jan@firma.example.pl"}]


def test_no_acknowledgement_when_the_queue_does_not_or_to_our_own_addresses(support):
    support.acknowledge = False
    support.save()
    assert (
        receive(mail("jan@firma.example.pl", "Quiet queue", message_id="quiet@firma.example.pl")).reason
        == "new ticket"
    )
    support.acknowledge = True
    support.save()
    LogAddress.objects.create(email="log@klient.example")
    # Mail from our own sender address that is not automatic: a loop in the making, quarantined.
    loop = receive(
        mail(
            "Klient <klient@localhost>",
            "Re: [T-1001] We have received your request",
            message_id="loop@localhost",
        )
    )
    assert loop == intake.Outcome(
        "quarantined",
        None,
        "The message comes from one of our own addresses (klient@localhost): a mail loop?",
    )
    assert Acknowledgement.objects.count() == 0


def test_mail_goes_to_the_queue_of_its_address_or_the_one_asked_for(support):
    billing = Queue.objects.create(name="Billing", email="billing@klient.example")
    assert (
        receive(
            mail(
                "jan@firma.example.pl",
                "Invoice",
                message_id="i1@firma.example.pl",
                to="Billing <billing@klient.example>",
            )
        ).ticket
        == 1001
    )
    assert Ticket.objects.get(number=1001).queue == billing
    assert (
        receive(
            mail("jan@firma.example.pl", "Other", message_id="i2@firma.example.pl"), queue_name="billing"
        ).ticket
        == 1002
    )
    assert Ticket.objects.get(number=1002).queue == billing
    assert receive(mail("jan@firma.example.pl", "Else", message_id="i3@firma.example.pl")).ticket == 1003
    assert Ticket.objects.get(number=1003).queue == support
    # Copies to the queue's own address are not made participants (no mail to ourselves).
    receive(
        mail(
            "jan@firma.example.pl",
            "Copy",
            message_id="i4@firma.example.pl",
            headers="Cc: billing@klient.example, anna@firma.example.pl\n",
        )
    )
    assert list(Ticket.objects.get(number=1004).participants.values_list("email", flat=True)) == [
        "jan@firma.example.pl",
        "anna@firma.example.pl",
    ]


def test_a_log_address_bcc_is_quarantined_until_the_contact_exists_then_logged(alice, mleczarnia, root, sam):
    LogAddress.objects.create(email="log@klient.example")
    raw = (CORPUS / "27-log-bcc.eml").read_bytes()
    inbound, outcome = intake.receive(raw, source="test")
    assert outcome == intake.Outcome(
        "quarantined",
        None,
        "Mail to the log address log@klient.example matched no contact alice@example.com may log on.",
    )
    inbound.refresh_from_db()
    assert (inbound.status, inbound.attempts, inbound.sender, inbound.subject) == (
        InboundStatus.QUARANTINED,
        1,
        "alice@example.com",
        "Offer for December",
    )
    with pytest.raises(NotAllowed):
        intake.reprocess(inbound=inbound, actor=sam)
    marta = contact_create(
        actor=alice,
        company=mleczarnia,
        first_name="Marta",
        last_name="Nowak",
        email="marta@mleczarnia.example.pl",
    )
    assert intake.reprocess(inbound=inbound, actor=root) == intake.Outcome(
        "logged", None, "logged on Mleczarnia Sp. z o.o."
    )
    inbound.refresh_from_db()
    assert (inbound.status, inbound.outcome, inbound.attempts, inbound.reason) == (
        InboundStatus.PROCESSED,
        "logged",
        2,
        "logged on Mleczarnia Sp. z o.o.",
    )
    activity = Activity.objects.get()
    assert (activity.kind, activity.direction, activity.owner, activity.company, activity.contact) == (
        "email",
        "outbound",
        alice,
        mleczarnia,
        marta,
    )
    assert activity.done_at == datetime.datetime(2026, 11, 17, 9, 0, tzinfo=datetime.UTC)
    assert Ticket.objects.count() == 0
    with pytest.raises(ValidationError):
        intake.reprocess(inbound=inbound, actor=root)


def test_anything_raising_while_processing_quarantines_and_rolls_back(support, monkeypatch):
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("routing is broken")

    monkeypatch.setattr(intake, "ticket_open_within", broken)
    inbound, outcome = intake.receive(
        mail("jan@firma.example.pl", "Hello", message_id="h1@firma.example.pl"), source="test"
    )
    assert outcome == intake.Outcome("quarantined", None, "RuntimeError: routing is broken")
    assert Ticket.objects.count() == 0
    monkeypatch.undo()
    assert intake.reprocess(inbound=inbound, actor=None) == intake.Outcome(
        "created", 1001, "new ticket; acknowledged"
    )


def test_the_sweep_takes_up_messages_left_received(support):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        left = intake.store(
            mail("jan@firma.example.pl", "Left behind", message_id="left@firma.example.pl"), source="mailgate"
        )
        assert intake.sweep() == 0  # too recent: its mailgate may still be at work
    with time_machine.travel(start + datetime.timedelta(minutes=3), tick=False):
        assert intake.sweep() == 1
        assert intake.sweep() == 0
    left.refresh_from_db()
    assert (left.status, left.outcome, left.ticket.number if left.ticket else None) == (
        InboundStatus.PROCESSED,
        "created",
        1001,
    )
    # Processing a row that is done answers what became of it and does nothing more.
    assert intake.process(left) == intake.Outcome("created", 1001, "new ticket; acknowledged")
    assert Ticket.objects.count() == 1


def test_a_message_id_already_on_a_ticket_is_a_duplicate(first):
    customer_message_add(
        ticket=first,
        message=MessageInput(
            kind=MessageKind.PORTAL, body_text="From the portal", message_id="<portal-7@klient.example>"
        ),
    )
    outcome = receive(mail("marta@mleczarnia.example.pl", "Same", message_id="portal-7@klient.example"))
    assert outcome == intake.Outcome("duplicate", None, "<portal-7@klient.example> was processed already.")
    assert InboundMail.objects.filter(status=InboundStatus.DUPLICATE).count() == 1
    assert first.messages.filter(message_id="<portal-7@klient.example>").count() == 1


def test_the_jobs_are_scheduled_and_run(support, settings):
    from klient.service.tasks import mail_fetch, mail_intake_sweep

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"klient.service.tasks.mail_fetch", "klient.service.tasks.mail_intake_sweep"} <= schedule
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        intake.store(
            mail("jan@firma.example.pl", "Left", message_id="left2@firma.example.pl"), source="mailgate"
        )
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        assert mail_intake_sweep.delay().get() == 1
    assert mail_fetch.delay().get() == 0  # no mailboxes
    assert Ticket.objects.count() == 1


def test_the_acknowledgement_comes_from_the_queues_address(
    support, smtp_sink, django_capture_on_commit_callbacks
):
    billing = Queue.objects.create(name="Billing", email="billing@klient.example")
    with django_capture_on_commit_callbacks(execute=True):
        receive(
            mail(
                "jan@firma.example.pl",
                "Invoice",
                message_id="b1@firma.example.pl",
                to="billing@klient.example",
            )
        )
    [(_envelope_from, recipients, message)] = smtp_sink.messages
    assert (str(message["From"]), recipients, str(message["Subject"])) == (
        "Billing <billing@klient.example>", ["jan@firma.example.pl"], "[T-1001] We have received your request: Invoice",
    )  # fmt: skip
    assert (message["In-Reply-To"], message["Auto-Submitted"]) == ("<b1@firma.example.pl>", "auto-replied")
    ack = TicketMessage.objects.get(kind=MessageKind.SYSTEM)
    assert (ack.sender_email, ack.message_id, ack.ticket.queue) == (
        "billing@klient.example",
        message["Message-ID"],
        billing,
    )
    # Replying to the acknowledgement threads to the ticket.
    reply = mail(
        "jan@firma.example.pl",
        "Re: [T-1001] We have received your request: Invoice",
        message_id="b2@firma.example.pl",
        headers=f"In-Reply-To: {ack.message_id}\n",
    )
    assert receive(reply) == intake.Outcome("appended", 1001, f"In-Reply-To {ack.message_id}")


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_only_the_stored_message_waits_for_the_disk():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        inbound = intake.store(b"From: a@b.example\nSubject: x\n\nx\n", source="test")
    sql = [query["sql"] for query in queries.captured_queries]
    assert any(statement.startswith('INSERT INTO "service_inboundmail"') for statement in sql)
    assert InboundMail.objects.get(pk=inbound.pk).status == "received"
    if connection.vendor != "sqlite":  # PostgreSQL commits to disk anyway (synchronous_commit)
        assert not any("PRAGMA" in statement for statement in sql)
        return
    assert sql[0] == "PRAGMA synchronous=FULL" and sql[-1] == "PRAGMA synchronous=NORMAL"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone() == (1,)  # NORMAL again for everything else
