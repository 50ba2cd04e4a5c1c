"""Delivery: retried with backoff until the receiver answers 2xx, abandoned after the last attempt,
claimed so that two workers never send one delivery twice, over real TLS when the URL is https://."""

from __future__ import annotations

import datetime
import itertools
import json
import socket
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection

from klient.core.models import User
from klient.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from klient.webhooks.services import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    SENDING_TIMEOUT,
    retry_delay,
    webhook_claim,
    webhook_deliver,
    webhook_emit,
    webhook_ping,
    webhook_redeliver,
    webhook_subscription_create,
    webhook_sweep,
)
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


def _emit(key: str = "quote.sent:7:1") -> WebhookDelivery:
    assert webhook_emit(event="quote.sent", payload={"quote": 7}, key=key) == 1
    return WebhookDelivery.objects.get(key=key)


def test_the_schedule_is_one_five_thirty_minutes_then_two_six_twelve_and_twenty_four_hours() -> None:
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 8)] == [1, 5, 30, 120, 360, 720, 1440]
    assert MAX_ATTEMPTS == 8 == len(RETRY_DELAYS) + 1


def test_a_500_is_retried_at_the_scheduled_time_and_delivered_then(
    hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    receiver.statuses = [500, 503]
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        delivery = _emit()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.FAILED,
        1,
        NOON + MINUTE,
    )
    assert (delivery.response_status, delivery.last_error) == (500, "HTTP 500 Internal Server Error")
    assert delivery.response_body == "x" * 2048  # the start of the answer, 2 KB at most
    with time_machine.travel(NOON + MINUTE - datetime.timedelta(seconds=1), tick=False):
        assert webhook_sweep() == 0  # not due yet
    assert len(receiver.requests) == 1
    with time_machine.travel(NOON + MINUTE, tick=False):
        assert webhook_sweep() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.response_status) == (
        DeliveryStatus.FAILED,
        2,
        NOON + MINUTE + 5 * MINUTE,
        503,
    )
    with time_machine.travel(NOON + 6 * MINUTE, tick=False):
        assert webhook_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status, delivery.last_error) == (
        DeliveryStatus.DELIVERED,
        3,
        200,
        "",
    )
    assert delivery.delivered_at == NOON + 6 * MINUTE
    # Every attempt carried the same delivery id and body; the timestamps (and signatures) differ.
    assert len({request.body for request in receiver.requests}) == 1
    assert [request.headers["X-Klient-Timestamp"] for request in receiver.requests] == [
        str(int((NOON + offset).timestamp())) for offset in (0 * MINUTE, MINUTE, 6 * MINUTE)
    ]
    assert webhook_sweep() == 0 and len(receiver.requests) == 3


def test_it_is_abandoned_after_the_last_attempt(hook: WebhookSubscription, receiver: Receiver) -> None:
    receiver.statuses = [500] * MAX_ATTEMPTS
    with time_machine.travel(NOON, tick=False) as clock:
        delivery = _emit()
        answers, sent_at = [], []
        for _attempt in range(MAX_ATTEMPTS):
            sent_at.append(delivery.next_attempt_at)
            answers.append(webhook_deliver(delivery_id=delivery.pk))
            delivery.refresh_from_db()
            clock.move_to(delivery.next_attempt_at)
        assert answers == [DeliveryStatus.FAILED] * 7 + [DeliveryStatus.ABANDONED]
        assert [later - earlier for earlier, later in itertools.pairwise(sent_at)] == list(RETRY_DELAYS)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.ABANDONED, 8)
        clock.move_to(delivery.next_attempt_at + datetime.timedelta(days=7))
        assert webhook_sweep() == 0
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_two_claims_of_the_same_delivery_give_one_token(hook: WebhookSubscription) -> None:
    delivery = _emit()
    first = webhook_claim(delivery_id=delivery.pk)
    second = webhook_claim(delivery_id=delivery.pk)
    assert first is not None and second is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.claim) == (DeliveryStatus.SENDING, 1, first)


