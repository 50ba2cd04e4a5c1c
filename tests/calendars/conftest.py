"""Fixtures of the calendar's tests: alice's customer Acme in Warsaw, its contact Jan, and a helper that
records an activity at a chosen time."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from klient.activities.models import Activity
from klient.activities.services import activity_create
from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, contact_create

WARSAW = ZoneInfo("Europe/Warsaw")
YEREVAN = ZoneInfo("Asia/Yerevan")


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings: Any) -> None:
    # WhiteNoise would walk every static file through the finders for each test Client.
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def acme(alice: User) -> Company:
    return company_create(
        actor=alice, name="Acme", city="Warsaw", delivery_address="ul. Prosta 1\n00-001 Warsaw"
    )


@pytest.fixture
def jan(alice: User, acme: Company) -> Contact:
    return contact_create(
        actor=alice, company=acme, first_name="Jan", last_name="Kowalski", email="jan@acme.example"
    )


@pytest.fixture
def record() -> Callable[..., Activity]:
    """`record(owner, company, kind, subject, due_at=..., done_at=..., ...)`: an activity by its owner."""

    def make(owner: User, company: Company, kind: str, subject: str, **data: Any) -> Activity:
        return activity_create(actor=owner, company=company, kind=kind, subject=subject, **data)

    return make


def at(zone: ZoneInfo, *parts: int) -> datetime.datetime:
    """An aware time on a zone's clock: at(WARSAW, 2026, 1, 15, 9, 0)."""
    return datetime.datetime(*parts, tzinfo=zone)  # type: ignore[misc]
