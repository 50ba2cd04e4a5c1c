"""Fixtures of the greetings tests: a real SMTP server on loopback, and companies and contacts of the
personas in the countries and industries the occasions depend on."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, contact_create


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings: Any) -> None:
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def acme(alice: User) -> Company:
    """Alice's Polish construction company."""
    return company_create(actor=alice, name="Acme", country="PL", industry="Construction")


@pytest.fixture
def anna(alice: User, acme: Company) -> Contact:
    """Acme's buyer: writes Polish, born on 29 February."""
    return contact_create(
        actor=alice,
        company=acme,
        first_name="Anna",
        last_name="Nowak",
        email="anna@acme.example",
        language="pl",
        birthday=datetime.date(1984, 2, 29),
    )


@pytest.fixture
def southco(carol: User) -> Company:
    """Carol's company (team South): alice and mike cannot see it."""
    return company_create(actor=carol, name="Southco", country="PL", industry="Construction")


@pytest.fixture
def sue(carol: User, southco: Company) -> Contact:
    return contact_create(
        actor=carol, company=southco, first_name="Sue", last_name="South", email="sue@south.example"
    )
