"""Fixtures of the deals' tests: alice's company Acme (North), the default pipeline's stages by name."""

import datetime
from decimal import Decimal

import pytest

from klient.catalog.models import ExchangeRate
from klient.customers.services import company_create
from klient.sales.models import Pipeline, Stage


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings):
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def acme(alice):
    return company_create(actor=alice, name="Acme", country="PL", document_currency="EUR")


@pytest.fixture
def stages(db) -> dict[str, Stage]:
    pipeline = Pipeline.objects.get(is_default=True)
    return {stage.name: stage for stage in pipeline.stages.all()}


@pytest.fixture
def pln_rate(db):
    """One złoty is worth 0.25 euro from the start of 2026."""
    return ExchangeRate.objects.create(currency="PLN", on=datetime.date(2026, 1, 1), rate=Decimal("0.25"))
