"""Fixtures of the competitors' tests: two competitors, alice's company Acme (North) and carol's company
in South, which alice cannot see."""

import pytest

from klient.catalog.services import product_create
from klient.customers.services import company_create
from klient.sales.competitors.services import competitor_create


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings):
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def acme(alice):
    return company_create(actor=alice, name="Acme", country="PL")


@pytest.fixture
def southern(carol):
    return company_create(actor=carol, name="Južni d.o.o.", country="BA")


@pytest.fixture
def paletpol(mike):
    return competitor_create(
        actor=mike,
        name="PaletPol",
        country="PL",
        website="paletpol.example.pl",
        strengths="Cheap pallets",
        weaknesses="No boxes",
    )


@pytest.fixture
def balkan(mike):
    return competitor_create(actor=mike, name="Ambalaža Balkan", country="RS")


@pytest.fixture
def pallet(mike):
    return product_create(actor=mike, sku="PAL-EUR", name="Euro pallet", vat_rate="23")
