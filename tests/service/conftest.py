"""Fixtures of the service desk's tests: sam the agent (from the root conftest), vera the service-desk
manager, the default queue, and alice's company Mleczarnia (domain mleczarnia.example.pl, a key account)
with its buyer Marta Nowak (Polish)."""

from collections.abc import Callable
from typing import Any

import pytest

from klient.core.models import Role, User
from klient.customers.services import company_create, contact_create
from klient.service.models import Queue


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings: Any) -> None:
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def vera(make_user: Callable[..., User]) -> User:
    return make_user("vera", Role.SERVICE_MANAGER, first_name="Vera", last_name="Vance")


@pytest.fixture
def support(db: Any) -> Queue:
    """The default queue a fresh installation has."""
    return Queue.objects.get(is_default=True)


@pytest.fixture
def mleczarnia(alice: User) -> Any:
    return company_create(
        actor=alice,
        name="Mleczarnia Sp. z o.o.",
        website="https://mleczarnia.example.pl",
        is_key_account=True,
    )


@pytest.fixture
def marta(alice: User, mleczarnia: Any) -> Any:
    return contact_create(
        actor=alice,
        company=mleczarnia,
        first_name="Marta",
        last_name="Nowak",
        email="marta@mleczarnia.example.pl",
        language="pl",
    )
