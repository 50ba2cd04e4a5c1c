"""Webhooks in the admin, for operators to look at: subscriptions and deliveries change in the app and the
API, where the URL checks, versions and the audit trail apply."""

from __future__ import annotations

from django.contrib import admin

from klient.core.admin import ReadOnlyAdmin
from klient.webhooks.models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("name", "url", "is_active", "created_at", "created_by")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "subscription",
        "event",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "event")
    search_fields = ("key",)
    list_select_related = ("subscription",)
    raw_id_fields = ("subscription",)
