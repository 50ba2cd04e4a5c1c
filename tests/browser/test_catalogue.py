"""The catalogue in the browser: a rep finds an out-of-stock product, sees when it comes back and the
analogue to offer instead, with its stock; logistics then records the delivery on the product's page."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from klient.catalog.models import Stock
from klient.catalog.services import product_create
from klient.core.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rep_finds_the_analogue_of_a_missing_product_and_logistics_restocks_it(
    page, sign_in, alice, mike, make_user
):
    make_user("lena", Role.LOGISTICS)
    half = product_create(actor=mike, sku="PAL-HALF", name="Half pallet", stock="40")
    euro = product_create(
        actor=mike,
        sku="PAL-EUR",
        name="Euro pallet",
        stock="0",
        restock_date=datetime.date(2026, 3, 10),
        analogs=[{"product": half.pk, "note": "two make one"}],
    )

    sign_in(page, "alice")
    page.click('[data-nav="catalog"]')
    search = page.locator('[data-form="product-search"] input[name=q]')
    search.fill("euro")
    search.press("Enter")
    expect(page.locator("tr[data-product]")).to_have_count(1)
    page.click(f'tr[data-product="{euro.pk}"] a')
    expect(page.locator('[data-field="stock"]')).to_have_text("0")
    expect(page.locator('[data-field="restock"]')).to_have_text("03/10/2026")
    analogue = page.locator(f'tr[data-analog="{half.pk}"]')
    expect(analogue).to_contain_text("two make one")
    expect(analogue).to_contain_text("40")
    expect(page.locator('[data-form="stock"]')).to_have_count(0)
    analogue.locator("a").click()
    expect(page.locator("h1")).to_contain_text("Half pallet")

    page.context.clear_cookies()
    sign_in(page, "lena")
    page.goto(f"/catalog/{euro.pk}/")
    form = page.locator('[data-form="stock"]')
    form.locator("input[name=available]").fill("25")
    form.locator("button[type=submit]").click()
    expect(page.locator('[data-field="stock"]')).to_have_text("25")
    assert Stock.objects.get(product=euro, warehouse__code="main").available == Decimal("25")
