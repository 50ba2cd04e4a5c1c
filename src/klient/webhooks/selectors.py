"""Reads of the webhooks app: subscriptions and their delivery log. Only administrators read them, so
there is no visibility filter beyond the permission the views and the API check."""

from __future__ import annotations

from django.db.models import QuerySet

from klient.webhooks.models import WebhookDelivery, WebhookSubscription


def subscription_list() -> QuerySet[WebhookSubscription]:
    """Every subscription (ordered by the caller: by name)."""
    return WebhookSubscription.objects.all()


def delivery_log(*, subscription: WebhookSubscription, status: str = "") -> QuerySet[WebhookDelivery]:
    """A subscription's deliveries (the caller orders them newest first), optionally of one status."""
    deliveries = WebhookDelivery.objects.filter(subscription=subscription)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries
