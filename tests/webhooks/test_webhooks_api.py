"""/api/v1/webhooks and /api/v1/webhook-deliveries: administrators only, exact shapes, refused requests
change nothing and send nothing."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import time_machine

from klient.core.models import AuditEntry, User
from klient.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from klient.webhooks.services import webhook_emit, webhook_subscription_create
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
PUBLIC = "https://93.184.215.14/hooks"


def _state() -> list[Any]:
    return [
        list(
            WebhookSubscription.objects.order_by("pk").values_list(
                "pk", "name", "url", "is_active", "version"
            )
        ),
        list(WebhookDelivery.objects.order_by("pk").values_list("pk", "status", "attempts")),
        _audit().count(),
    ]


def _audit() -> Any:
    return AuditEntry.objects.filter(content_type__app_label="webhooks")


def _hook_out(hook: WebhookSubscription, **changes: Any) -> dict[str, Any]:
    return {
        "id": hook.pk,
        "name": hook.name,
        "url": hook.url,
        "events": hook.events,
        "is_active": hook.is_active,
        "secret": hook.secret,
        "created_by": "root",
        "version": hook.version,
        "created_at": "2026-03-02T12:00:00Z",
        "updated_at": "2026-03-02T12:00:00Z",
        **changes,
    }


@pytest.fixture
def erp(root: User) -> WebhookSubscription:
    with time_machine.travel(NOON, tick=False):
        return webhook_subscription_create(
            actor=root, name="ERP", url=PUBLIC, events=["quote.accepted", "quote.sent"]
        )


def test_an_admin_lists_subscriptions_by_name_with_their_secret_a_page_at_a_time(
    api: Any, root: User, erp: WebhookSubscription
) -> None:
    with time_machine.travel(NOON, tick=False):
        bi = webhook_subscription_create(actor=root, name="BI", url=PUBLIC, events=["order.delayed"])
    first = api(root).get("/webhooks", limit=1)
    assert first.status_code == 200
    body = first.json()
    assert body["items"] == [_hook_out(bi, events=["order.delayed"])]
    rest = api(root).get("/webhooks", limit=1, cursor=body["next"]).json()
    # The events come back in the order of the list of events, whatever order they were given in.
    assert rest == {"items": [_hook_out(erp, events=["quote.sent", "quote.accepted"])], "next": None}


def test_an_admin_creates_a_subscription_and_gets_the_generated_secret(api: Any, root: User) -> None:
    with time_machine.travel(NOON, tick=False):
        response = api(root).post(
            "/webhooks", {"name": "  ERP  sync ", "url": PUBLIC, "events": ["contract.signed", "quote.sent"]}
        )
    assert response.status_code == 201
    hook = WebhookSubscription.objects.get()
    assert response.json() == _hook_out(hook, name="ERP sync", events=["quote.sent", "contract.signed"])
    assert (hook.created_by, len(hook.secret)) == (root, 43)
    entry = _audit().get()
    assert (entry.action, entry.actor, sorted(entry.changes)) == (
        "create",
        root,
        ["events", "is_active", "name", "url"],
    )
    assert "secret" not in json.dumps(entry.changes)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"name": "A", "url": "http://93.184.215.14/hooks", "events": ["quote.sent"]},
            [{"field": "url", "message": "Only https:// URLs are accepted, e.g. https://example.com/hooks."}],
        ),
        (
            {"name": "A", "url": "https://10.0.0.5/hooks", "events": ["quote.sent"]},
            [
                {
                    "field": "url",
                    "message": "“10.0.0.5” is a private, loopback or link-local address (10.0.0.5); "
                    "webhooks go only to public addresses.",
                }
            ],
        ),
    ],
)
def test_a_refused_url_answers_422_naming_the_field_and_saves_nothing(
    api: Any, root: User, data: dict[str, Any], errors: list[dict[str, str]]
) -> None:
    response = api(root).post("/webhooks", data)
    assert response.status_code == 422
    assert response.json() == {"detail": "The request is not valid.", "errors": errors}
    assert _state() == [[], [], 0]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "A", "url": PUBLIC, "events": ["ping"]}, "events.0"),
        ({"name": "A", "url": PUBLIC, "events": []}, "events"),
        ({"name": "A", "url": PUBLIC, "events": ["quote.sent"], "secret": "mine"}, "secret"),
    ],
)
def test_a_ping_subscription_no_events_or_a_chosen_secret_are_refused(
    api: Any, root: User, data: dict[str, Any], field: str
) -> None:
    response = api(root).post("/webhooks", data)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert WebhookSubscription.objects.count() == 0


def test_an_admin_reads_changes_and_deletes_a_subscription(
    api: Any, root: User, erp: WebhookSubscription
) -> None:
    client = api(root)
    assert client.get(f"/webhooks/{erp.pk}").json() == _hook_out(erp, events=["quote.sent", "quote.accepted"])
    with time_machine.travel(NOON + datetime.timedelta(hours=1), tick=False):
        changed = client.patch(f"/webhooks/{erp.pk}", {"version": 1, "is_active": False, "name": "ERP (old)"})
    assert changed.status_code == 200
    assert changed.json() == _hook_out(
        erp,
        name="ERP (old)",
        events=["quote.sent", "quote.accepted"],
        is_active=False,
        version=2,
        updated_at="2026-03-02T13:00:00Z",
    )
    stale = client.patch(f"/webhooks/{erp.pk}", {"version": 1, "name": "Lost"})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert WebhookSubscription.objects.get().name == "ERP (old)"
    webhook_subscription_update_count = _audit().filter(action="update").count()
    assert webhook_subscription_update_count == 1
    WebhookSubscription.objects.filter(pk=erp.pk).update(is_active=True)
    webhook_emit(event="quote.sent", payload={"quote": 1}, key="q:1")
    deleted = client.delete(f"/webhooks/{erp.pk}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    # Deleting a subscription deletes its delivery log with it.
    assert (WebhookSubscription.objects.count(), WebhookDelivery.objects.count()) == (0, 0)
    assert _audit().filter(action="delete").count() == 1
    assert client.get(f"/webhooks/{erp.pk}").status_code == 404


def test_the_delivery_log_lists_newest_first_with_what_each_attempt_got(
    api: Any, root: User, hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    receiver.statuses = [500]
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        webhook_emit(event="quote.sent", payload={"quote": 7}, key="quote.sent:7:1")
    with (
        time_machine.travel(NOON + datetime.timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        webhook_emit(event="quote.accepted", payload={"quote": 7}, key="quote.accepted:7")
    failed, delivered = WebhookDelivery.objects.order_by("pk")
    response = api(root).get(f"/webhooks/{hook.pk}/deliveries")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [delivered.pk, failed.pk]
    assert {key: value for key, value in items[1].items() if key not in {"response_body", "duration_ms"}} == {
        "id": failed.pk,
        "webhook": hook.pk,
        "event": "quote.sent",
        "key": "quote.sent:7:1",
        "payload": {"quote": 7},
        "status": "failed",
        "attempts": 1,
        "next_attempt_at": "2026-03-02T12:01:00Z",
        "response_status": 500,
        "last_error": "HTTP 500 Internal Server Error",
        "delivered_at": None,
        "created_at": "2026-03-02T12:00:00Z",
    }
    assert (len(items[1]["response_body"]), items[0]["response_body"]) == (2048, "ok")
    assert (items[0]["status"], items[0]["next_attempt_at"], items[0]["delivered_at"]) == (
        "delivered",
        None,
        "2026-03-02T12:01:00Z",
    )
    only_failed = api(root).get(f"/webhooks/{hook.pk}/deliveries", status="failed").json()
    assert [item["id"] for item in only_failed["items"]] == [failed.pk]
    page = api(root).get(f"/webhooks/{hook.pk}/deliveries", limit=1).json()
    assert [item["id"] for item in page["items"]] == [delivered.pk] and page["next"]


def test_ping_and_redeliver_post_to_the_receiver_after_the_request_commits(
    api: Any, root: User, hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    client = api(root)
    with django_capture_on_commit_callbacks(execute=True):
        pinged = client.post(f"/webhooks/{hook.pk}/ping", {})
    assert pinged.status_code == 202
    ping = WebhookDelivery.objects.get()
    assert {key: pinged.json()[key] for key in ("id", "event", "status", "attempts", "payload")} == {
        "id": ping.pk,
        "event": "ping",
        "status": "queued",
        "attempts": 0,
        "payload": {"subscription": hook.pk, "name": "ERP", "sent_by": "root"},
    }
    assert [request.headers["X-Klient-Event"] for request in receiver.requests] == ["ping"]
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/webhook-deliveries/{ping.pk}/redeliver", {})
    assert (again.status_code, again.json()["status"], again.json()["attempts"]) == (202, "queued", 0)
    ping.refresh_from_db()
    assert (ping.status, ping.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert len(receiver.requests) == 2


def test_a_delivery_being_sent_is_not_redelivered(api: Any, root: User, hook: WebhookSubscription) -> None:
    webhook_emit(event="quote.sent", payload={}, key="k")
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, attempts=1)
    response = api(root).post(f"/webhook-deliveries/{delivery.pk}/redeliver", {})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "delivery", "message": "This delivery is being sent right now; try again later."}
    ]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)


@pytest.mark.parametrize("persona", ["alice", "mike", "sam"])
def test_everyone_but_administrators_is_refused_and_nothing_changes_or_is_sent(
    api: Any,
    request: Any,
    persona: str,
    hook: WebhookSubscription,
    receiver: Receiver,
    django_capture_on_commit_callbacks,
) -> None:
    user = request.getfixturevalue(persona)
    webhook_emit(event="quote.sent", payload={}, key="k")
    delivery = WebhookDelivery.objects.get()
    before = _state()
    client = api(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answers = [
            client.get("/webhooks"),
            client.post("/webhooks", {"name": "Mine", "url": receiver.url, "events": ["quote.sent"]}),
            client.get(f"/webhooks/{hook.pk}"),
            client.patch(f"/webhooks/{hook.pk}", {"version": 1, "is_active": False}),
            client.delete(f"/webhooks/{hook.pk}"),
            client.get(f"/webhooks/{hook.pk}/deliveries"),
            client.post(f"/webhooks/{hook.pk}/ping", {}),
            client.post(f"/webhook-deliveries/{delivery.pk}/redeliver", {}),
        ]
    assert [answer.status_code for answer in answers] == [403] * 8
    assert {json.dumps(answer.json()) for answer in answers} == {'{"detail": "Not allowed.", "errors": []}'}
    assert (callbacks, receiver.requests, _state()) == ([], [], before)


def test_without_a_token_the_api_answers_401(client: Any, hook: WebhookSubscription) -> None:
    assert client.get("/api/v1/webhooks").status_code == 401
    assert client.get(f"/api/v1/webhooks/{hook.pk}/deliveries").status_code == 401
