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


def test_a_manager_adds_a_product_with_its_names_and_analogues(login, mike, catalogue):
    from klient.catalog.models import Product

    response = login(mike).post(
        "/catalog/new/",
        {
            "sku": "PAL-US",
            "name": "US pallet",
            "name_pl": "Paleta US",
            "name_zh-hans": "美式托盘",
            "unit": "pcs",
            "vat_rate": "23",
            "is_active": "on",
            "analogs": "pal-eur, PAL-HALF",
            "category": "Pallets",
        },
    )
    product = Product.objects.get(sku="PAL-US")
    assert response.status_code == 302 and response["Location"] == f"/catalog/{product.pk}/"
    assert product.names == {"pl": "Paleta US", "zh-hans": "美式托盘"}
    assert [link.analog.sku for link in product.analog_links.order_by("id")] == ["PAL-EUR", "PAL-HALF"]
    assert (product.category.name, product.vat_rate, product.is_active) == ("Pallets", 23, True)


def test_bad_product_forms_name_the_field_and_store_nothing(login, mike, catalogue):
    from klient.catalog.models import Product

    before = Product.objects.count()
    taken = login(mike).post(
        "/catalog/new/", {"sku": "pal-eur", "name": "Copy", "unit": "pcs", "vat_rate": "5"}
    )
    assert taken.status_code == 400
    assert "Another product has the SKU" in taken.content.decode()
    unknown = login(mike).post(
        "/catalog/new/", {"sku": "NEW", "name": "New", "unit": "pcs", "vat_rate": "5", "analogs": "NOPE"}
    )
    assert unknown.status_code == 400
    assert "No product with the SKU “NOPE”." in unknown.content.decode()
    assert Product.objects.count() == before


def test_an_edit_with_a_stale_version_saves_nothing(login, mike, catalogue):
    euro = catalogue["euro"]
    form = {"sku": "PAL-EUR", "name": "Euro pallet (new)", "unit": "pcs", "vat_rate": "23", "is_active": "on"}
    saved = login(mike).post(f"/catalog/{euro.pk}/edit/", {**form, "version": euro.version})
    assert saved.status_code == 302
    euro.refresh_from_db()
    assert (euro.name, euro.version) == ("Euro pallet (new)", 2)
    stale = login(mike).post(f"/catalog/{euro.pk}/edit/", {**form, "name": "Lost", "version": 1})
    assert stale.status_code == 400
    euro.refresh_from_db()
    assert euro.name == "Euro pallet (new)"
    malformed = login(mike).post(f"/catalog/{euro.pk}/edit/", {**form, "name": "Lost", "version": "x"})
    assert malformed.status_code == 400
    euro.refresh_from_db()
    assert (euro.name, euro.version) == ("Euro pallet (new)", 2)
    # The analogues were left out of the form: the edit took them away.
    assert not euro.analog_links.exists()


def test_a_rep_may_not_add_or_edit_products(login, alice, catalogue):
    assert login(alice).get("/catalog/new/").status_code == 403
    assert login(alice).get(f"/catalog/{catalogue['euro'].pk}/edit/").status_code == 403
    assert 'data-action="new-product"' not in login(alice).get("/catalog/").content.decode()


def test_price_lists_show_their_prices_in_the_readers_language(login, alice, catalogue):
    from klient.catalog.models import PriceList

    wholesale = PriceList.objects.get(name="Wholesale")
    html = login(alice).get("/catalog/price-lists/").content.decode()
    assert f'data-price-list="{wholesale.pk}"' in html
    detail = login(alice).get(f"/catalog/price-lists/{wholesale.pk}/").content.decode()
    assert f'<tr data-product="{catalogue["euro"].pk}">' in detail
    assert '<td data-field="price">PLN49.90</td>' in detail  # CLDR's British English writes no space
