"""Fixtures of the orders' tests: alice's company Acme (North, Polish documents in euros, wholesale price
type) with its buyer Jan Nowak (Russian-speaking, with an email), three products, and a quote of two
lines that Acme accepted."""

import pytest

from klient.customers.models import Contact
from klient.sales.orders.services import order_create_from_quote
from klient.sales.quotes.services import LineInput, quote_answer, quote_create, quote_send
from tests.quotes.conftest import acme, contact, prices, products  # noqa: F401 - fixtures reused


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings):
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def russian(contact):  # noqa: F811 - the quotes' contact, made Russian-speaking
    Contact.objects.filter(pk=contact.pk).update(language="ru")
    contact.refresh_from_db()
    return contact


def accepted_quote(alice, company, contact, products):  # noqa: F811
    """A quote of 3 × PAL-1 (10.00) and 10 × FOIL-1 (2.50) at 23 % VAT, sent and accepted."""
    quote = quote_create(
        actor=alice,
        company=company,
        contact=contact,
        lines=[LineInput(products[0], "3"), LineInput(products[1], "10")],
    )
    quote = quote_send(quote=quote, actor=alice)
    return quote_answer(token=quote.token, accepted=True)


@pytest.fixture
def quote(alice, acme, russian, products):  # noqa: F811
    return accepted_quote(alice, acme, russian, products)


@pytest.fixture
def order(alice, quote):
    return order_create_from_quote(quote=quote, actor=alice)


@pytest.fixture
def lena(make_user):
    """A logistics clerk: updates statuses and dates of every order."""
    return make_user("lena", "logistics")