def test_two_deliveries_of_one_row_send_it_once(hook: WebhookSubscription, receiver: Receiver) -> None:
    delivery = _emit()
    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.DELIVERED
    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.DELIVERED
    assert webhook_sweep() == 0
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_time_send_once(root: User, receiver: Receiver) -> None:
    webhook_subscription_create(actor=root, name="ERP", url=receiver.url, events=["quote.sent"])
    delivery = _emit()
    start = threading.Barrier(2)
    answers: list[str] = []

    def worker() -> None:
        try:
            start.wait()
            answers.append(webhook_deliver(delivery_id=delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(receiver.requests) == 1
    assert DeliveryStatus.DELIVERED in answers and len(answers) == 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)


def test_a_row_left_sending_by_a_dead_worker_is_sent_again_after_the_timeout(
    hook: WebhookSubscription, receiver: Receiver
) -> None:
    with time_machine.travel(NOON, tick=False):
        delivery = _emit()
        assert webhook_claim(delivery_id=delivery.pk) is not None  # the worker dies here
        assert webhook_sweep() == 0
    with time_machine.travel(NOON + SENDING_TIMEOUT - datetime.timedelta(seconds=1), tick=False):
        assert webhook_sweep() == 0
    with time_machine.travel(NOON + SENDING_TIMEOUT + datetime.timedelta(seconds=1), tick=False):
        assert webhook_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert [request.headers["X-Klient-Delivery"] for request in receiver.requests] == [str(delivery.pk)]


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    hook: WebhookSubscription, receiver: Receiver
) -> None:
    receiver.statuses = [302]
    receiver.location = "/hooks/elsewhere"
    delivery = _emit()
    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert (delivery.response_status, delivery.last_error) == (
        302,
        "HTTP 302 Found (redirects are not followed)",
    )
    assert [request.path for request in receiver.requests] == ["/hooks/klient"]


def test_a_receiver_that_is_down_is_a_failure_with_the_error(root: User, insecure: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook_subscription_create(
        actor=root, name="Down", url=f"http://127.0.0.1:{port}/", events=["quote.sent"]
    )
    with time_machine.travel(NOON, tick=False):
        delivery = _emit()
        assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("ConnectionRefusedError")
    assert (delivery.response_status, delivery.next_attempt_at) == (None, NOON + MINUTE)


def test_a_private_address_is_refused_at_delivery_once_the_setting_is_off(
    hook: WebhookSubscription, receiver: Receiver, settings: Any
) -> None:
    delivery = _emit()
    settings.WEBHOOKS_ALLOW_INSECURE = False
    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error == "Only https:// URLs are accepted, e.g. https://example.com/hooks."
    assert receiver.requests == []


def test_a_ping_is_tried_once_and_a_redelivery_sends_again_from_zero(
    root: User, hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        ping = webhook_ping(subscription=hook, actor=root)
    ping.refresh_from_db()
    assert (ping.event, ping.status, ping.attempts, ping.response_status) == (
        "ping",
        DeliveryStatus.ABANDONED,
        1,
        500,
    )
    assert json.loads(receiver.requests[0].body)["data"] == {
        "subscription": hook.pk,
        "name": "ERP",
        "sent_by": "root",
    }
    with django_capture_on_commit_callbacks(execute=True):
        webhook_redeliver(delivery=ping, actor=root)
    ping.refresh_from_db()
    assert (ping.status, ping.attempts, ping.response_status) == (DeliveryStatus.DELIVERED, 1, 200)
    assert [request.headers["X-Klient-Delivery"] for request in receiver.requests] == [str(ping.pk)] * 2


def test_https_with_a_certificate_the_configured_ca_trusts(
    root: User, tls_receiver: Receiver, certificate: Any, settings: Any
) -> None:
    hook = webhook_subscription_create(actor=root, name="TLS", url=tls_receiver.url, events=["quote.sent"])
    delivery = _emit()
    # Without the CA the self-signed certificate is refused: the certificate is checked.
    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert tls_receiver.requests == []
    settings.WEBHOOKS_CA_FILE = str(certificate[0])
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=NOON)
    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.DELIVERED
    [request] = tls_receiver.requests
    assert request.headers["X-Klient-Delivery"] == str(delivery.pk)
    assert hook.url.startswith("https://")


def test_the_beat_runs_the_sweep_every_minute_through_the_registered_task(
    hook: WebhookSubscription, receiver: Receiver, settings: Any
) -> None:
    from celery.schedules import crontab

    from klient.celery import app
    from klient.webhooks.tasks import webhook_sweep_task

    entry = settings.CELERY_BEAT_SCHEDULE["webhooks-sweep"]
    assert (entry["task"], entry["schedule"]) == ("klient.webhooks.tasks.webhook_sweep", crontab(minute="*"))
    assert app.tasks[entry["task"]].name == webhook_sweep_task.name == entry["task"]
    _emit()  # no commit in this test: the job after commit never ran, the sweep sends it
    assert webhook_sweep_task.delay().get() == 1
    assert len(receiver.requests) == 1
