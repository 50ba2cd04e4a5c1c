"""Fixtures of the quotes' tests: alice's company Acme (North) with Polish documents in euros and the
wholesale price type, its buyer Jan Nowak, and three products priced in the wholesale list."""

from decimal import Decimal

import pytest

from klient.catalog.models import Price, Product
from klient.customers.services import company_create, contact_create


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings):
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def products(db):
    """Three products at 23 % VAT with Polish names: 10.00, 2.50 and 1234.56 EUR in the wholesale list."""
    return [
        Product.objects.create(sku=sku, name=name, names={"pl": name_pl}, unit=unit, vat_rate=Decimal(23))
        for sku, name, name_pl, unit in (
            ("PAL-1", "Euro pallet", "Paleta euro", "pcs"),
            ("FOIL-1", "Stretch foil", "Folia stretch", "kg"),
            ("RACK-1", "Pallet rack", "Regał paletowy", "pcs"),
        )
    ]


@pytest.fixture
def prices(wholesale, products):
    return [
        Price.objects.create(price_list=wholesale, product=product, amount=Decimal(amount))
        for product, amount in zip(products, ("10.00", "2.50", "1234.56"), strict=True)
    ]


@pytest.fixture
def acme(alice, wholesale, prices):
    return company_create(
        actor=alice,
        name="Acme",
        country="PL",
        document_currency="EUR",
        document_language="pl",
        price_type=wholesale,
    )


@pytest.fixture
def contact(alice, acme):
    return contact_create(
        actor=alice, company=acme, first_name="Jan", last_name="Nowak", email="jan.nowak@acme.example"
    )
