"""Orders in the API: made from an accepted quote, read, listed with filters, changed with a version
(a later date emails the customer once; a stale version is 409 and sends nothing), the ERP's bulk feed,
history, sending a key account its rates, and who may see and do what."""

import datetime

import pytest
import time_machine

from klient.customers.models import Company
from klient.mail.models import OutboxMessage
from klient.sales.orders.models import Order, OrderDelayNotice
from klient.sales.orders.services import order_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 12, 6, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def delay_keys():
    return list(OutboxMessage.objects.filter(key__startswith="order-delay:").values_list("key", flat=True))


def test_post_makes_the_order_of_an_accepted_quote(api, alice, quote):
    response = api(alice).post("/orders", {"quote": quote.pk, "promised_date": "2027-01-20"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        key: body[key] for key in ("number", "quote", "company", "currency", "subtotal", "tax_total", "total")
    } == {
        "number": "O-2026-00001",
        "quote": quote.pk,
        "company": quote.company_id,
        "currency": "EUR",
        "subtotal": "55.00",
        "tax_total": "12.65",
        "total": "67.65",
    }
    assert (body["status"], body["promised_date"], body["version"]) == ("confirmed", "2027-01-20", 1)
    assert [(line["sku"], line["quantity"], line["line_subtotal"]) for line in body["lines"]] == [
        ("PAL-1", "3", "30.00"),
        ("FOIL-1", "10", "25.00"),
    ]
    again = api(alice).post("/orders", {"quote": quote.pk})
    assert again.status_code == 422
    assert again.json()["errors"] == [
        {"field": "quote", "message": "This quote has an order already: O-2026-00001."}
    ]
    assert Order.objects.count() == 1


def test_patch_a_later_date_emails_once_and_a_stale_version_is_409(api, alice, order):
    client = api(alice)
    payload = {"promised_date": "2027-01-10", "delay_reason": "Late steel", "version": 1}

    response = client.patch(f"/orders/{order.pk}", payload)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["version"], body["promised_date"], body["delay_reason"]) == (2, "2027-01-10", "Late steel")
    [notice] = body["delay_notices"]
    assert (notice["old_date"], notice["new_date"], notice["failure"]) == ("2026-12-20", "2027-01-10", "")
    assert delay_keys() == [f"order-delay:{order.pk}:2"]

    stale = client.patch(f"/orders/{order.pk}", {**payload, "promised_date": "2027-02-01"})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    same = client.patch(f"/orders/{order.pk}", {**payload, "version": 2})
    assert (same.status_code, same.json()["version"]) == (200, 2)
    assert delay_keys() == [f"order-delay:{order.pk}:2"]
    assert OrderDelayNotice.objects.count() == 1


def test_list_filters_by_status_company_and_delay(api, alice, order):
    order_update(order=order, actor=alice, version=1, is_delayed=True, status="in_production")
    client = api(alice)

    assert [item["number"] for item in client.get("/orders").json()["items"]] == ["O-2026-00001"]
    assert [item["number"] for item in client.get("/orders", delayed="true").json()["items"]] == [
        "O-2026-00001"
    ]
    assert client.get("/orders", delayed="false").json()["items"] == []
    assert client.get("/orders", status="shipped").json()["items"] == []
    assert len(client.get("/orders", status="in_production", company=order.company_id).json()["items"]) == 1
    history = client.get(f"/orders/{order.pk}/history").json()["items"]
    assert [
        (entry["action"], sorted(change["field"] for change in entry["changes"])) for entry in history
    ] == [
        ("update", ["is_delayed", "status"]),
        ("create", ["contact", "promised_date", "quote", "status"]),
    ]


def test_the_erp_feed_updates_by_number_or_erp_id_and_names_bad_rows(api, alice, lena, order):
    Order.objects.filter(pk=order.pk).update(external_id="ERP-7")
    client = api(lena)
    rows = [
        {
            "external_id": "ERP-7",
            "status": "shipped",
            "promised_date": "2027-01-05",
            "delay_reason": "Customs",
        },
        {"number": "O-2026-00099", "status": "shipped"},
        {"number": "O-2026-00001", "status": "lost", "promised_date": "5th of May"},
    ]

    dry = client.post("/orders/import", {"items": rows, "dry_run": True})
    assert dry.status_code == 200, dry.json()
    assert dry.json() == {
        "rows": 3,
        "updated": 1,
        "unchanged": 0,
        "rejected": 2,
        "dry_run": True,
        "errors": [
            {"row": 1, "field": "number", "message": "No order “O-2026-00099”, or you may not see it."},
            {"row": 2, "field": "status", "message": "“lost” is not an order status."},
            {"row": 2, "field": "promised_date", "message": "Enter a date as YYYY-MM-DD or DD.MM.YYYY."},
        ],
    }
    order.refresh_from_db()
    assert (order.version, order.status, delay_keys()) == (1, "confirmed", [])

    done = client.post("/orders/import", {"items": rows[:1]})
    assert done.json()["updated"] == 1
    order.refresh_from_db()
    assert (order.status, order.promised_date, order.delay_reason) == (
        "shipped",
        datetime.date(2027, 1, 5),
        "Customs",
    )
    assert delay_keys() == [f"order-delay:{order.pk}:2"]
    assert client.post("/orders/import", {"items": rows[:1]}).json()["unchanged"] == 1
    assert delay_keys() == [f"order-delay:{order.pk}:2"]


def test_send_rates_to_a_key_account_and_refused_otherwise(api, alice, acme, russian, products):
    client = api(alice)
    refused = client.post(f"/companies/{acme.pk}/send-rates", {"contact": russian.pk})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "company", "message": "Current rates are sent to key accounts only."}
    ]
    Company.objects.filter(pk=acme.pk).update(is_key_account=True)

    sent = client.post(f"/companies/{acme.pk}/send-rates", {"contact": russian.pk})
    assert sent.status_code == 200, sent.json()
    message = OutboxMessage.objects.get(key__startswith="rates:")
    assert sent.json() == {"message": message.pk, "to_email": "jan.nowak@acme.example", "language": "ru"}


def test_who_may_see_and_change_orders(api, alice, carol, sam, rita, lena, order):
    assert api(carol).get(f"/orders/{order.pk}").status_code == 404
    assert api(carol).patch(f"/orders/{order.pk}", {"version": 1, "status": "shipped"}).status_code == 404
    assert api(sam).get("/orders").status_code == 403
    assert api(rita).get(f"/orders/{order.pk}").status_code == 200
    assert api(rita).patch(f"/orders/{order.pk}", {"version": 1, "status": "shipped"}).status_code == 403
    assert api(lena).post("/orders", {"quote": order.quote_id}).status_code == 403
    assert api(lena).patch(f"/orders/{order.pk}", {"version": 1, "status": "shipped"}).status_code == 200
    assert api(carol).post("/orders", {"quote": order.quote_id}).status_code == 404
