"""Webhooks screens, for administrators: the subscriptions, the form that adds or edits one, and a
subscription's page with its secret and delivery log, where a ping is sent and deliveries are sent again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klient.core.exceptions import VersionConflict
from klient.core.models import User
from klient.core.pagination import InvalidCursor, keyset_paginate
from klient.webhooks.forms import WebhookSubscriptionForm
from klient.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from klient.webhooks.selectors import delivery_log, subscription_list
from klient.webhooks.services import (
    MANAGE_PERMISSION,
    webhook_ping,
    webhook_redeliver,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _subscription(pk: int) -> WebhookSubscription:
    try:
        return WebhookSubscription.objects.select_related("created_by").get(pk=pk)
    except WebhookSubscription.DoesNotExist:
        raise Http404 from None


def _detail(pk: int) -> HttpResponse:
    return redirect(reverse("webhooks:subscription_detail", args=[pk]))


def _form_errors(form: WebhookSubscriptionForm, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def _error_messages(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
def subscription_list_view(request: HttpRequest) -> HttpResponse:
    subscriptions = subscription_list().order_by("name", "id")
    labels = dict(WebhookEvent.choices)
    rows = [(item, [labels.get(event, event) for event in item.events]) for item in subscriptions]
    return render(request, "webhooks/subscription_list.html", {"rows": rows})


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
def subscription_create_view(request: HttpRequest) -> HttpResponse:
    form = WebhookSubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = webhook_subscription_create(actor=_user(request), **form.values())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Subscription saved. Set its secret up on the receiver."))
            return _detail(subscription.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "webhooks/subscription_form.html", {"form": form, "subscription": None}, status=status
    )


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
def subscription_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _subscription(pk)
    if request.method != "POST":
        form = WebhookSubscriptionForm.for_subscription(subscription)
        context = {"form": form, "subscription": subscription}
        return render(request, "webhooks/subscription_form.html", context)
    form = WebhookSubscriptionForm(request.POST)
    if form.is_valid():
        try:
            version = form.cleaned_data["version"] or subscription.version
            webhook_subscription_update(
                subscription=subscription, actor=_user(request), version=version, **form.values()
            )
        except VersionConflict:
            form.add_error(
                None, _("Someone changed this subscription meanwhile: reload it and make your change again.")
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Subscription saved."))
            return _detail(pk)
    context = {"form": form, "subscription": subscription}
    return render(request, "webhooks/subscription_form.html", context, status=400)


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
def subscription_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _subscription(pk)
    status = request.GET.get("status", "")
    if status not in DeliveryStatus.values:
        status = ""
    try:
        page = keyset_paginate(
            delivery_log(subscription=subscription, status=status),
            ordering=["-created_at", "-id"],
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
        )
    except InvalidCursor:
        raise Http404 from None
    labels = dict(WebhookEvent.choices)
    return render(
        request,
        "webhooks/subscription_detail.html",
        {
            "subscription": subscription,
            "events": [labels.get(event, event) for event in subscription.events],
            "page": page,
            "status": status,
            "statuses": DeliveryStatus.choices,
        },
    )


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
@require_POST
def subscription_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a subscription on or off (is_active "1" or "0", with the version read)."""
    subscription = _subscription(pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = subscription.version
    try:
        webhook_subscription_update(
            subscription=subscription,
            actor=_user(request),
            version=version,
            is_active=request.POST.get("is_active") == "1",
        )
    except VersionConflict:
        messages.error(request, _("Someone changed this subscription meanwhile: look again and retry."))
    else:
        messages.success(request, _("Subscription saved."))
    return _detail(pk)


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
@require_POST
def subscription_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    webhook_subscription_delete(subscription=_subscription(pk), actor=_user(request))
    messages.success(request, _("Subscription deleted, with its delivery log."))
    return redirect(reverse("webhooks:subscription_list"))


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
@require_POST
def subscription_ping_view(request: HttpRequest, pk: int) -> HttpResponse:
    webhook_ping(subscription=_subscription(pk), actor=_user(request))
    messages.success(request, _("Ping queued: its result shows in the delivery log."))
    return _detail(pk)


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
@require_POST
def delivery_redeliver_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        delivery = WebhookDelivery.objects.get(pk=pk)
    except WebhookDelivery.DoesNotExist:
        raise Http404 from None
    try:
        webhook_redeliver(delivery=delivery, actor=_user(request))
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("Delivery queued again."))
    return _detail(delivery.subscription_id)
