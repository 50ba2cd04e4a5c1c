"""Price lists and exchange rates: a list created with its prices and read back exactly, prices changed
and removed with a version, validity days, and conversion at the day's stored rate rounded half-up to
the target currency's minor unit."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from klient.catalog.models import Price, PriceList
from klient.catalog.selectors import convert, price_in, rate_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(api, mike):
    client = api(mike)
    return [
        client.post("/products", {"sku": sku, "name": sku, "vat_rate": "20"}).json()["id"]
        for sku in ("A", "B", "C")
    ]


def test_a_price_list_is_created_with_its_prices_and_read_back(api, mike, alice, products):
    a, b, _c = products
    response = api(mike).post(
        "/price-lists",
        {
            "name": "Wholesale",
            "currency": "eur",
            "prices": [{"product": a, "amount": "12.50"}, {"product": b, "amount": 7}],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert {key: value for key, value in body.items() if key != "id"} == {
        "name": "Wholesale",
        "currency": "EUR",
        "valid_from": None,
        "valid_until": None,
        "is_active": True,
        "prices": [{"product": a, "sku": "A", "amount": "12.5"}, {"product": b, "sku": "B", "amount": "7"}],
        "version": 1,
    }
    # Sales reps read price lists; only managers write them.
    assert api(alice).get(f"/price-lists/{body['id']}").json() == body
    assert api(alice).post("/price-lists", {"name": "Mine", "currency": "EUR"}).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Retail", "currency": "XXY"}, "currency"),
        ({"name": "wholesale", "currency": "EUR"}, "name"),
        (
            {"name": "Retail", "currency": "EUR", "valid_from": "2026-03-02", "valid_until": "2026-03-01"},
            "valid_until",
        ),
        (
            {"name": "Retail", "currency": "EUR", "prices": [{"product": 999999, "amount": "1"}]},
            "prices.0.product",
        ),
        (
            {"name": "Retail", "currency": "EUR", "prices": [{"product": "A", "amount": "1"}]},
            "prices.0.product",
        ),
    ],
)
def test_bad_price_lists_are_refused_naming_the_field(api, mike, products, body, field):
    client = api(mike)
    client.post("/price-lists", {"name": "Wholesale", "currency": "EUR"})
    response = client.post("/price-lists", body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert PriceList.objects.count() == 1


def test_a_bad_amount_names_its_line(api, mike, products):
    response = api(mike).post(
        "/price-lists",
        {
            "name": "Retail",
            "currency": "EUR",
            "prices": [{"product": products[0], "amount": "1"}, {"product": products[1], "amount": "-2"}],
        },
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["prices.1.amount"]
    assert not Price.objects.exists()


def test_prices_change_and_go_with_the_version_read(api, mike, products):
    a, b, c = products
    client = api(mike)
    made = client.post(
        "/price-lists",
        {
            "name": "Wholesale",
            "currency": "PLN",
            "prices": [{"product": a, "amount": "10"}, {"product": b, "amount": "20"}],
        },
    ).json()
    changed = client.patch(
        f"/price-lists/{made['id']}",
        {
            "version": 1,
            "prices": [{"product": a, "amount": "11.99"}, {"product": c, "amount": "5"}],
            "remove": [b],
        },
    )
    assert changed.status_code == 200
    assert [(price["sku"], price["amount"]) for price in changed.json()["prices"]] == [
        ("A", "11.99"),
        ("C", "5"),
    ]
    assert changed.json()["version"] == 2
    assert client.patch(f"/price-lists/{made['id']}", {"version": 1, "name": "Old"}).status_code == 409
    assert PriceList.objects.get().name == "Wholesale"


def test_a_price_counts_only_while_its_list_is_valid(mike):
    from klient.catalog.services import price_list_create, product_create

    product = product_create(actor=mike, sku="P", name="P")
    spring = price_list_create(
        actor=mike,
        name="Spring",
        currency="EUR",
        valid_from=datetime.date(2026, 3, 1),
        valid_until=datetime.date(2026, 5, 31),
        prices=[{"product": product.pk, "amount": "9.9"}],
    )
    assert price_in(spring, product, datetime.date(2026, 2, 28)) is None
    assert price_in(spring, product, datetime.date(2026, 3, 1)) == Decimal("9.9")
    assert price_in(spring, product, datetime.date(2026, 5, 31)) == Decimal("9.9")
    assert price_in(spring, product, datetime.date(2026, 6, 1)) is None


def test_conversion_uses_the_latest_rate_on_or_before_the_day(api, fiona, settings):
    settings.BASE_CURRENCY = "EUR"
    client = api(fiona)
    for currency, on, rate in [
        ("PLN", "2026-03-01", "0.2350"),
        ("PLN", "2026-03-05", "0.2400"),
        ("USD", "2026-03-01", "0.9"),
    ]:
        assert (
            client.post("/exchange-rates", {"currency": currency, "on": on, "rate": rate}).status_code == 201
        )
    assert rate_on("PLN", datetime.date(2026, 3, 4)) == Decimal("0.235")
    # 100 PLN at 0.24 = 24 EUR = 26.666… USD, rounded half-up to the cent.
    assert convert(Decimal("100"), "PLN", "USD", datetime.date(2026, 3, 5)) == Decimal("26.67")
    assert convert(Decimal("100"), "PLN", "EUR", datetime.date(2026, 3, 1)) == Decimal("23.50")
    # JPY has no minor unit.
    client.post("/exchange-rates", {"currency": "JPY", "on": "2026-03-01", "rate": "0.0061"})
    assert convert(Decimal("10"), "EUR", "JPY", datetime.date(2026, 3, 1)) == Decimal("1639")
    with pytest.raises(ValidationError):
        convert(Decimal("1"), "PLN", "EUR", datetime.date(2026, 2, 28))
    refused = client.post("/exchange-rates", {"currency": "EUR", "on": "2026-03-01", "rate": "1"})
    assert [error["field"] for error in refused.json()["errors"]] == ["currency"]
    listed = client.get("/exchange-rates", currency="PLN").json()["items"]
    assert [(rate["on"], rate["rate"]) for rate in listed] == [
        ("2026-03-05", "0.24"),
        ("2026-03-01", "0.235"),
    ]


@pytest.mark.parametrize("field", ["name", "currency", "is_active"])
def test_a_price_list_field_that_cannot_be_empty_refuses_null(api, mike, field):
    client = api(mike)
    made = client.post("/price-lists", {"name": "Wholesale", "currency": "EUR"}).json()
    response = client.patch(f"/price-lists/{made['id']}", {"version": 1, field: None})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert PriceList.objects.get().version == 1


def test_price_list_and_exchange_rate_changes_are_audited(api, mike, fiona, products):
    from klient.core.models import AuditEntry

    client = api(mike)
    made = client.post(
        "/price-lists",
        {"name": "Wholesale", "currency": "EUR", "prices": [{"product": products[0], "amount": "1"}]},
    ).json()
    client.patch(f"/price-lists/{made['id']}", {"version": 1, "name": "Wholesale B"})
    history = client.get(f"/price-lists/{made['id']}/history").json()["items"]
    assert [entry["action"] for entry in history] == ["update", "create"]
    assert [(change["field"], change["after"]) for change in history[0]["changes"]] == [
        ("name", "Wholesale B")
    ]
    rates = api(fiona)
    for rate in ("0.24", "0.24", "0.25"):
        rates.post("/exchange-rates", {"currency": "PLN", "on": "2026-03-02", "rate": rate})
    entries = AuditEntry.objects.filter(content_type__model="exchangerate").order_by("id")
    assert [(entry.action, entry.changes["rate"]["to"]) for entry in entries] == [
        ("create", "0.2400000000"),
        ("update", "0.2500000000"),
    ]
