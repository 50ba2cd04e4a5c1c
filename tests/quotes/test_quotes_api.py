"""Quotes through the API: lines priced from the client's prices and totals rounded per line, the errors of
a bad line, discount approval, sending (mail with the PDF, the proposal logged, the webhook after the
commit), revisions, and the customer's answer through the public link."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from klient.activities.models import Activity
from klient.catalog.models import Analog, CustomerPrice, ExchangeRate, Price, Product, Stock
from klient.catalog.services import default_warehouse
from klient.core.models import AuditEntry
from klient.customers.services import company_create, contact_create
from klient.mail.models import OutboxMessage
from klient.sales.quotes.models import Quote
from klient.sales.quotes.services import line_amounts
from klient.webhooks.models import WebhookDelivery
from klient.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def catalogue(wholesale):
    pallet = Product.objects.create(
        sku="PAL-1", name="Euro pallet", names={"pl": "Paleta euro"}, vat_rate=Decimal(23)
    )
    film = Product.objects.create(
        sku="FILM-1", name="Stretch film", names={"pl": "Folia stretch"}, vat_rate=Decimal(23)
    )
    box = Product.objects.create(sku="BOX-1", name="Box", vat_rate=Decimal(8))
    Price.objects.create(price_list=wholesale, product=pallet, amount=Decimal("12.345"))
    Price.objects.create(price_list=wholesale, product=film, amount=Decimal("0.125"))
    warehouse = default_warehouse()
    Stock.objects.create(
        product=pallet, warehouse=warehouse, available=Decimal(2), restock_date=datetime.date(2026, 3, 20)
    )
    Stock.objects.create(product=box, warehouse=warehouse, available=Decimal(50))
    Analog.objects.create(product=pallet, analog=box, note="two boxes")
    return {"pallet": pallet, "film": film, "box": box}


@pytest.fixture
def acme(alice, wholesale):
    return company_create(
        actor=alice,
        name="Acme",
        country="PL",
        document_currency="EUR",
        document_language="pl",
        price_type=wholesale,
    )


@pytest.fixture
def anna(alice, acme):
    return contact_create(
        actor=alice, company=acme, first_name="Anna", last_name="Nowak", email="anna@acme.example"
    )


def _quote(client, acme, anna, catalogue, **overrides):
    body = {
        "company": acme.pk,
        "contact": anna.pk,
        "lines": [
            {"product": catalogue["pallet"].pk, "quantity": "3", "discount_percent": "5"},
            {"product": catalogue["film"].pk, "quantity": "1"},
        ],
        **overrides,
    }
    return client.post("/quotes", body)


def test_line_amounts_round_half_up_to_the_minor_unit():
    assert line_amounts(
        quantity=Decimal(3),
        unit_price=Decimal("12.345"),
        discount_percent=Decimal(5),
        tax_rate=Decimal(23),
        currency="EUR",
    ) == (Decimal("35.18"), Decimal("8.09"))
    assert line_amounts(
        quantity=Decimal(1),
        unit_price=Decimal("0.125"),
        discount_percent=Decimal(0),
        tax_rate=Decimal(20),
        currency="EUR",
    ) == (Decimal("0.13"), Decimal("0.03"))
    assert line_amounts(
        quantity=Decimal(7),
        unit_price=Decimal("150.5"),
        discount_percent=Decimal(0),
        tax_rate=Decimal(10),
        currency="JPY",
    ) == (Decimal("1054"), Decimal("105"))


def test_a_quote_is_priced_from_the_price_type_and_totals_are_sums_of_rounded_lines(
    api, alice, acme, anna, catalogue
):
    # The analogue offered for the short line comes with the client's price.
    Price.objects.create(price_list=acme.price_type, product=catalogue["box"], amount=Decimal("5"))
    with time_machine.travel(NOON, tick=False):
        response = _quote(api(alice), acme, anna, catalogue)
    assert response.status_code == 201
    body = response.json()
    quote = Quote.objects.get()
    assert (body["number"], body["label"], body["language"], body["currency"], body["status"]) == (
        "Q-2026-00001",
        "Q-2026-00001",
        "pl",
        "EUR",
        "draft",
    )
    assert [
        (
            line["sku"],
            line["name"],
            line["quantity"],
            line["unit_price"],
            line["price_source"],
            line["discount_percent"],
            line["tax_rate"],
            line["line_subtotal"],
            line["line_tax"],
        )
        for line in body["lines"]
    ] == [
        ("PAL-1", "Paleta euro", "3", "12.345", "price_list", "5", "23", "35.18", "8.09"),
        ("FILM-1", "Folia stretch", "1", "0.125", "price_list", "0", "23", "0.13", "0.03"),
    ]
    assert (body["subtotal"], body["tax_total"], body["total"]) == ("35.31", "8.12", "43.43")
    assert (body["valid_until"], body["issued_on"], body["needs_approval"]) == (
        "2026-04-01",
        "2026-03-02",
        False,
    )
    assert body["public_url"] == f"http://127.0.0.1:8000/q/{quote.token}/"
    # Three pallets wanted, two in stock: short, with the analogue and when more comes.
    assert body["lines"][0]["availability"] == {
        "available": "2",
        "restock_date": "2026-03-20",
        "is_short": True,
        "analogs": [
            {
                "product": catalogue["box"].pk,
                "sku": "BOX-1",
                "name": "Box",
                "available": "50",
                "restock_date": None,
                "note": "two boxes",
                "unit_price": "5",
            }
        ],
    }
    assert api(alice).get(f"/quotes/{quote.pk}").json() == body


def test_a_special_price_wins_and_a_price_in_another_currency_is_converted(
    api, alice, acme, anna, catalogue, retail
):
    ExchangeRate.objects.create(currency="PLN", on=datetime.date(2026, 1, 1), rate=Decimal("0.25"))
    Price.objects.create(price_list=retail, product=catalogue["box"], amount=Decimal("10"))
    acme.price_type = retail  # złoty
    acme.save()
    CustomerPrice.objects.create(
        company=acme, product=catalogue["film"], amount=Decimal("0.1"), currency="EUR"
    )
    with time_machine.travel(NOON, tick=False):
        body = (
            api(alice)
            .post(
                "/quotes",
                {
                    "company": acme.pk,
                    "lines": [
                        {"product": catalogue["box"].pk, "quantity": "2"},
                        {"product": catalogue["film"].pk, "quantity": "10"},
                    ],
                },
            )
            .json()
        )
    assert [(line["unit_price"], line["price_source"], line["line_subtotal"]) for line in body["lines"]] == [
        ("2.5", "price_list", "5.00"),
        ("0.1", "customer_price", "1.00"),
    ]


def test_bad_lines_are_refused_naming_each_line_and_nothing_is_stored(api, alice, acme, anna, catalogue):
    response = api(alice).post(
        "/quotes",
        {
            "company": acme.pk,
            "lines": [
                {"product": catalogue["pallet"].pk, "quantity": "0"},
                {"product": catalogue["box"].pk, "quantity": "1"},  # no price for the client
                {"product": catalogue["film"].pk, "quantity": "1", "discount_percent": "120"},
            ],
        },
    )
    assert response.status_code == 422
    assert {error["field"]: error["message"] for error in response.json()["errors"]} == {
        "lines[0].quantity": "The quantity is more than 0.",
        "lines[1].unit_price": "The client has no price for BOX-1: give one.",
        "lines[2].discount_percent": "A discount is at most 100 %.",
    }
    unknown = api(alice).post(
        "/quotes", {"company": acme.pk, "lines": [{"product": 999999, "quantity": "1"}]}
    )
    assert unknown.json()["errors"] == [{"field": "lines[0].product", "message": "No product with this id."}]
    assert Quote.objects.count() == 0
    assert AuditEntry.objects.filter(content_type__model="quote").count() == 0


def test_a_big_discount_needs_a_managers_approval_before_sending(
    api, alice, mike, acme, anna, catalogue, settings
):
    settings.QUOTE_DISCOUNT_LIMIT = "15"
    quote_id = _quote(
        api(alice),
        acme,
        anna,
        catalogue,
        lines=[{"product": catalogue["film"].pk, "quantity": "10", "discount_percent": "20"}],
    ).json()["id"]
    refused = api(alice).post(f"/quotes/{quote_id}/send", {})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "status", "message": "Discounts above 15 % need a manager's approval first."}
    ]
    assert api(alice).post(f"/quotes/{quote_id}/approve", {}).status_code == 403
    asked = api(alice).post(f"/quotes/{quote_id}/request-approval", {})
    assert asked.json()["status"] == "approval"
    assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == [mike.email]
    approved = api(mike).post(f"/quotes/{quote_id}/approve", {}).json()
    assert (approved["status"], approved["approved_by"], approved["needs_approval"]) == (
        "draft",
        "mike",
        False,
    )
    # Changing the lines takes the approval back.
    changed = (
        api(alice)
        .patch(
            f"/quotes/{quote_id}",
            {
                "version": approved["version"],
                "lines": [{"product": catalogue["film"].pk, "quantity": "9", "discount_percent": "20"}],
            },
        )
        .json()
    )
    assert (changed["approved_by"], changed["needs_approval"]) == (None, True)


def test_sending_mails_the_pdf_logs_a_proposal_and_the_quote_is_frozen(
    api, alice, root, acme, anna, catalogue
):
    webhook_subscription_create(
        actor=root, name="ERP", url="https://93.184.215.14/hooks", events=["quote.sent"]
    )
    quote_id = _quote(api(alice), acme, anna, catalogue).json()["id"]
    sent = api(alice).post(f"/quotes/{quote_id}/send", {})
    assert sent.status_code == 200
    assert sent.json()["status"] == "sent"
    message = OutboxMessage.objects.get()
    assert (message.to_email, message.purpose, message.language) == ("anna@acme.example", "proposal", "pl")
    assert "Q-2026-00001" in message.subject
    quote = Quote.objects.get()
    assert f"/q/{quote.token}/" in message.body
    attachment = message.attachments.get()
    assert (attachment.filename, attachment.mimetype) == ("quote-Q-2026-00001.pdf", "application/pdf")
    assert bytes(attachment.content).startswith(b"%PDF")
    assert Activity.objects.filter(company=acme, kind="email", purpose="proposal").count() == 1
    assert list(WebhookDelivery.objects.values_list("event", "key")) == [
        ("quote.sent", f"quote.sent:{quote_id}")
    ]
    frozen = api(alice).patch(f"/quotes/{quote_id}", {"version": quote.version, "introduction": "Changed"})
    assert frozen.status_code == 422
    assert frozen.json()["errors"] == [
        {"field": "status", "message": "A sent quote is not changed: make a new revision."}
    ]
    assert api(alice).post(f"/quotes/{quote_id}/send", {}).status_code == 422
    assert OutboxMessage.objects.count() == 1


def test_a_revision_keeps_the_number_and_replaces_the_sent_one_once_sent(api, alice, acme, anna, catalogue):
    client = api(alice)
    first = _quote(client, acme, anna, catalogue).json()["id"]
    client.post(f"/quotes/{first}/send", {})
    revised = client.post(f"/quotes/{first}/revise", {})
    assert revised.status_code == 201
    body = revised.json()
    assert (body["number"], body["revision"], body["label"], body["status"], body["previous"]) == (
        "Q-2026-00001",
        2,
        "Q-2026-00001/2",
        "draft",
        first,
    )
    assert [line["line_subtotal"] for line in body["lines"]] == ["35.18", "0.13"]
    assert client.post(f"/quotes/{first}/revise", {}).status_code == 422  # one newer revision at a time
    client.post(f"/quotes/{body['id']}/send", {})
    assert dict(Quote.objects.values_list("revision", "status")) == {1: "superseded", 2: "sent"}


def test_the_customer_accepts_through_the_public_api_once(api, alice, root, acme, anna, catalogue, client):
    webhook_subscription_create(
        actor=root, name="ERP", url="https://93.184.215.14/hooks", events=["quote.accepted"]
    )
    quote_id = _quote(api(alice), acme, anna, catalogue).json()["id"]
    quote = Quote.objects.get()
    draft = client.post(
        f"/api/v1/public/quotes/{quote.token}/accept",
        {"comment": "Too early"},
        content_type="application/json",
    )
    assert draft.status_code == 422  # not sent yet
    api(alice).post(f"/quotes/{quote_id}/send", {})
    accepted = client.post(
        f"/api/v1/public/quotes/{quote.token}/accept",
        {"comment": "Deliver in April"},
        content_type="application/json",
    )
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    quote.refresh_from_db()
    assert (quote.status, quote.answer_comment) == ("accepted", "Deliver in April")
    assert WebhookDelivery.objects.filter(event="quote.accepted").count() == 1
    assert OutboxMessage.objects.filter(to_email=alice.email).count() == 1  # the owner is told
    again = client.post(f"/api/v1/public/quotes/{quote.token}/decline", {}, content_type="application/json")
    assert again.status_code == 422
    assert Quote.objects.get().status == "accepted"
    assert (
        client.post("/api/v1/public/quotes/nope/accept", {}, content_type="application/json").status_code
        == 404
    )


def test_others_cannot_reach_a_quote(api, alice, carol, sam, acme, anna, catalogue):
    quote_id = _quote(api(alice), acme, anna, catalogue).json()["id"]
    assert api(carol).get(f"/quotes/{quote_id}").status_code == 404
    assert api(carol).post(f"/quotes/{quote_id}/send", {}).status_code == 404
    assert api(sam).get(f"/quotes/{quote_id}").status_code == 403
    assert api(carol).get("/quotes").json()["items"] == []
    assert Quote.objects.get().status == "draft"


def test_a_short_line_asks_logistics_and_the_customer_to_be_told_in_one_action(
    api, login, alice, acme, anna, catalogue
):
    from klient.catalog.models import LogisticsRequest, RestockNotice

    quote_id = _quote(api(alice), acme, anna, catalogue).json()["id"]
    client = login(alice)
    page = client.get(f"/quotes/{quote_id}/").content.decode()
    assert page.count('data-action="ask-logistics"') == 2  # both lines are short (no film in stock at all)
    asked = client.post(
        "/catalog/logistics/new/",
        {
            "product": catalogue["pallet"].pk,
            "quantity": "3.000",
            "company": acme.pk,
            "source": "Q-2026-00001",
            "next": f"/quotes/{quote_id}/",
        },
    )
    assert (asked.status_code, asked["Location"]) == (302, f"/quotes/{quote_id}/")
    assert list(LogisticsRequest.objects.values_list("product__sku", "quantity", "company_id", "source")) == [
        ("PAL-1", Decimal("3.000"), acme.pk, "Q-2026-00001")
    ]
    Stock.objects.filter(product=catalogue["pallet"]).update(available=0)
    told = client.post(
        "/catalog/restock-notices/new/",
        {"product": catalogue["pallet"].pk, "contact": anna.pk, "next": f"/quotes/{quote_id}/"},
    )
    assert told.status_code == 302
    assert list(RestockNotice.objects.values_list("contact_id", "sent_at")) == [(anna.pk, None)]
