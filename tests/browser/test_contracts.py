"""Contracts in the browser: a rep makes a contract of an accepted quote, records the client's objection to
a clause and settles it, asks for approval; the team lead approves; the rep records the signature, the
key terms reach the client card, and an order is placed under the contract."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from klient.catalog.models import Price, Product
from klient.customers.models import Company
from klient.customers.services import company_create, contact_create
from klient.sales.contracts.models import Contract, ContractStatus, Disagreement
from klient.sales.orders.models import Order
from klient.sales.quotes.models import Quote, QuoteStatus
from klient.sales.quotes.services import LineInput, quote_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_contract_is_negotiated_approved_signed_and_ordered_under(
    page, open_page, sign_in, screenshot, alice, mike, wholesale
):
    pallet = Product.objects.create(sku="PAL-1", name="Euro pallet", vat_rate=Decimal(23))
    Price.objects.create(price_list=wholesale, product=pallet, amount=Decimal("10.00"))
    acme = company_create(
        actor=alice,
        name="Acme",
        country="PL",
        document_currency="EUR",
        document_language="en",
        price_type=wholesale,
        payment_terms_days=14,
    )
    jan = contact_create(
        actor=alice, company=acme, first_name="Jan", last_name="Nowak", email="jan@acme.example"
    )
    quote = quote_create(actor=alice, company=acme, contact=jan, lines=[LineInput(pallet, "3", "0")])
    Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.ACCEPTED)

    sign_in(page, "alice")
    page.goto(f"/quotes/{quote.pk}/")
    page.locator('[data-action="create-contract"]').click()
    expect(page.locator('hgroup [data-field="status"]')).to_have_text("Draft")
    contract = Contract.objects.get()
    page.locator('[data-action="negotiate"]').click()
    expect(page.locator('hgroup [data-field="status"]')).to_have_text("Negotiation")

    # The client objects to the payment clause: recorded, it blocks approval until settled.
    page.locator('[data-form="disagreement"]').locator("xpath=ancestor::details").locator("summary").click()
    form = page.locator('[data-form="disagreement"]')
    form.locator("input[name=clause]").fill("4.2 Payment")
    form.locator("textarea[name=our_wording]").fill("Payment within 14 days.")
    form.locator("textarea[name=their_wording]").fill("Payment within 30 days.")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-open-disagreements]")).to_contain_text("1 disagreement is open")
    expect(page.locator('[data-action="request-approval"]')).to_have_count(0)
    settle = page.locator('[data-form="resolve"]')
    settle.locator("textarea[name=resolution]").fill("Agreed on 21 days.")
    settle.locator('[data-action="resolve"]').click()
    expect(page.locator("[data-open-disagreements]")).to_have_count(0)
    assert Disagreement.objects.get().status == "resolved"
    # What was agreed goes into the contract: a new version of its terms.
    page.locator('[data-action="edit-contract"]').click()
    page.locator("input[name=payment_terms_days]").fill("21")
    page.locator('[data-form="contract"] button[type=submit]').click()
    expect(page.locator('dd[data-field="payment_terms_days"]')).to_have_text("21")
    page.locator('[data-action="request-approval"]').click()
    expect(page.locator("[data-awaiting]")).to_be_visible()

    lead = open_page()
    sign_in(lead, "mike")
    lead.goto(f"/contracts/{contract.pk}/")
    lead.locator('[data-action="approve"]').click()
    expect(lead.locator('hgroup [data-field="approved"]')).to_be_visible()
    assert lead.problems == []

    page.reload()
    sign = page.locator('[data-form="sign"]')
    sign.locator("input[name=signed_on]").fill(timezone.localdate().isoformat())
    sign.locator("input[name=customer_signatory]").fill("Jan Nowak")
    sign.locator('[data-action="sign"]').click()
    expect(page.locator('hgroup [data-field="status"]')).to_have_text("Active")
    contract.refresh_from_db()
    assert (contract.status, contract.customer_signatory) == (ContractStatus.ACTIVE, "Jan Nowak")
    # The agreed payment terms are now the client's.
    assert Company.objects.get(pk=acme.pk).payment_terms_days == 21
    screenshot(page, "contract-signed")

    page.locator('[data-action="place-order"]').click()
    expect(page.locator('[data-field="total"]')).to_have_text("€36.90")
    assert Order.objects.get().contract_id == contract.pk
    assert page.problems == []
