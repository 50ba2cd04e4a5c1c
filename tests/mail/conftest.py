"""Fixtures of the mail tests: a real SMTP server on loopback, companies and contacts of the personas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, contact_create
from tests.smtp import free_port


@pytest.fixture
def smtp_down() -> Iterator[None]:
    """SMTP pointed at a port where nothing listens: every connection is refused."""
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=free_port(),
        EMAIL_TIMEOUT=5,
    ):
        yield


@pytest.fixture
def acme(alice: User) -> Company:
    return company_create(actor=alice, name="Acme")


@pytest.fixture
def jan(alice: User, acme: Company) -> Contact:
    return contact_create(
        actor=alice,
        company=acme,
        first_name="Jan",
        last_name="Kowalski",
        email="jan@acme.example",
        language="pl",
    )


@pytest.fixture
def southco(carol: User) -> Company:
    return company_create(actor=carol, name="Southco")


@pytest.fixture
def sue(carol: User, southco: Company) -> Contact:
    return contact_create(actor=carol, company=southco, first_name="Sue", email="sue@south.example")


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings: Any) -> None:
    settings.WHITENOISE_USE_FINDERS = False
