"""Webhooks: subscriptions kept by administrators, and the signed HTTPS POSTs of business events.

CONTRACT (other apps call this; keep the signature):

- `webhook_emit(*, event, payload, key) -> int`: queue `event` (a WebhookEvent value) for every active
  subscription to it, in the caller's transaction; answers how many deliveries were queued. `key`
  (e.g. f"quote.sent:{quote.id}:{quote.version}") makes a repeated emit of the same happening a no-op
  per subscription. The delivery jobs are queued with transaction.on_commit: nothing leaves when the
  caller's transaction rolls back.

Delivery: a POST of {"id", "event", "created_at", "data"} signed with the subscription's secret
(X-Klient-Signature: sha256=HMAC-SHA256(secret, f"{timestamp}.{body}")). A 2xx answer is delivered;
anything else, a redirect included, or a network error is tried again after RETRY_DELAYS, then given
up ("abandoned"). Only https:// URLs whose host resolves to public addresses are used, unless the
WEBHOOKS_ALLOW_INSECURE setting (for development and tests) allows http:// and private addresses. A
row left in "sending" by a worker that died is claimed again after SENDING_TIMEOUT and sent again with
the same id, which receivers use to recognise the copy.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.webhooks.models import (
    SUBSCRIBABLE_EVENTS,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

MANAGE_PERMISSION = "webhooks.manage_webhooks"
# The waits after the 1st, 2nd, … failed attempt; after the last one the delivery is abandoned. The one
# place the schedule is written (docs/api.md repeats it).
RETRY_DELAYS = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
    datetime.timedelta(hours=12),
    datetime.timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A row in "sending" longer than this belongs to a worker that died: it is claimed again. Far above
# TIMEOUT_SECONDS, so a live worker is never overtaken.
SENDING_TIMEOUT = datetime.timedelta(minutes=5)
# Connecting, and each read of the answer, give up after this many seconds.
TIMEOUT_SECONDS = 10
# How much of the receiver's answer the log keeps.
RESPONSE_BODY_LIMIT = 2048
USER_AGENT = "Klient-Webhooks/1"
KEY_MAX_LENGTH = 200
URL_MAX_LENGTH = 500
EDITABLE_FIELDS = set(WebhookSubscription.AUDITED_FIELDS)


def _require(actor: User) -> None:
    if not actor.has_perm(MANAGE_PERMISSION):
        raise NotAllowed(_("You may not manage webhooks."))


# --- where a webhook may go ---------------------------------------------------------------------------


def allows_insecure() -> bool:
    """Whether http:// and private addresses are allowed (WEBHOOKS_ALLOW_INSECURE; development only)."""
    return bool(getattr(settings, "WEBHOOKS_ALLOW_INSECURE", False))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Target:
    """A checked webhook URL: where to connect (the addresses checked, so a second DNS answer cannot
    send the request elsewhere) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def webhook_target(url: str, *, field: str = "url") -> Target:
    """Check a webhook URL and resolve its host; a ValidationError naming `field` when it is not https://
    (or http:// where allowed), has no host, does not resolve, or resolves to a private, loopback or
    link-local address (allowed only with WEBHOOKS_ALLOW_INSECURE)."""
    insecure = allows_insecure()
    url = url.strip()
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError({field: _("At most %(count)d characters.") % {"count": URL_MAX_LENGTH}})
    parts = urlsplit(url)
    schemes = {"https", "http"} if insecure else {"https"}
    if parts.scheme.lower() not in schemes:
        raise ValidationError({field: _("Only https:// URLs are accepted, e.g. https://example.com/hooks.")})
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ValidationError({field: _("The port is not a number from 1 to 65535.")}) from None
    if not host:
        raise ValidationError({field: _("Give the URL a host name, e.g. https://example.com/hooks.")})
    if parts.username is not None or parts.password is not None:
        raise ValidationError({field: _("Leave the user name and password out of the URL.")})
    scheme = parts.scheme.lower()
    port = port or (443 if scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ValidationError(
            {field: _("The host “%(host)s” cannot be resolved.") % {"host": host}}
        ) from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in found))
    if not insecure:
        for address in addresses:
            if not _is_public(address):
                raise ValidationError(
                    {
                        field: _(
                            "“%(host)s” is a private, loopback or link-local address (%(address)s); "
                            "webhooks go only to public addresses."
                        )
                        % {"host": host, "address": address}
                    }
                )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)


# --- subscriptions --------------------------------------------------------------------------------------


def _events(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ValidationError({"events": _("Give the events as a list of names.")})
    unknown = [item for item in value if item not in SUBSCRIBABLE_EVENTS]
    if unknown:
        raise ValidationError(
            {"events": _("“%(value)s” is not an event one can subscribe to.") % {"value": unknown[0]}}
        )
    if not value:
        raise ValidationError({"events": _("Choose at least one event.")})
    return [str(event) for event in SUBSCRIBABLE_EVENTS if event in value]


def _apply(subscription: WebhookSubscription, data: Mapping[str, Any]) -> None:
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        if name == "name":
            value = " ".join(str(value or "").split())
            if not value:
                raise ValidationError({"name": _("Give the subscription a name.")})
            if len(value) > 100:
                raise ValidationError({"name": _("At most %(count)d characters.") % {"count": 100}})
        elif name == "url":
            value = str(value or "").strip()
            # An unchanged URL is not looked up again: switching off a hook whose host is gone works.
            if value != subscription.url or subscription.pk is None:
                webhook_target(value)
        elif name == "events":
            value = _events(value)
        elif name == "is_active":
            value = bool(value)
        setattr(subscription, name, value)


@transaction.atomic
def webhook_subscription_create(
    *, actor: User, name: str, url: str, events: Iterable[str], is_active: bool = True
) -> WebhookSubscription:
    """Add a subscription; its secret is generated here."""
    _require(actor)
    subscription = WebhookSubscription(created_by=actor)
    _apply(subscription, {"name": name, "url": url, "events": list(events), "is_active": is_active})
    subscription.save()
    changes = diff({}, snapshot(subscription, WebhookSubscription.AUDITED_FIELDS))
    audit_log(instance=subscription, action=AuditAction.CREATE, actor=actor, changes=changes)
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, actor: User, version: int, **data: Any
) -> WebhookSubscription:
    """Change a subscription's name, URL, events or active flag; VersionConflict when `version` is
    stale. Deliveries already queued for an inactive subscription are not sent (see webhook_deliver)."""
    _require(actor)
    current = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if current.version != version:
        raise VersionConflict(current.version)
    before = snapshot(current, WebhookSubscription.AUDITED_FIELDS)
    _apply(current, data)
    changes = diff(before, snapshot(current, WebhookSubscription.AUDITED_FIELDS))
    if not changes:
        return current
    current.version = version + 1
    current.updated_at = timezone.now()
    current.save()
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription, actor: User) -> None:
    """Delete a subscription with its delivery log (cascaded); what is still queued is not sent."""
    _require(actor)
    before = snapshot(subscription, WebhookSubscription.AUDITED_FIELDS)
    audit_log(
        instance=subscription,
        action=AuditAction.DELETE,
        actor=actor,
        changes={
            name: {"from": value["value"], "to": None, "from_label": value["label"], "to_label": None}
            for name, value in before.items()
        },
    )
    subscription.delete()


# --- queueing -----------------------------------------------------------------------------------------


def _queue(delivery_ids: list[int]) -> None:
    """Hand the deliveries to workers once the transaction commits. Robust: a broker that is down does
    not fail the caller's request after its commit; the sweep sends the rows later."""
    from klient.webhooks.tasks import webhook_deliver_task

    if not delivery_ids:
        return

    def deliver() -> None:
        for pk in delivery_ids:
            webhook_deliver_task.delay(pk)

    transaction.on_commit(deliver, robust=True)


def webhook_emit(*, event: str, payload: dict[str, Any], key: str) -> int:
    """Queue `event` for every active subscription to it, in the caller's transaction; returns how many
    deliveries were queued. `key` (e.g. f"quote.sent:{quote.id}:{quote.version}") makes a repeated emit
    of the same happening a no-op per subscription; delivery jobs are queued with transaction.on_commit,
    so nothing leaves if the caller's transaction rolls back."""
    if event not in SUBSCRIBABLE_EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}; use a WebhookEvent other than ping.")
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"A webhook key is 1 to {KEY_MAX_LENGTH} characters long.")
    # Subscriptions are few (tens): filtering their event lists here works the same on every database.
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(is_active=True).only("pk", "events")
        if event in subscription.events
    ]
    if not subscriptions:
        return 0  # the usual case: no savepoint, nothing written
    with transaction.atomic():
        taken = set(
            WebhookDelivery.objects.filter(key=key, subscription__in=subscriptions).values_list(
                "subscription_id", flat=True
            )
        )
        now = timezone.now()
        queued: list[int] = []
        for subscription in subscriptions:
            if subscription.pk in taken:
                continue
            try:
                with transaction.atomic():
                    delivery = WebhookDelivery.objects.create(
                        subscription=subscription,
                        event=event,
                        key=key,
                        payload=payload,
                        created_at=now,
                        next_attempt_at=now,
                    )
            except IntegrityError:
                continue  # another transaction with the same key committed first: theirs is the delivery
            queued.append(delivery.pk)
        _queue(queued)
    return len(queued)


