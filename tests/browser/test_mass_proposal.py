"""A mass proposal in the browser: a rep ticks companies on the list, sends one offer to all of them, and
sees each company's own quote (at its own prices) go out, and the one without an email address left out
with why."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from klient.catalog.models import Price, PriceList, Product
from klient.customers.services import company_create, contact_create
from klient.mail.models import OutboxMessage
from klient.sales.quotes.models import Quote

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rep_sends_one_offer_to_the_companies_ticked_on_the_list(
    page, sign_in, screenshot, alice, wholesale
):
    dealer = PriceList.objects.create(name="Dealer", currency="EUR")
    pallet = Product.objects.create(sku="PAL-1", name="Euro pallet", vat_rate=Decimal(23))
    Price.objects.create(price_list=wholesale, product=pallet, amount=Decimal("10.00"))
    Price.objects.create(price_list=dealer, product=pallet, amount=Decimal("8.00"))
    acme, beta, gamma = (
        company_create(
            actor=alice,
            name=name,
            country="PL",
            document_currency="EUR",
            document_language="en",
            price_type=prices,
        )
        for name, prices in (("Acme", wholesale), ("Beta", dealer), ("Gamma", wholesale))
    )
    for company, email in ((acme, "jan@acme.example"), (beta, "ola@beta.example"), (gamma, "")):
        contact_create(actor=alice, company=company, first_name="Jan", last_name=company.name, email=email)

    sign_in(page, "alice")
    page.goto("/companies/")
    page.check("[data-select-all]")
    page.click(".bulk-bar summary")
    page.click("[data-bulk=mass-proposal]")
    expect(page.locator("[data-mass-counts]")).to_contain_text("3 companies chosen.")
    form = page.locator('[data-form="mass-proposal"]')
    form.locator("input[name=lines-0-sku]").fill("PAL-1")
    form.locator("input[name=lines-0-quantity]").fill("10")
    form.locator('[data-action="send-mass-proposal"]').click()

    expect(page.locator('[data-count="sent"]')).to_have_text("2")
    expect(page.locator('[data-count="skipped"]')).to_have_text("1")
    # Each at its own prices: 10 × 10.00 and 10 × 8.00, plus 23 % VAT.
    expect(page.locator(f'[data-item="{acme.pk}"]')).to_contain_text("€123.00")
    expect(page.locator(f'[data-item="{beta.pk}"]')).to_contain_text("€98.40")
    expect(page.locator(f'[data-item="{gamma.pk}"]')).to_have_attribute("data-status", "skipped")
    assert sorted(OutboxMessage.objects.values_list("to_email", flat=True)) == [
        "jan@acme.example",
        "ola@beta.example",
    ]
    assert Quote.objects.count() == 2
    screenshot(page, "mass-proposal")
    assert page.problems == []
