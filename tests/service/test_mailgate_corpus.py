"""The corpus (tests/service/mail/*.eml: encodings, broken MIME, bounces, auto-replies, replies from
strangers, a log-address BCC, nonsense) fed through `klient mailgate` one message at a time, in order, with
the acknowledgements delivered to a real SMTP server. Every message ends in exactly one of: a ticket
(created or appended), a timeline (logged), a duplicate, or the quarantine. None is lost."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from klient.activities.models import Activity
from klient.customers.services import company_create, contact_create
from klient.service.models import (
    Acknowledgement,
    InboundMail,
    InboundStatus,
    LinkKind,
    LogAddress,
    MessageKind,
    Ticket,
    TicketLink,
    TicketMessage,
    TicketStatus,
)
from klient.service.services import ticket_merge, ticket_update

CORPUS = Path(__file__).parent / "mail"
ZERO_BYTES = "<zero bytes>"
HUGE = "<huge attachment>"
MERGE_AND_CLOSE = "<merge T-1004 into T-1003, close T-1008>"
LIMIT = 1024 * 1024

# (message, status, ticket, threading reason it starts with, acknowledged)
EXPECTED: list[tuple[str, str, int | None, str, bool]] = [
    ("01-iso-8859-2_question.eml", "created", 1001, "new ticket", True),
    ("02-reply_with_references.eml", "appended", 1001, "References <s1@mleczarnia.example.pl>", False),
    ("03-reply-in-reply-to.eml", "appended", 1001, "In-Reply-To <s1@mleczarnia.example.pl>", False),
    ("04-reply-subject-tag.eml", "appended", 1001, "subject tag T-1001", False),
    ("05-out-of-office.eml", "appended", 1001, "References <s1@mleczarnia.example.pl>", False),
    ("06-dsn-bounce.eml", "appended", 1001, "bounce of <klient.outbox.", False),
    ("07-reply-stranger.eml", "created", 1002, "stranger on T-1001: new ticket", True),
    ("08-windows-1251.eml", "created", 1003, "new ticket", True),
    ("09-koi8-r.eml", "created", 1004, "new ticket", True),
    ("10-mislabelled-ascii-cp1251.eml", "created", 1005, "new ticket", True),
    # Ivan's fourth new ticket within the hour: the acknowledgement is not sent (at most 3 an hour).
    ("11-mislabelled-utf8-cp1251.eml", "created", 1006, "new ticket", False),
    ("12-gb2312.eml", "created", 1007, "new ticket", True),
    ("13-big5.eml", "created", 1008, "new ticket", True),
    ("14-armenian-utf8.eml", "created", 1009, "new ticket", True),
    ("15-rfc2047-split.eml", "created", 1010, "new ticket", True),
    ("16-broken-no-closing-boundary.eml", "created", 1011, "new ticket", True),
    ("17-broken-bad-base64.eml", "created", 1012, "new ticket", True),
    ("18-no-content-type.eml", "created", 1013, "new ticket", True),
    ("19-html-script-remote-cid.eml", "created", 1014, "new ticket", True),
    ("20-attachments.eml", "created", 1015, "new ticket", True),
    ("21-html_only.eml", "created", 1016, "new ticket", True),
    ("22-forwarded_as_attachment.eml", "created", 1017, "new ticket", True),
    ("23-bounce_simple.eml", "created", 1018, "new ticket", False),
    ("24-precedence-bulk.eml", "created", 1019, "new ticket", False),
    (
        "25-duplicate-message-id.eml",
        "duplicate",
        1001,
        "<s1@mleczarnia.example.pl> was processed already.",
        False,
    ),
    ("26-no-message-id.eml", "created", 1020, "new ticket", True),
    ("26-no-message-id.eml", "duplicate", 1020, "sha256:", False),
    ("27-log-bcc.eml", "logged", None, "logged on Mleczarnia Sp. z o.o.", False),
    (HUGE, "created", 1021, "new ticket", True),
    (MERGE_AND_CLOSE, "", None, "", False),
    ("28-reply-merged.eml", "appended", 1003, "subject tag T-1004; T-1004 merged into T-1003", False),
    ("29-reply-closed.eml", "created", 1022, "T-1008 is closed: new ticket", True),
    ("30-headers-only.eml", "created", 1023, "new ticket", True),
    ("31-empty.eml", "quarantined", None, "The message is empty.", False),
    (ZERO_BYTES, "quarantined", None, "The message is empty.", False),
    ("32-no-sender.eml", "quarantined", None, "The message has no sender address.", False),
    ("33-garbage.eml", "quarantined", None, "The message has no headers: it is not a mail message.", False),
    (
        "34-log-bcc-stranger.eml",
        "quarantined",
        None,
        "Mail to the log address log@klient.example from someone@outside.example",
        False,
    ),
]


def huge_message() -> bytes:
    """A message with an attachment half again over the (test's) limit, made here, not committed."""
    import base64

    payload = base64.encodebytes(b"\x89PNG" + b"x" * (LIMIT + LIMIT // 2)).decode()
    return (
        "From: eva@shop.example.de\nTo: support@klient.example\nSubject: Scan of the delivery note\n"
        "Message-ID: <e3@shop.example.de>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
        "--B\nContent-Type: text/plain; charset=utf-8\n\nThe scan is attached.\n\n"
        '--B\nContent-Type: image/png\nContent-Disposition: attachment; filename="scan.png"\n'
        f"Content-Transfer-Encoding: base64\n\n{payload}\n--B--\n"
    ).encode()


def mailgate(raw: bytes, *args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("mailgate", *args, stdin=io.BytesIO(raw), stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines
    answer: dict[str, Any] = json.loads(lines[0])
    return answer


@pytest.fixture
def desk(marta: Any, alice: Any, sam: Any, support: Any, settings: Any) -> dict[str, Any]:
    settings.KLIENT_MAIL_MAX_ATTACHMENT_BYTES = LIMIT
    stroy = company_create(actor=alice, name="Stroy", website="https://stroy.example.ru")
    contact_create(
        actor=alice,
        company=stroy,
        first_name="Ivan",
        last_name="Petrov",
        email="ivan@stroy.example.ru",
        language="ru",
    )
    LogAddress.objects.create(email="log@klient.example")
    return {"sam": sam, "alice": alice, "marta": marta}


def test_every_message_of_the_corpus_ends_up_in_one_place(
    desk, smtp_sink, django_capture_on_commit_callbacks
):
    assert len(list(CORPUS.glob("*.eml"))) == 34
    for name, status, number, reason, _acknowledged in EXPECTED:
        if name == MERGE_AND_CLOSE:
            ticket_merge(
                source=Ticket.objects.get(number=1004),
                target=Ticket.objects.get(number=1003),
                actor=desk["sam"],
            )
            ticket_update(
                ticket=Ticket.objects.get(number=1008), actor=desk["sam"], status=TicketStatus.CLOSED
            )
            continue
        if name == ZERO_BYTES:
            raw = b""
        elif name == HUGE:
            raw = huge_message()
        else:
            raw = (CORPUS / name).read_bytes()
        if b"%ACK_1001%" in raw:
            ack = TicketMessage.objects.get(ticket__number=1001, kind=MessageKind.SYSTEM)
            raw = raw.replace(b"%ACK_1001%", ack.message_id.encode())
        with django_capture_on_commit_callbacks(execute=True):
            answer = mailgate(raw)
        assert (answer["status"], answer["ticket"]) == (status, number), (name, answer)
        assert answer["reason"].startswith(reason), (name, answer)

    fed = [row for row in EXPECTED if row[0] != MERGE_AND_CLOSE]
    # Every message is stored, and in exactly one state; none is left received.
    assert InboundMail.objects.count() == len(fed) == 37
    by_outcome = {
        outcome: InboundMail.objects.filter(outcome=outcome).count()
        for outcome in ("created", "appended", "logged", "duplicate", "quarantined")
    }
    assert by_outcome == {"created": 23, "appended": 6, "logged": 1, "duplicate": 2, "quarantined": 5}
    assert InboundMail.objects.filter(status=InboundStatus.RECEIVED).count() == 0
    assert InboundMail.objects.filter(status=InboundStatus.QUARANTINED).count() == 5
    # Each message that reached a ticket is one email_in message there, with the reason it was threaded.
    assert Ticket.objects.count() == 23
    assert TicketMessage.objects.filter(kind=MessageKind.EMAIL_IN).count() == 29
    assert TicketMessage.objects.filter(kind=MessageKind.EMAIL_IN, inbound__isnull=True).count() == 0
    for inbound, (name, status, number, reason, _acknowledged) in zip(
        InboundMail.objects.order_by("id"), fed, strict=True
    ):
        kept_on = number if status in ("created", "appended") else None
        assert (inbound.outcome, inbound.ticket.number if inbound.ticket else None) == (status, kept_on), name
        if kept_on is not None:
            message = TicketMessage.objects.get(inbound=inbound)
            now_on = 1003 if number == 1004 else number  # T-1004 was merged into T-1003 with its messages
            assert (message.ticket.number, message.threading.startswith(reason)) == (now_on, True), name
    threading = dict(
        TicketMessage.objects.filter(
            kind=MessageKind.EMAIL_IN, message_id="<r5@stroy.example.ru>"
        ).values_list("ticket__number", "threading")
    )
    assert threading == {1003: "subject tag T-1004; T-1004 merged into T-1003"}
    # Automatic mail: kept, never acknowledged, two tickets opened by it are marked automatic.
    assert sorted(Ticket.objects.filter(is_automatic=True).values_list("number", flat=True)) == [1018, 1019]
    assert TicketMessage.objects.filter(kind=MessageKind.EMAIL_IN, is_automatic=True).count() == 4
    # The stranger and the reply to a closed ticket: new tickets linked as follow-ups.
    assert sorted(
        TicketLink.objects.filter(kind=LinkKind.FOLLOW_UP).values_list(
            "from_ticket__number", "to_ticket__number"
        )
    ) == [(1002, 1001), (1022, 1008)]
    assert Ticket.objects.get(number=1008).status == TicketStatus.CLOSED
    # The log address: one email activity on Mleczarnia's timeline, owned by alice, to Marta.
    activity = Activity.objects.get(kind="email")
    assert (activity.owner, activity.contact, activity.direction, activity.subject) == (
        desk["alice"],
        desk["marta"],
        "outbound",
        "Offer for December",
    )
    # The over-limit attachment is noted, not kept.
    huge = TicketMessage.objects.get(ticket__number=1021, kind=MessageKind.EMAIL_IN)
    assert list(huge.attachments.values_list("filename", "omitted", "size")) == [
        ("scan.png", True, 4 + LIMIT + LIMIT // 2)
    ]
    assert "Attachment scan.png (2 MB) was over the limit of 1 MB and was not kept." in huge.display_text

    # Acknowledgements: exactly the expected ones, through the real SMTP server, none to automatic mail.
    acknowledged = [number for _name, status, number, _reason, acked in fed if acked]
    assert len(acknowledged) == 20
    assert sorted(Acknowledgement.objects.values_list("ticket__number", flat=True)) == sorted(acknowledged)
    acks = [
        message for _from, _to, message in smtp_sink.messages if message["Auto-Submitted"] == "auto-replied"
    ]
    assert len(acks) == 20
    assert sorted(
        int(re.match(r"\[T-(\d+)\] ", str(message["Subject"]).strip()).group(1)) for message in acks
    ) == sorted(acknowledged)  # type: ignore[union-attr]
    assert Acknowledgement.objects.filter(email="ivan@stroy.example.ru").count() == 3
    assert not {"postmaster@mx.example", "newsletter@vendor.example"} & set(smtp_sink.recipients())
    # Besides them only the key account's manager heard of Marta's ticket.
    others = [
        message for _from, _to, message in smtp_sink.messages if message["Auto-Submitted"] != "auto-replied"
    ]
    assert [str(message["To"]) for message in others] == ["Alice Archer <alice@example.com>"]
    # Acknowledgements are written in the ticket's language: Marta's in Polish, Ivan's in Russian, the
    # others' (unknown senders) in English.
    languages = dict(
        TicketMessage.objects.filter(kind=MessageKind.SYSTEM).values_list(
            "ticket__number", "outbox__language"
        )
    )
    assert (languages[1001], languages[1003], languages[1007]) == ("pl", "ru", "en")


def test_mailgate_takes_files_one_message_each(marta, support):
    out = io.StringIO()
    names = [
        "01-iso-8859-2_question.eml",
        "03-reply-in-reply-to.eml",
        "01-iso-8859-2_question.eml",
        "31-empty.eml",
    ]
    call_command("mailgate", "--queue", "Support", *[str(CORPUS / name) for name in names], stdout=out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(answer["status"], answer["ticket"]) for answer in answers] == [
        ("created", 1001), ("appended", 1001), ("duplicate", 1001), ("quarantined", None),
    ]  # fmt: skip
    assert (
        list(InboundMail.objects.order_by("id").values_list("source", "queue_name"))
        == [("mailgate", "Support")] * 4
    )