@transaction.atomic
def webhook_ping(*, subscription: WebhookSubscription, actor: User) -> WebhookDelivery:
    """Queue a test "ping" to the subscription (active or not). It is tried once: a failure is shown in
    the log at once, not retried for a day."""
    _require(actor)
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event=WebhookEvent.PING,
        key=f"ping:{uuid.uuid4().hex}",
        payload={"subscription": subscription.pk, "name": subscription.name, "sent_by": actor.username},
        created_at=now,
        next_attempt_at=now,
    )
    _queue([delivery.pk])
    return delivery


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send a delivery again now (delivered, failed or abandoned), with the full retry schedule ahead of
    it. Refused while it is being sent, and for an inactive subscription."""
    _require(actor)
    subscription = WebhookSubscription.objects.get(pk=delivery.subscription_id)
    if not subscription.is_active and delivery.event != WebhookEvent.PING:
        raise ValidationError({"subscription": _("The subscription is inactive: activate it first.")})
    updated = (
        WebhookDelivery.objects.filter(pk=delivery.pk)
        .exclude(status=DeliveryStatus.SENDING)
        .update(
            status=DeliveryStatus.QUEUED,
            next_attempt_at=timezone.now(),
            attempts=0,
            claim="",
            claimed_at=None,
            delivered_at=None,
        )
    )
    if not updated:
        raise ValidationError({"delivery": _("This delivery is being sent right now; try again later.")})
    delivery.refresh_from_db()
    _queue([delivery.pk])
    return delivery


# --- delivery -----------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt (see RETRY_DELAYS)."""
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def _due(now: datetime.datetime) -> Q:
    """Rows a worker may claim now: queued or failed and due, or stuck in "sending" past the timeout."""
    return Q(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.FAILED], next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - SENDING_TIMEOUT
    )


