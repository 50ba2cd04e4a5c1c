"""A client's special prices and discounts, and what a client pays for a product on a day: a special
price wins, else the client's price type with its special discount or the discount of its terms."""

import datetime
from decimal import Decimal

import pytest

from klient.catalog.models import CustomerPrice, Price, Product
from klient.catalog.selectors import client_prices
from klient.core.models import AuditEntry
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def products(db):
    return [
        Product.objects.create(sku=sku, name=f"Pallet {sku}", vat_rate=Decimal(20)) for sku in ("A", "B", "C")
    ]


@pytest.fixture
def acme(alice, wholesale, products):
    a, b, _c = products
    Price.objects.create(price_list=wholesale, product=a, amount=Decimal("10.00"))
    Price.objects.create(price_list=wholesale, product=b, amount=Decimal("20.00"))
    return company_create(actor=alice, name="Acme", price_type=wholesale, discount_percent=Decimal("5"))


def test_a_special_price_wins_then_a_special_discount_then_the_terms_discount(acme, products):
    a, b, c = products
    CustomerPrice.objects.create(company=acme, product=a, amount=Decimal("8.5"), currency="PLN")
    CustomerPrice.objects.create(company=acme, product=b, discount_percent=Decimal("12.5"))
    prices = client_prices(company=acme, products=[a, b, c], on=DAY)
    assert {
        product_id: (p.amount, p.currency, p.discount_percent, p.source) for product_id, p in prices.items()
    } == {
        a.pk: (Decimal("8.5"), "PLN", Decimal(0), "customer_price"),
        b.pk: (Decimal("20.00"), "EUR", Decimal("12.5"), "price_list"),
    }
    CustomerPrice.objects.filter(product=b).delete()
    assert client_prices(company=acme, products=[b], on=DAY)[b.pk].discount_percent == Decimal("5")


def test_terms_outside_their_days_and_an_inactive_list_give_no_price(acme, wholesale, products):
    a, _b, _c = products
    CustomerPrice.objects.create(
        company=acme,
        product=a,
        amount=Decimal("1"),
        currency="EUR",
        valid_until=DAY - datetime.timedelta(days=1),
    )
    assert client_prices(company=acme, products=[a], on=DAY)[a.pk].source == "price_list"
    wholesale.valid_from = DAY + datetime.timedelta(days=1)
    wholesale.save()
    assert client_prices(company=acme, products=[a], on=DAY) == {}


def test_the_api_sets_reads_resolves_and_deletes_a_special_price(api, alice, acme, products):
    a, b, _c = products
    client = api(alice)
    put = client.put(
        f"/companies/{acme.pk}/prices/{a.pk}", {"amount": "8.50", "currency": "pln", "note": "2026 deal"}
    )
    assert put.status_code == 200
    term = CustomerPrice.objects.get()
    assert put.json() == {
        "id": term.pk,
        "product": a.pk,
        "sku": "A",
        "name": "Pallet A",
        "amount": "8.5",
        "currency": "PLN",
        "discount_percent": None,
        "valid_from": None,
        "valid_until": None,
        "note": "2026 deal",
        "version": 1,
    }
    assert client.get(f"/companies/{acme.pk}/prices").json() == {"items": [put.json()], "next": None}
    assert client.get(f"/companies/{acme.pk}/prices/{a.pk}", on="2026-03-02").json() == {
        "product": a.pk,
        "on": "2026-03-02",
        "amount": "8.5",
        "currency": "PLN",
        "discount_percent": "0",
        "net_amount": "8.5",
        "source": "customer_price",
    }
    assert client.get(f"/companies/{acme.pk}/prices/{b.pk}", on="2026-03-02").json()["net_amount"] == "19"
    replaced = client.put(f"/companies/{acme.pk}/prices/{a.pk}", {"discount_percent": "7.5"})
    assert (replaced.json()["amount"], replaced.json()["discount_percent"], replaced.json()["version"]) == (
        None,
        "7.5",
        2,
    )
    assert client.get(f"/companies/{acme.pk}/prices/{a.pk}", on="2026-03-02").json()["net_amount"] == "9.25"
    assert client.delete(f"/companies/{acme.pk}/prices/{a.pk}").status_code == 204
    assert CustomerPrice.objects.count() == 0
    history = AuditEntry.objects.filter(content_type__model="customerprice").order_by("id")
    assert [(entry.action, entry.company_id) for entry in history] == [
        ("create", acme.pk),
        ("update", acme.pk),
        ("delete", acme.pk),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "amount"),
        ({"amount": "5"}, "currency"),
        ({"amount": "5", "currency": "XXY"}, "currency"),
        ({"amount": "5", "currency": "EUR", "discount_percent": "3"}, "discount_percent"),
        ({"discount_percent": "101"}, "discount_percent"),
        ({"amount": "-1", "currency": "EUR"}, "amount"),
        ({"discount_percent": "3", "valid_from": "2026-03-02", "valid_until": "2026-03-01"}, "valid_until"),
    ],
)
def test_bad_terms_are_refused_naming_the_field_and_change_nothing(api, alice, acme, products, body, field):
    a = products[0]
    CustomerPrice.objects.create(company=acme, product=a, discount_percent=Decimal("2"))
    response = api(alice).put(f"/companies/{acme.pk}/prices/{a.pk}", body)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert list(CustomerPrice.objects.values_list("discount_percent", "amount", "version")) == [
        (Decimal("2.00"), None, 1)
    ]


