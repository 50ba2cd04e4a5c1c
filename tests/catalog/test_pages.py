"""The catalogue's pages: the list searched by SKU or name, a product's card in the reader's language
with stock per warehouse, analogues and prices, and the stock form that only logistics (and managers)
may use."""

import datetime
from decimal import Decimal

import pytest

from klient.catalog.models import Stock, Warehouse
from klient.catalog.services import price_list_create, product_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(mike):
    half = product_create(actor=mike, sku="PAL-HALF", name="Half pallet", stock="40")
    euro = product_create(
        actor=mike,
        sku="PAL-EUR",
        name="Euro pallet",
        names={"pl": "Paleta EUR"},
        stock="0",
        restock_date=datetime.date(2026, 3, 10),
        analogs=[{"product": half.pk, "note": "two make one"}],
        vat_rate="23",
    )
    installation = product_create(actor=mike, sku="INST", name="Installation", unit="h", is_service=True)
    price_list_create(
        actor=mike, name="Wholesale", currency="PLN", prices=[{"product": euro.pk, "amount": "49.90"}]
    )
    return {"euro": euro, "half": half, "installation": installation}


def test_the_list_shows_every_product_and_finds_by_sku_or_name(login, alice, catalogue):
    client = login(alice)
    html = client.get("/catalog/").content.decode()
    assert html.count("data-product=") == 3
    found = client.get("/catalog/?q=eur").content.decode()
    assert found.count("data-product=") == 1
    assert f'data-product="{catalogue["euro"].pk}"' in found
    assert client.get("/catalog/?q=nothing-like-it").content.decode().count("data-product=") == 0


def test_the_card_speaks_the_readers_language_and_shows_stock_analogues_and_prices(login, alice, catalogue):
    alice.language = "pl"
    alice.save(update_fields=["language"])
    euro = catalogue["euro"]
    html = login(alice).get(f"/catalog/{euro.pk}/").content.decode()
    assert "<h1>Paleta EUR <small" in html
    assert '<dd data-field="stock">0</dd>' in html
    assert f'data-analog="{catalogue["half"].pk}"' in html and "two make one" in html
    assert '<td data-field="price">49,90\xa0zł</td>' in html
    # A rep reads stock but does not set it.
    assert 'data-form="stock"' not in html


def test_logistics_sets_stock_from_the_card_and_a_rep_may_not(login, lena, alice, catalogue):
    euro = catalogue["euro"]
    south = Warehouse.objects.create(code="south", name="South")
    page = login(lena).get(f"/catalog/{euro.pk}/").content.decode()
    assert 'data-form="stock"' in page
    saved = login(lena).post(
        f"/catalog/{euro.pk}/stock/", {"warehouse": south.pk, "available": "7.5", "restock_date": ""}
    )
    assert saved.status_code == 302
    assert Stock.objects.get(product=euro, warehouse=south).available == Decimal("7.5")
    refused = login(alice).post(f"/catalog/{euro.pk}/stock/", {"warehouse": south.pk, "available": "99"})
    assert refused.status_code == 403
    bad = login(lena).post(f"/catalog/{euro.pk}/stock/", {"warehouse": south.pk, "available": "-1"})
    assert bad.status_code == 400
    assert Stock.objects.get(product=euro, warehouse=south).available == Decimal("7.5")


def test_a_service_shows_no_stock(login, lena, catalogue):
    html = login(lena).get(f"/catalog/{catalogue['installation'].pk}/").content.decode()
    assert 'data-form="stock"' not in html
    assert 'data-field="stock"' not in html


def test_the_list_costs_the_same_queries_for_more_products(
    login, alice, mike, catalogue, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(alice)
    client.get("/catalog/")
    with CaptureQueriesContext(connection) as few:
        client.get("/catalog/")
    for number in range(20):
        product_create(actor=mike, sku=f"X-{number}", name=f"Extra {number}", stock="1")
    with CaptureQueriesContext(connection) as many:
        html = client.get("/catalog/").content.decode()
    assert html.count("data-product=") == 23
    assert len(many.captured_queries) == len(few.captured_queries)
