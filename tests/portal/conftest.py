"""Fixtures of the portal's tests: alice's company Mleczarnia (a key account, domain
mleczarnia.example.pl) with Marta (Polish, a portal customer) and her colleague Piotr; another company,
Serownia, with Olga; sam the agent and the default queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from klient.core.models import User
from klient.customers.services import company_create, contact_create
from klient.service.models import Queue, Ticket
from klient.service.portal.models import PortalAccount
from klient.service.portal.services import portal_invite
from klient.service.services import MessageInput, ticket_open


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings: Any, tmp_path: Any) -> None:
    settings.WHITENOISE_USE_FINDERS = False
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def support(db: Any) -> Queue:
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


@pytest.fixture
def piotr(alice: User, mleczarnia: Any) -> Any:
    return contact_create(
        actor=alice,
        company=mleczarnia,
        first_name="Piotr",
        last_name="Wiśniewski",
        email="piotr@mleczarnia.example.pl",
    )


@pytest.fixture
def serownia(bob: User) -> Any:
    return company_create(actor=bob, name="Serownia", website="https://serownia.example.pl")


@pytest.fixture
def olga(bob: User, serownia: Any) -> Any:
    return contact_create(
        actor=bob, company=serownia, first_name="Olga", last_name="Ser", email="olga@serownia.example.pl"
    )


@pytest.fixture
def marta_account(marta: Any, sam: User, support: Queue) -> PortalAccount:
    """Marta, invited by sam; she sees her own tickets only."""
    return portal_invite(contact=marta, actor=sam)


@pytest.fixture
def portal_client(marta_account: PortalAccount) -> Client:
    client = Client()
    client.force_login(marta_account.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def mail_ticket(support: Queue) -> Callable[..., Ticket]:
    """A ticket opened by mail from an address."""

    def open_(email: str, subject: str, body: str = "Hello") -> Ticket:
        return ticket_open(
            message=MessageInput(kind="email_in", body_text=body, sender_email=email, subject=subject)
        )

    return open_