def webhook_claim(*, delivery_id: int) -> str | None:
    """Claim a due delivery for this worker with one conditional UPDATE; the claim token, or None when
    another worker has it, it is not due yet, or it is done."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = WebhookDelivery.objects.filter(_due(now), pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1
    )
    return token if claimed else None


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The POST body: the same bytes on every attempt of a delivery."""
    document = {
        "id": delivery.pk,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """X-Klient-Signature: "sha256=" and the hex HMAC-SHA256 of f"{timestamp}.{body}" under the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _ssl_context() -> ssl.SSLContext:
    # WEBHOOKS_CA_FILE: a CA bundle to trust instead of the system's (a private CA; tests).
    cafile = getattr(settings, "WEBHOOKS_CA_FILE", "") or None
    return ssl.create_default_context(cafile=cafile)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the host name resolves to now."""

    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT_SECONDS)
        self.address = target.addresses[0]

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), TIMEOUT_SECONDS)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As _PinnedHTTPConnection, over TLS; the certificate is checked against the host name."""

    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT_SECONDS, context=_ssl_context())
        self.address = target.addresses[0]

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), TIMEOUT_SECONDS)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Attempt:
    """What one POST got: the answer's status and start of body, or the error."""

    status: int | None
    body: str
    error: str
    duration_ms: int

    @property
    def is_success(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _post(url: str, body: bytes, headers: dict[str, str]) -> Attempt:
    """POST once, following no redirect."""
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        target = webhook_target(url)
    except ValidationError as error:
        return Attempt(None, "", " ".join(error.messages), 0)
    connection: http.client.HTTPConnection = (
        _PinnedHTTPSConnection(target) if target.scheme == "https" else _PinnedHTTPConnection(target)
    )
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_BODY_LIMIT).decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException) as error:
        return Attempt(None, "", f"{type(error).__name__}: {error}"[:2000], took())
    finally:
        connection.close()
    refusal = ""
    if not 200 <= response.status < 300:
        refusal = f"HTTP {response.status} {response.reason}".strip()
        if 300 <= response.status < 400:
            refusal += " (redirects are not followed)"
    return Attempt(response.status, excerpt, refusal, took())


