"""Webhooks in the API, for administrators: subscriptions, their delivery log, a test ping and
redelivery. The secret is part of every subscription answer, for setting up the receiver's check."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool, StrictInt

from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import reader
from klient.webhooks.models import WebhookDelivery, WebhookSubscription
from klient.webhooks.selectors import delivery_log, subscription_list
from klient.webhooks.services import (
    MANAGE_PERMISSION,
    webhook_ping,
    webhook_redeliver,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
)

router = Router(tags=["webhooks"])

EventName = Literal[
    "deal.stage_changed", "quote.sent", "quote.accepted", "quote.declined", "contract.signed", "order.delayed"
]
DeliveryStatusName = Literal["queued", "sending", "delivered", "failed", "abandoned"]
# The default of a field that takes no null: left out of a request, it is not set (exclude_unset).
UNSET: Any = None


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    secret: str = Field(description="Signs every delivery (X-Klient-Signature); keep it on the receiver")
    created_by: str | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class WebhookPage(Schema):
    items: list[WebhookOut]
    next: str | None


class WebhookIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=100)
    url: str = Field(..., min_length=1, max_length=500, description="An https:// URL on a public address")
    events: list[EventName] = Field(..., min_length=1)
    is_active: StrictBool = True


class WebhookPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read (409 if stale)")
    name: str = Field(UNSET, min_length=1, max_length=100)
    url: str = Field(UNSET, min_length=1, max_length=500)
    events: list[EventName] = Field(UNSET, min_length=1)
    is_active: StrictBool = Field(UNSET)


class WebhookDeliveryOut(Schema):
    id: int
    webhook: int
    event: str
    key: str
    payload: dict[str, Any]
    status: str = Field(description="queued, sending, delivered, failed (will retry), abandoned")
    attempts: int
    next_attempt_at: datetime.datetime | None = Field(description="When a queued or failed one goes next")
    response_status: int | None
    response_body: str = Field(description="The start of the receiver's last answer (2 KB at most)")
    last_error: str
    duration_ms: int | None
    delivered_at: datetime.datetime | None
    created_at: datetime.datetime


class WebhookDeliveryPage(Schema):
    items: list[WebhookDeliveryOut]
    next: str | None


def webhook_out(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "name": subscription.name,
        "url": subscription.url,
        "events": list(subscription.events),
        "is_active": subscription.is_active,
        "secret": subscription.secret,
        "created_by": subscription.created_by.username if subscription.created_by else None,
        "version": subscription.version,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }


def delivery_out(delivery: WebhookDelivery) -> dict[str, Any]:
    waiting = delivery.status in {"queued", "failed"}
    return {
        "id": delivery.pk,
        "webhook": delivery.subscription_id,
        "event": delivery.event,
        "key": delivery.key,
        "payload": delivery.payload,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at if waiting else None,
        "response_status": delivery.response_status,
        "response_body": delivery.response_body,
        "last_error": delivery.last_error,
        "duration_ms": delivery.duration_ms,
        "delivered_at": delivery.delivered_at,
        "created_at": delivery.created_at,
    }


def _subscription(pk: int) -> WebhookSubscription:
    return WebhookSubscription.objects.select_related("created_by").get(pk=pk)


@router.get("/webhooks", response={200: WebhookPage, **ERRORS}, summary="List webhook subscriptions by name")
def webhooks_list(
    request: HttpRequest, limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT), cursor: str | None = None
) -> HttpResponse:
    reader(request, MANAGE_PERMISSION)
    subscriptions = subscription_list().select_related("created_by")
    page = keyset_paginate(subscriptions, ordering=["name", "id"], cursor=cursor, limit=limit)
    return page_response({"items": [webhook_out(item) for item in page.items], "next": page.next_cursor})


@router.post(
    "/webhooks",
    response={201: WebhookOut, **ERRORS},
    summary="Subscribe an https:// URL to events; the answer carries the generated secret",
)
def webhooks_create(request: HttpRequest, payload: WebhookIn) -> Status:
    user = reader(request, MANAGE_PERMISSION)
    subscription = webhook_subscription_create(actor=user, **payload.dict())
    return Status(201, webhook_out(_subscription(subscription.pk)))


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS}, summary="Read a subscription")
def webhooks_read(request: HttpRequest, webhook_id: int) -> dict[str, Any]:
    reader(request, MANAGE_PERMISSION)
    return webhook_out(_subscription(webhook_id))


@router.patch(
    "/webhooks/{webhook_id}",
    response={200: WebhookOut, 409: ConflictError, **ERRORS},
    summary="Change a subscription (send the version you read); is_active false stops its deliveries",
)
def webhooks_update(request: HttpRequest, webhook_id: int, payload: WebhookPatch) -> dict[str, Any]:
    user = reader(request, MANAGE_PERMISSION)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    webhook_subscription_update(subscription=_subscription(webhook_id), actor=user, version=version, **data)
    return webhook_out(_subscription(webhook_id))


@router.delete(
    "/webhooks/{webhook_id}",
    response={204: None, **ERRORS},
    summary="Delete a subscription and its delivery log",
)
def webhooks_delete(request: HttpRequest, webhook_id: int) -> Status:
    user = reader(request, MANAGE_PERMISSION)
    webhook_subscription_delete(subscription=_subscription(webhook_id), actor=user)
    return Status(204, None)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: WebhookDeliveryPage, **ERRORS},
    summary="A subscription's delivery log, newest first",
)
def webhooks_deliveries(
    request: HttpRequest,
    webhook_id: int,
    status: DeliveryStatusName | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    reader(request, MANAGE_PERMISSION)
    deliveries = delivery_log(subscription=_subscription(webhook_id), status=status or "")
    page = keyset_paginate(deliveries, ordering=["-created_at", "-id"], cursor=cursor, limit=limit)
    return page_response({"items": [delivery_out(item) for item in page.items], "next": page.next_cursor})


@router.post(
    "/webhooks/{webhook_id}/ping",
    response={202: WebhookDeliveryOut, **ERRORS},
    summary="Send a test ping to the subscription's URL (tried once; see its delivery)",
)
def webhooks_ping(request: HttpRequest, webhook_id: int) -> Status:
    user = reader(request, MANAGE_PERMISSION)
    delivery = webhook_ping(subscription=_subscription(webhook_id), actor=user)
    return Status(202, delivery_out(delivery))


@router.post(
    "/webhook-deliveries/{delivery_id}/redeliver",
    response={202: WebhookDeliveryOut, **ERRORS},
    summary="Send a delivery again now, with the full retry schedule ahead of it",
)
def webhook_deliveries_redeliver(request: HttpRequest, delivery_id: int) -> Status:
    user = reader(request, MANAGE_PERMISSION)
    delivery = webhook_redeliver(delivery=WebhookDelivery.objects.get(pk=delivery_id), actor=user)
    return Status(202, delivery_out(delivery))
