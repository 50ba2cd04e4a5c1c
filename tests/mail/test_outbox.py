"""The outbox: written in the caller's transaction, sent after commit, once, with retries."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.db import connection, transaction

from klient.activities.models import Activity
from klient.core.models import User
from klient.customers.models import Contact
from klient.mail.models import OutboxMessage, OutboxStatus
from klient.mail.services import (
    SENDING_TIMEOUT,
    mail_to_contact,
    mail_to_user,
    outbox_claim,
    outbox_deliver,
    outbox_sweep,
    retry_delay,
)
from tests.smtp import Sink

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def _send(alice: User, jan: Contact, key: str = "") -> OutboxMessage:
    return mail_to_contact(actor=alice, contact=jan, subject="Prices", body="Hello Jan", key=key)


def test_it_sends_after_commit_one_message_per_key(
    smtp_sink: Sink, alice: User, jan: Contact, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _send(alice, jan, key="offer-1")
        assert smtp_sink.messages == []  # nothing goes before the commit
        again = _send(alice, jan, key="offer-1")
    assert again.pk == first.pk
    assert len(callbacks) == 1
    assert OutboxMessage.objects.count() == 1
    assert Activity.objects.filter(kind="email").count() == 1
    assert len(smtp_sink.messages) == 1
    mail_from, recipients, message = smtp_sink.messages[0]
    assert (mail_from, recipients) == ("klient@localhost", ["jan@acme.example"])
    assert message["Subject"] == "Prices"
    assert message["To"] == "Jan Kowalski <jan@acme.example>"
    assert message["Reply-To"] == "alice@example.com"
    assert message["Message-ID"] == first.message_id
    assert first.message_id.startswith(f"<klient.outbox.{first.pk}.") and first.message_id.endswith(
        "@localhost>"
    )
    assert smtp_sink.bodies() == ["Hello Jan\n"]
    first.refresh_from_db()
    assert (first.status, first.attempts, first.sent_at, first.last_error) == (OutboxStatus.SENT, 1, NOON, "")
    # A later call with the same key, once sent, still sends nothing.
    with django_capture_on_commit_callbacks(execute=True) as later:
        assert _send(alice, jan, key="offer-1").pk == first.pk
    assert later == [] and len(smtp_sink.messages) == 1


def test_it_logs_the_message_as_an_outbound_email(
    smtp_sink: Sink, alice: User, jan: Contact, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        message = mail_to_contact(
            actor=alice, contact=jan, subject="Our offer", body="See below", purpose="proposal"
        )
    activity = Activity.objects.get()
    assert message.activity_id == activity.pk
    assert (activity.kind, activity.direction, activity.purpose) == ("email", "outbound", "proposal")
    assert (activity.owner, activity.company, activity.contact) == (alice, jan.company, jan)
    assert (activity.subject, activity.done_at) == ("Our offer", NOON)
    jan.company.refresh_from_db()
    assert jan.company.last_contact_at == NOON


def test_a_rolled_back_transaction_leaves_nothing_and_sends_nothing(
    smtp_sink: Sink, alice: User, jan: Contact, django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _send(alice, jan, key="doomed")
        raise RuntimeError("the caller fails after queueing")
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert Activity.objects.count() == 0
    assert smtp_sink.messages == []


def test_a_second_claim_of_the_same_row_gets_nothing(alice: User, jan: Contact) -> None:
    message = _send(alice, jan)
    first = outbox_claim(message_id=message.pk)
    second = outbox_claim(message_id=message.pk)
    assert first is not None and second is None
    message.refresh_from_db()
    assert (message.status, message.attempts, message.claim) == (OutboxStatus.SENDING, 1, first)


def test_two_deliveries_of_one_message_send_it_once(smtp_sink: Sink, alice: User, jan: Contact) -> None:
    message = _send(alice, jan)
    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    assert outbox_sweep() == 0
    assert len(smtp_sink.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_time_deliver_once(smtp_sink: Sink, alice: User, jan: Contact) -> None:
    message = _send(alice, jan)
    start = threading.Barrier(2)
    answers: list[str] = []

    def worker() -> None:
        try:
            start.wait()
            answers.append(outbox_deliver(message_id=message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(smtp_sink.messages) == 1
    assert OutboxStatus.SENT in answers and len(answers) == 2
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 1)


def test_when_smtp_is_down_the_message_stays_queued_and_goes_on_the_next_run(
    smtp_down: None, alice: User, jan: Contact, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        message = _send(alice, jan)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 1)
    assert message.next_attempt_at == NOON + datetime.timedelta(minutes=1)
    assert message.last_error.startswith("ConnectionRefusedError")
    with time_machine.travel(NOON + datetime.timedelta(seconds=59), tick=False):
        assert outbox_sweep() == 0  # not due yet


def test_a_refusing_server_is_retried_with_backoff_until_it_accepts(
    smtp_sink: Sink, alice: User, jan: Contact, django_capture_on_commit_callbacks
) -> None:
    smtp_sink.refuse = True
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        message = _send(alice, jan)
    with time_machine.travel(NOON + datetime.timedelta(minutes=1), tick=False):
        assert outbox_sweep() == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 2)
    assert message.next_attempt_at == NOON + datetime.timedelta(minutes=1 + 4)
    assert "451" in message.last_error
    smtp_sink.refuse = False
    with time_machine.travel(NOON + datetime.timedelta(minutes=5), tick=False):
        assert outbox_sweep() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.SENT, 3, "")
    assert len(smtp_sink.messages) == 1


def test_the_backoff_grows_four_times_up_to_six_hours() -> None:
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 8)] == [1, 4, 16, 64, 256, 360, 360]


def test_a_message_is_given_up_after_eight_attempts(smtp_sink: Sink, alice: User, jan: Contact) -> None:
    smtp_sink.refuse = True
    message = _send(alice, jan)
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=7)
    assert outbox_deliver(message_id=message.pk) == OutboxStatus.FAILED
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 8)
    assert outbox_sweep() == 0


def test_a_row_left_sending_by_a_dead_worker_is_sent_again_with_the_same_message_id(
    smtp_sink: Sink, alice: User, jan: Contact
) -> None:
    with time_machine.travel(NOON, tick=False):
        message = _send(alice, jan)
        assert outbox_claim(message_id=message.pk) is not None  # the worker dies here
        assert outbox_sweep() == 0
    with time_machine.travel(NOON + SENDING_TIMEOUT - datetime.timedelta(seconds=1), tick=False):
        assert outbox_sweep() == 0
    with time_machine.travel(NOON + SENDING_TIMEOUT + datetime.timedelta(seconds=1), tick=False):
        assert outbox_sweep() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    assert [m["Message-ID"] for _f, _t, m in smtp_sink.messages] == [message.message_id]


def test_mail_to_a_user_logs_no_activity(
    smtp_sink: Sink, mike: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = mail_to_user(
            user=mike,
            subject="Monthly report",
            body="Attached.",
            key="report:mike:2026-02",
            attachments=[("report.pdf", b"%PDF-1.7 report", "application/pdf")],
        )
        assert (
            mail_to_user(user=mike, subject="Monthly report", body="x", key="report:mike:2026-02") == message
        )
    assert Activity.objects.count() == 0
    assert len(smtp_sink.messages) == 1
    _from, recipients, sent = smtp_sink.messages[0]
    assert recipients == ["mike@example.com"]
    parts = [part for part in sent.walk() if part.get_filename()]
    assert [(p.get_filename(), p.get_payload(decode=True)) for p in parts] == [
        ("report.pdf", b"%PDF-1.7 report")
    ]
