"""The webhooks screens, for administrators: the list, the form with events as checkboxes, and a
subscription's page with its secret, the delivery log and the ping, redeliver, (de)activate and delete
buttons. Nobody else gets in, and refused posts change nothing."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine

from klient.core.models import User
from klient.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from klient.webhooks.services import webhook_emit
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def test_the_user_menu_links_webhooks_for_administrators_only(login: Any, root: User, alice: User) -> None:
    assert 'href="/webhooks/" data-nav="webhooks"' in login(root).get("/").content.decode()
    assert 'data-nav="webhooks"' not in login(alice).get("/").content.decode()


def test_the_list_shows_each_subscription_with_its_events(
    login: Any, root: User, hook: WebhookSubscription
) -> None:
    html = login(root).get("/webhooks/").content.decode()
    assert html.count("data-subscription=") == 1
    assert f'<a href="/webhooks/{hook.pk}/">ERP</a>' in html
    assert "Quote sent, Quote accepted" in html


def test_the_form_offers_every_event_but_ping_as_a_checkbox_and_creates_a_subscription(
    login: Any, root: User, receiver: Receiver
) -> None:
    client = login(root)
    form = client.get("/webhooks/new/").content.decode()
    assert re.findall(r'type="checkbox" name="events" value="([^"]+)"', form) == [
        "deal.stage_changed",
        "quote.sent",
        "quote.accepted",
        "quote.declined",
        "contract.signed",
        "order.delayed",
        "ticket.created",
        "ticket.sla_breached",
        "ticket.resolved",
    ]
    saved = client.post(
        "/webhooks/new/",
        {
            "name": "ERP",
            "url": receiver.url,
            "events": ["order.delayed", "deal.stage_changed"],
            "is_active": "on",
        },
    )
    hook = WebhookSubscription.objects.get()
    assert (saved.status_code, saved["Location"]) == (302, f"/webhooks/{hook.pk}/")
    assert (hook.name, hook.url, hook.events, hook.is_active, hook.created_by) == (
        "ERP",
        receiver.url,
        ["deal.stage_changed", "order.delayed"],
        True,
        root,
    )


def test_a_refused_url_is_shown_at_the_field_and_nothing_is_saved(login: Any, root: User) -> None:
    response = login(root).post(
        "/webhooks/new/", {"name": "ERP", "url": "http://93.184.215.14/", "events": ["quote.sent"]}
    )
    assert response.status_code == 400
    assert (
        '<ul class="errorlist" id="id_url_error"><li>Only https:// URLs are accepted, '
        "e.g. https://example.com/hooks.</li></ul>" in response.content.decode()
    )
    assert WebhookSubscription.objects.count() == 0


def test_an_edit_with_a_stale_version_is_refused(login: Any, root: User, hook: WebhookSubscription) -> None:
    client = login(root)
    form = client.get(f"/webhooks/{hook.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in form
    data = {"name": "ERP 2", "url": hook.url, "events": ["quote.sent"], "version": "1", "is_active": "on"}
    assert client.post(f"/webhooks/{hook.pk}/edit/", data)["Location"] == f"/webhooks/{hook.pk}/"
    stale = client.post(f"/webhooks/{hook.pk}/edit/", {**data, "name": "ERP 3"})
    assert stale.status_code == 400
    assert "Someone changed this subscription meanwhile" in stale.content.decode()
    hook.refresh_from_db()
    assert (hook.name, hook.events, hook.version) == ("ERP 2", ["quote.sent"], 2)


def test_the_page_shows_the_secret_and_the_delivery_log_in_a_constant_number_of_queries(
    login: Any,
    root: User,
    hook: WebhookSubscription,
    receiver: Receiver,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
) -> None:
    receiver.statuses = [500]
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        webhook_emit(event="quote.sent", payload={"quote": 7}, key="quote.sent:7:1")
        webhook_emit(event="quote.accepted", payload={"quote": 7}, key="quote.accepted:7")
    failed, delivered = WebhookDelivery.objects.order_by("pk")
    assert (failed.status, delivered.status) == (DeliveryStatus.FAILED, DeliveryStatus.DELIVERED)
    client = login(root)
    client.get(f"/webhooks/{hook.pk}/")  # the session and the user's permissions are read once
    with django_assert_num_queries(5) as counted:
        html = client.get(f"/webhooks/{hook.pk}/").content.decode()
    assert f'<code data-field="secret">{hook.secret}</code>' in html
    assert html.count("data-delivery=") == 2
    assert f'data-delivery="{failed.pk}" data-status="failed"' in html
    row = html.split(f'data-delivery="{failed.pk}"')[1].split("</tr>")[0]
    assert "Failed (will retry)" in row
    assert '<td data-field="attempts">1</td>' in row
    assert '<td data-field="response_status">500' in row
    assert "HTTP 500 Internal Server Error" in row
    assert 'data-field="next_attempt_at"' in row
    assert f'action="/webhooks/deliveries/{failed.pk}/redeliver/"' in row
    delivered_row = html.split(f'data-delivery="{delivered.pk}"')[1].split("</tr>")[0]
    assert "Delivered" in delivered_row and '<td data-field="response_status">200' in delivered_row
    # More deliveries, the same queries.
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(3):
            webhook_emit(event="quote.sent", payload={}, key=f"more:{number}")
    with django_assert_num_queries(len(counted.captured_queries)):
        assert client.get(f"/webhooks/{hook.pk}/").content.decode().count("data-delivery=") == 5
    only_failed = client.get(f"/webhooks/{hook.pk}/?status=failed").content.decode()
    assert only_failed.count("data-delivery=") == 1


def test_the_buttons_ping_redeliver_deactivate_and_delete(
    login: Any, root: User, hook: WebhookSubscription, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    client = login(root)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/webhooks/{hook.pk}/ping/")["Location"] == f"/webhooks/{hook.pk}/"
    ping = WebhookDelivery.objects.get()
    assert (ping.event, ping.status) == ("ping", DeliveryStatus.DELIVERED)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/webhooks/deliveries/{ping.pk}/redeliver/")
    assert [request.headers["X-Klient-Delivery"] for request in receiver.requests] == [str(ping.pk)] * 2
    off = client.post(f"/webhooks/{hook.pk}/active/", {"is_active": "0", "version": "1"})
    assert off["Location"] == f"/webhooks/{hook.pk}/"
    hook.refresh_from_db()
    assert (hook.is_active, hook.version) == (False, 2)
    page = client.get(f"/webhooks/{hook.pk}/").content.decode()
    assert "data-inactive" in page and '<input type="hidden" name="is_active" value="1">' in page
    deleted = client.post(f"/webhooks/{hook.pk}/delete/")
    assert deleted["Location"] == "/webhooks/"
    assert (WebhookSubscription.objects.count(), WebhookDelivery.objects.count()) == (0, 0)


def test_other_users_are_refused_and_their_posts_change_nothing(
    login: Any, mike: User, alice: User, hook: WebhookSubscription, receiver: Receiver
) -> None:
    webhook_emit(event="quote.sent", payload={}, key="k")
    delivery = WebhookDelivery.objects.get()
    for user in (mike, alice):
        client = login(user)
        answers = [
            client.get("/webhooks/"),
            client.get("/webhooks/new/"),
            client.get(f"/webhooks/{hook.pk}/"),
            client.get(f"/webhooks/{hook.pk}/edit/"),
            client.post(f"/webhooks/{hook.pk}/ping/"),
            client.post(f"/webhooks/{hook.pk}/active/", {"is_active": "0", "version": "1"}),
            client.post(f"/webhooks/{hook.pk}/delete/"),
            client.post(f"/webhooks/deliveries/{delivery.pk}/redeliver/"),
        ]
        assert [answer.status_code for answer in answers] == [403] * 8
    hook.refresh_from_db()
    assert (hook.is_active, hook.version, WebhookDelivery.objects.count(), receiver.requests) == (
        True,
        1,
        1,
        [],
    )


def test_operators_read_subscriptions_and_deliveries_in_the_admin_without_the_secret(
    login: Any, root: User, hook: WebhookSubscription
) -> None:
    webhook_emit(event="quote.sent", payload={}, key="quote.sent:1:1")
    client = login(root)
    listing = client.get("/admin/webhooks/webhooksubscription/").content.decode()
    assert "ERP" in listing and hook.url in listing
    card = client.get(f"/admin/webhooks/webhooksubscription/{hook.pk}/change/").content.decode()
    assert hook.url in card and hook.secret not in card
    deliveries = client.get("/admin/webhooks/webhookdelivery/").content.decode()
    assert "quote.sent" in deliveries
    assert client.get("/admin/webhooks/webhookdelivery/add/").status_code == 403