def webhook_deliver(*, delivery_id: int) -> str:
    """POST one delivery if it is due and this worker wins the claim; answers its status after. A failure
    is tried again after retry_delay(attempts), or abandoned after MAX_ATTEMPTS (a ping after one)."""
    token = webhook_claim(delivery_id=delivery_id)
    if token is None:
        status = WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        return status or ""
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    mine = WebhookDelivery.objects.filter(pk=delivery_id, claim=token)
    if not subscription.is_active and delivery.event != WebhookEvent.PING:
        mine.update(
            status=DeliveryStatus.ABANDONED,
            last_error="The subscription is inactive.",
            claim="",
            claimed_at=None,
        )
        return DeliveryStatus.ABANDONED
    body = delivery_body(delivery)
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Klient-Event": delivery.event,
        "X-Klient-Delivery": str(delivery.pk),
        "X-Klient-Timestamp": str(timestamp),
        "X-Klient-Signature": signature(subscription.secret, timestamp, body),
    }
    attempt = _post(subscription.url, body, headers)
    now = timezone.now()
    answer = {
        "response_status": attempt.status,
        "response_body": attempt.body,
        "duration_ms": attempt.duration_ms,
        "last_error": attempt.error,
        "claim": "",
        "claimed_at": None,
    }
    if attempt.is_success:
        mine.update(status=DeliveryStatus.DELIVERED, delivered_at=now, **answer)
        return DeliveryStatus.DELIVERED
    if delivery.attempts >= MAX_ATTEMPTS or delivery.event == WebhookEvent.PING:
        mine.update(status=DeliveryStatus.ABANDONED, **answer)
        return DeliveryStatus.ABANDONED
    mine.update(status=DeliveryStatus.FAILED, next_attempt_at=now + retry_delay(delivery.attempts), **answer)
    return DeliveryStatus.FAILED


def webhook_sweep(*, limit: int = 500) -> int:
    """Deliver what is due (retries, rows whose job was lost, rows a dead worker left in "sending"); the
    beat runs it every minute. Answers how many were delivered."""
    ids = list(
        WebhookDelivery.objects.filter(_due(timezone.now()))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(webhook_deliver(delivery_id=pk) == DeliveryStatus.DELIVERED for pk in ids)