def test_without_commercial_terms_or_the_company_the_prices_are_out_of_reach(api, tom, carol, acme, products):
    a = products[0]
    assert api(tom).get(f"/companies/{acme.pk}/prices").status_code == 403
    assert api(tom).put(f"/companies/{acme.pk}/prices/{a.pk}", {"discount_percent": "3"}).status_code == 403
    assert api(carol).get(f"/companies/{acme.pk}/prices").status_code == 404
    assert api(carol).put(f"/companies/{acme.pk}/prices/{a.pk}", {"discount_percent": "3"}).status_code == 404
    assert CustomerPrice.objects.count() == 0


def test_the_card_gives_shows_and_removes_a_special_price(login, alice, acme, products):
    client = login(alice)
    response = client.post(
        f"/catalog/companies/{acme.pk}/prices/",
        {"sku": "a", "amount": "8.50", "currency": "PLN", "note": "Fair"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/companies/{acme.pk}/#special-prices"
    assert list(CustomerPrice.objects.values_list("product__sku", "amount", "currency", "note")) == [
        ("A", Decimal("8.5000"), "PLN", "Fair")
    ]
    card = client.get(f"/companies/{acme.pk}/").content.decode()
    assert '<tr data-special-price="A">' in card
    assert 'Pallet A<br><small class="muted">Fair</small>' in card
    assert client.post(f"/catalog/companies/{acme.pk}/prices/{products[0].pk}/delete/").status_code == 302
    assert CustomerPrice.objects.count() == 0


def test_the_card_form_names_what_is_wrong_and_stores_nothing(login, alice, acme):
    client = login(alice)
    unknown = client.post(
        f"/catalog/companies/{acme.pk}/prices/", {"sku": "ZZZ", "discount_percent": "3"}, follow=True
    )
    assert "No product has the SKU “ZZZ”." in unknown.content.decode()
    no_currency = client.post(
        f"/catalog/companies/{acme.pk}/prices/", {"sku": "A", "amount": "3"}, follow=True
    )
    assert "A special price needs its currency." in no_currency.content.decode()
    assert CustomerPrice.objects.count() == 0


def test_the_card_shows_no_special_prices_without_commercial_terms(login, tom, alice, acme, products):
    CustomerPrice.objects.create(company=acme, product=products[0], discount_percent=Decimal("3"))
    acme.owner = tom
    acme.save()
    card = login(tom).get(f"/companies/{acme.pk}/").content.decode()
    assert 'id="special-prices"' not in card
    assert (
        login(tom)
        .post(f"/catalog/companies/{acme.pk}/prices/", {"sku": "B", "discount_percent": "9"})
        .status_code
        == 403
    )
    assert list(CustomerPrice.objects.values_list("product__sku", flat=True)) == ["A"]
