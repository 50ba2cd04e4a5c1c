"""Fixtures of the contracts' tests: alice's company Acme (North) with Polish documents in euros, the
wholesale price type and commercial terms (14 days, 3 %), its buyer Jan Nowak, an accepted quote of two
lines, and a Polish template."""

import datetime
from decimal import Decimal

import pytest

from klient.catalog.models import Price, Product
from klient.customers.services import company_create, contact_create
from klient.sales.contracts.models import ContractTemplate
from klient.sales.quotes.models import Quote, QuoteStatus
from klient.sales.quotes.services import LineInput, quote_create

TODAY = datetime.date(2026, 3, 2)
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings):
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def products(wholesale):
    """Two products at 23 % VAT, 10.00 and 2.50 EUR in the wholesale list."""
    made = [
        Product.objects.create(sku=sku, name=name, unit=unit, vat_rate=Decimal(23))
        for sku, name, unit in (("PAL-1", "Euro pallet", "pcs"), ("FOIL-1", "Stretch foil", "kg"))
    ]
    for product, amount in zip(made, ("10.00", "2.50"), strict=True):
        Price.objects.create(price_list=wholesale, product=product, amount=Decimal(amount))
    return made


@pytest.fixture
def acme(alice, wholesale):
    return company_create(
        actor=alice,
        name="Acme",
        country="PL",
        document_currency="EUR",
        document_language="pl",
        price_type=wholesale,
        payment_terms_days=14,
        discount_percent="3",
    )


@pytest.fixture
def contact(alice, acme):
    return contact_create(
        actor=alice, company=acme, first_name="Jan", last_name="Nowak", email="jan.nowak@acme.example"
    )


@pytest.fixture
def accepted_quote(alice, acme, contact, products):
    """3 pallets and 10 kg of foil: 30.00 + 25.00, 23 % VAT: 67.65 EUR, accepted by the client."""
    quote = quote_create(
        actor=alice,
        company=acme,
        contact=contact,
        lines=[LineInput(products[0], "3", "0"), LineInput(products[1], "10", "0")],
    )
    Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.ACCEPTED)
    quote.refresh_from_db()
    return quote


@pytest.fixture
def template(db):
    return ContractTemplate.objects.create(
        name="Supply agreement",
        language="pl",
        body=(
            "Contract {number} with {company}.\n"
            "1. Term: from {starts_on} to {ends_on}.\n"
            "2. Payment within {payment_terms_days} days.\n"
            "3. {unknown} stays as it is."
        ),
        payment_terms_days=30,
        discount_percent=Decimal("2.50"),
        delivery_terms="DAP Warsaw",
        duration_months=12,
    )
