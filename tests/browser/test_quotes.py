"""Quotes in the browser: a rep writes a quote from the client card by SKU, sees its totals and a line out
of stock with its analogue, sends it; the customer, without signing in, opens the link and accepts it."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from klient.catalog.models import Analog, Price, Product, Stock, Warehouse
from klient.customers.services import company_create, contact_create
from klient.mail.models import OutboxMessage
from klient.sales.quotes.models import Quote, QuoteStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rep_sends_a_quote_and_the_customer_accepts_it(
    page, open_page, sign_in, screenshot, alice, wholesale
):
    main = Warehouse.objects.get(code="main")
    pallet, foil, rack = (
        Product.objects.create(sku=sku, name=name, vat_rate=Decimal(23))
        for sku, name in (("PAL-1", "Euro pallet"), ("FOIL-1", "Stretch foil"), ("RACK-1", "Pallet rack"))
    )
    for product, amount, available in ((pallet, "10.00", 0), (foil, "2.50", 50), (rack, "99.00", 8)):
        Price.objects.create(price_list=wholesale, product=product, amount=Decimal(amount))
        Stock.objects.create(product=product, warehouse=main, available=Decimal(available))
    Analog.objects.create(product=pallet, analog=rack, note="Holds more")
    acme = company_create(
        actor=alice,
        name="Acme",
        country="PL",
        document_currency="EUR",
        document_language="en",
        price_type=wholesale,
    )
    jan = contact_create(
        actor=alice, company=acme, first_name="Jan", last_name="Nowak", email="jan@acme.example"
    )

    sign_in(page, "alice")
    page.goto(f"/companies/{acme.pk}/")
    page.locator('#quotes [data-action="new-quote"]').click()
    form = page.locator('[data-form="quote"]')
    form.locator("select[name=contact]").select_option(str(jan.pk))
    form.locator("input[name=lines-0-sku]").fill("PAL-1")
    form.locator("input[name=lines-0-quantity]").fill("3")
    form.locator("input[name=lines-1-sku]").fill("foil-1")
    form.locator("input[name=lines-1-quantity]").fill("10")
    form.locator('[data-action="save-quote"]').click()

    # 3 × 10.00 + 23 % and 10 × 2.50 + 23 %: 55.00 + 12.65 VAT.
    expect(page.locator('tfoot [data-field="subtotal"]')).to_have_text("€55.00")
    expect(page.locator('tfoot [data-field="tax_total"]')).to_have_text("€12.65")
    expect(page.locator('tfoot [data-field="total"]')).to_have_text("€67.65")
    short = page.locator('tr[data-line="1"]')
    expect(short.locator('[data-stock="short"]')).to_have_text("Short: 0 available")
    expect(short.locator(f'[data-analog="{rack.pk}"]')).to_contain_text(
        "RACK-1 Pallet rack · 8 in stock · €99.00 · Holds more"
    )
    expect(page.locator('tr[data-line="2"] [data-stock="ok"]')).to_have_text("In stock: 50")

    page.locator('[data-action="send"]').click()
    expect(page.locator('hgroup [data-field="status"]')).to_have_text("Sent")
    quote = Quote.objects.get()
    assert quote.status == QuoteStatus.SENT
    assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == ["jan@acme.example"]
    link = page.locator('[data-field="public_url"]').input_value()
    assert link.endswith(f"/q/{quote.token}/")
    assert page.problems == []
    screenshot(page, "quote-sent")

    customer = open_page()
    customer.goto(f"/q/{quote.token}/")
    customer.locator("textarea[name=comment]").fill("Deliver on Monday, please.")
    customer.locator('button[value="accept"]').click()
    expect(customer.locator('[data-quote-state="accepted"]')).to_contain_text("You accepted this proposal")
    quote.refresh_from_db()
    assert (quote.status, quote.answer_comment) == (QuoteStatus.ACCEPTED, "Deliver on Monday, please.")
    assert customer.problems == []
