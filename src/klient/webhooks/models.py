"""Tables of the webhooks app: subscriptions (where to POST which events) and the delivery log, which is
also the outbox the delivery jobs work from."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klient.core.models import VersionedModel


class WebhookEvent(models.TextChoices):
    """What a subscriber can be told about; the values are the `event` of each delivery."""

    DEAL_STAGE_CHANGED = "deal.stage_changed", _("Deal moved to another stage")
    QUOTE_SENT = "quote.sent", _("Quote sent")
    QUOTE_ACCEPTED = "quote.accepted", _("Quote accepted")
    QUOTE_DECLINED = "quote.declined", _("Quote declined")
    CONTRACT_SIGNED = "contract.signed", _("Contract signed")
    ORDER_DELAYED = "order.delayed", _("Order delayed")
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_SLA_BREACHED = "ticket.sla_breached", _("Ticket's SLA breached")
    TICKET_RESOLVED = "ticket.resolved", _("Ticket resolved")
    # The test an administrator sends from the subscription's page; nobody subscribes to it.
    PING = "ping", _("Test ping")


# The events a subscription may list, in the order forms and documents show them.
SUBSCRIBABLE_EVENTS = [event for event in WebhookEvent if event != WebhookEvent.PING]


class DeliveryStatus(models.TextChoices):
    """Where a delivery is on its way out."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    # The last attempt failed; the next one is at next_attempt_at.
    FAILED = "failed", _("Failed (will retry)")
    ABANDONED = "abandoned", _("Abandoned")


def new_secret() -> str:
    """A signing secret: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


class WebhookSubscription(VersionedModel):
    """An HTTPS endpoint that gets a signed POST for each event it lists. The secret is made here, never
    chosen by a person; administrators read it in full to set up the receiver's check."""

    name = models.CharField(_("name"), max_length=100)
    # Checked by services.webhook_target (https, public address), not by a form field validator.
    url = models.CharField(_("target URL"), max_length=500)
    secret = models.CharField(_("secret"), max_length=100, default=new_secret, editable=False)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # The secret is left out on purpose: the audit trail is read by more people than administrators.
    AUDITED_FIELDS = ["name", "url", "events", "is_active"]

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        permissions = [("manage_webhooks", _("Can manage webhooks"))]
        indexes = [models.Index(fields=["name", "id"], name="webhook_subscription_name")]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one subscription: written in the transaction that caused the event, POSTed after
    the commit by a job, retried with backoff (see services.RETRY_DELAYS). `key` makes a repeated emit of
    the same happening a no-op; a worker claims the row with a conditional UPDATE (status and claim
    token), so two workers never send it both. The row keeps what the last attempt got back."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    key = models.CharField(_("idempotency key"), max_length=200)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response body (start)"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # The sweep's question: what is due now (queued, failed) or stuck (sending)?
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            # A subscription's delivery log, newest first.
            models.Index(fields=["subscription", "-created_at", "-id"], name="webhook_delivery_log"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "key"], name="webhook_delivery_key_once"),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"
