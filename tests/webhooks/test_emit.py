"""webhook_emit: deliveries written in the caller's transaction, POSTed after the commit, once per key,
signed so the receiver can check them with the secret and the exact body."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

from klient.core.models import User
from klient.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from klient.webhooks.services import webhook_emit, webhook_subscription_create, webhook_subscription_update
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
QUOTE = {"quote": 7, "number": "Q-2026-0007", "total": Decimal("1250.50"), "currency": "EUR"}


def test_it_posts_a_signed_body_after_commit_that_verifies_with_the_secret(
    hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert webhook_emit(event="quote.sent", payload=QUOTE, key="quote.sent:7:1") == 1
        assert receiver.requests == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    delivery = WebhookDelivery.objects.get()
    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/hooks/klient")
    timestamp = str(int(NOON.timestamp()))
    assert {name: request.headers[name] for name in request.headers if name != "Host"} == {
        "Accept-Encoding": "identity",
        "Content-Length": str(len(request.body)),
        "Content-Type": "application/json",
        "User-Agent": "Klient-Webhooks/1",
        "X-Klient-Event": "quote.sent",
        "X-Klient-Delivery": str(delivery.pk),
        "X-Klient-Timestamp": timestamp,
        "X-Klient-Signature": request.headers["X-Klient-Signature"],
    }
    # What docs/api.md tells receivers to do: HMAC-SHA256 of "<timestamp>.<raw body>" under the secret.
    expected = hmac.new(
        hook.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert request.headers["X-Klient-Signature"] == f"sha256={expected}"
    wrong = hmac.new(b"another secret", timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Klient-Signature"] != f"sha256={wrong}"
    assert json.loads(request.body) == {
        "id": delivery.pk,
        "event": "quote.sent",
        "created_at": "2026-03-02T12:00:00+00:00",
        "data": {"quote": 7, "number": "Q-2026-0007", "total": "1250.50", "currency": "EUR"},
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status, delivery.response_body) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
        "ok",
    )
    assert (delivery.delivered_at, delivery.last_error, delivery.claim) == (NOON, "", "")
    assert delivery.duration_ms is not None and delivery.duration_ms >= 0


def test_the_secret_is_long_random_and_different_for_each_subscription(
    root: User, receiver: Receiver
) -> None:
    first = webhook_subscription_create(actor=root, name="A", url=receiver.url, events=["quote.sent"])
    second = webhook_subscription_create(actor=root, name="B", url=receiver.url, events=["quote.sent"])
    assert len(first.secret) == 43 and len(second.secret) == 43
    assert first.secret != second.secret


def test_a_rolled_back_transaction_queues_nothing_and_sends_nothing(
    hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert webhook_emit(event="quote.sent", payload=QUOTE, key="quote.sent:7:1") == 1
        raise RuntimeError("the caller fails after emitting")
    assert callbacks == []
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


def test_the_same_key_twice_makes_one_delivery_and_one_post(
    hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert webhook_emit(event="quote.sent", payload=QUOTE, key="quote.sent:7:1") == 1
        assert webhook_emit(event="quote.sent", payload=QUOTE, key="quote.sent:7:1") == 0
    with django_capture_on_commit_callbacks(execute=True) as later:
        assert webhook_emit(event="quote.sent", payload=QUOTE, key="quote.sent:7:1") == 0
    assert (len(callbacks), later) == (1, [])
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1
    # Another version of the quote is another happening.
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_emit(event="quote.sent", payload=QUOTE, key="quote.sent:7:2") == 1
    assert len(receiver.requests) == 2


def test_each_subscription_gets_its_own_delivery_and_a_key_taken_by_one_still_queues_for_the_others(
    root: User, hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_emit(event="quote.sent", payload=QUOTE, key="k") == 1
        crm = webhook_subscription_create(actor=root, name="BI", url=receiver.url, events=["quote.sent"])
        assert webhook_emit(event="quote.sent", payload=QUOTE, key="k") == 1
    assert sorted(WebhookDelivery.objects.values_list("subscription__name", "key")) == [
        ("BI", "k"),
        ("ERP", "k"),
    ]
    assert sorted(request.headers["X-Klient-Delivery"] for request in receiver.requests) == sorted(
        str(pk) for pk in WebhookDelivery.objects.values_list("pk", flat=True)
    )
    assert crm.pk != hook.pk


def test_inactive_subscriptions_and_other_events_queue_nothing(
    root: User, hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    webhook_subscription_create(
        actor=root, name="Off", url=receiver.url, events=["contract.signed"], is_active=False
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert webhook_emit(event="contract.signed", payload={"contract": 1}, key="contract.signed:1") == 0
        assert webhook_emit(event="order.delayed", payload={"order": 1}, key="order.delayed:1") == 0
    assert (callbacks, WebhookDelivery.objects.count(), receiver.requests) == ([], 0, [])


def test_a_delivery_queued_before_its_subscription_was_switched_off_is_not_sent(
    root: User, hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        webhook_emit(event="quote.accepted", payload=QUOTE, key="quote.accepted:7")
        webhook_subscription_update(subscription=hook, actor=root, version=1, is_active=False)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == (
        DeliveryStatus.ABANDONED,
        "The subscription is inactive.",
    )
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("event", "key"),
    [("ping", "ping:1"), ("quote.lost", "q:1"), ("quote.sent", ""), ("quote.sent", "k" * 201)],
)
def test_an_unknown_event_or_a_bad_key_is_a_programming_error(
    hook: WebhookSubscription, event: str, key: str
) -> None:
    with pytest.raises(ValueError):
        webhook_emit(event=event, payload={}, key=key)
    assert WebhookDelivery.objects.count() == 0
