"""What contracts feed elsewhere: orders placed under a signed contract (its lines, or lines priced at the
client's prices with the contract's discount), the "new contracts" target (signed with a company that had
none before, on the signature date) and the renewal reminders of My Day."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from klient.activities.myday import myday_build
from klient.activities.targets import metric_counts
from klient.customers.services import company_create
from klient.sales.contracts.models import Contract, ContractStatus
from klient.sales.contracts.services import contract_create_from_quote, contract_create_from_template
from klient.sales.orders.models import Order
from klient.sales.orders.services import OrderLineInput, order_create_from_contract

from .conftest import NOON, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False):
        yield


def _set(contract, **fields):
    Contract.objects.filter(pk=contract.pk).update(**fields)
    contract.refresh_from_db()
    return contract


@pytest.fixture
def signed(alice, accepted_quote):
    """The accepted quote's contract, signed today: 3 pallets and 10 kg of foil, 67.65 EUR."""
    contract = contract_create_from_quote(quote=accepted_quote, actor=alice)
    return _set(contract, status=ContractStatus.ACTIVE, signed_on=TODAY)


@pytest.fixture
def framework(alice, acme, template, products):
    """A framework contract from the template (no lines of its own), signed, with a 2.50 % discount."""
    contract = contract_create_from_template(template=template, company=acme, actor=alice, starts_on=TODAY)
    return _set(contract, status=ContractStatus.SIGNED, signed_on=TODAY)


def test_an_order_under_a_signed_contract_copies_its_lines_and_totals(alice, signed):
    order = order_create_from_contract(contract=signed, actor=alice)

    assert (order.contract_id, order.quote_id, order.company_id, order.currency) == (
        signed.pk,
        None,
        signed.company_id,
        "EUR",
    )
    assert (order.subtotal, order.tax_total, order.total) == (
        Decimal("55.00"),
        Decimal("12.65"),
        Decimal("67.65"),
    )
    assert [(line.sku, line.quantity, line.line_subtotal) for line in order.lines.order_by("position")] == [
        ("PAL-1", Decimal("3.000"), Decimal("30.0000")),
        ("FOIL-1", Decimal("10.000"), Decimal("25.0000")),
    ]
    # A contract has any number of orders.
    assert order_create_from_contract(contract=signed, actor=alice).number == "O-2026-00002"


def test_lines_ordered_under_a_framework_contract_are_priced_with_its_discount(alice, framework, products):
    order = order_create_from_contract(
        contract=framework, actor=alice, lines=[OrderLineInput(product=products[0], quantity="4")]
    )

    line = order.lines.get()
    # 4 × 10.00 EUR less the contract's 2.50 %: 39.00, and 23 % VAT: 8.97.
    assert (line.unit_price, line.discount_percent, line.line_subtotal, line.line_tax) == (
        Decimal("10.0000"),
        Decimal("2.50"),
        Decimal("39.0000"),
        Decimal("8.9700"),
    )
    assert order.total == Decimal("47.97")


def test_orders_are_refused_before_signing_or_without_lines_and_nothing_is_made(
    alice, accepted_quote, framework
):
    draft = contract_create_from_quote(quote=accepted_quote, actor=alice)

    with pytest.raises(ValidationError) as refused:
        order_create_from_contract(contract=draft, actor=alice)
    assert refused.value.message_dict == {
        "contract": ["Orders are placed under a signed or active contract only."]
    }
    with pytest.raises(ValidationError) as empty:
        order_create_from_contract(contract=framework, actor=alice)
    assert empty.value.message_dict == {
        "lines": ["This contract has no lines of its own: say what is ordered."]
    }
    assert Order.objects.count() == 0


def test_the_api_places_an_order_under_a_contract_and_names_what_is_wrong(
    api, alice, carol, signed, framework
):
    made = api(alice).post("/orders", {"contract": signed.pk, "promised_date": "2026-04-01"})
    assert made.status_code == 201, made.json()
    assert (made.json()["contract"], made.json()["quote"], made.json()["total"]) == (signed.pk, None, "67.65")

    both = api(alice).post("/orders", {"contract": signed.pk, "quote": signed.quote_id})
    assert both.status_code == 422
    assert both.json()["errors"] == [{"field": "quote", "message": "Give either a quote or a contract."}]
    unknown = api(alice).post(
        "/orders", {"contract": framework.pk, "lines": [{"product": 999999, "quantity": "1"}]}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "lines[0].product", "message": "No product with this id."}]
    # Another team's rep does not see the contract: 404, as if it did not exist.
    hidden = api(carol).post("/orders", {"contract": signed.pk})
    assert hidden.status_code == 404
    assert Order.objects.count() == 1


def test_new_contracts_count_companies_signed_for_the_first_time(alice, acme, signed, template):
    beta = company_create(actor=alice, name="Beta", country="PL")
    second_with_acme = contract_create_from_template(template=template, company=acme, actor=alice)
    _set(second_with_acme, status=ContractStatus.SIGNED, signed_on=TODAY + datetime.timedelta(days=3))
    with_beta = contract_create_from_template(template=template, company=beta, actor=alice)
    _set(with_beta, status=ContractStatus.SIGNED, signed_on=TODAY + datetime.timedelta(days=5))
    unsigned = contract_create_from_template(template=template, company=beta, actor=alice)
    assert unsigned.signed_on is None

    march = metric_counts(user=alice, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    first_week = metric_counts(user=alice, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 4))
    april = metric_counts(user=alice, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 4, 30))

    # Acme (its first, today) and Beta; Acme's second contract is not a new one.
    assert (march["new_contracts"], first_week["new_contracts"], april["new_contracts"]) == (2, 1, 0)


def test_my_day_reminds_of_contracts_to_renew_within_their_notice(alice, acme, signed, template):
    _set(signed, ends_on=TODAY + datetime.timedelta(days=20), renewal_notice_days=30)
    later = contract_create_from_template(
        template=template, company=company_create(actor=alice, name="Gamma", country="PL"), actor=alice
    )
    _set(later, status=ContractStatus.ACTIVE, signed_on=TODAY, ends_on=TODAY + datetime.timedelta(days=40))

    groups = {group.name: group for group in myday_build(user=alice, date=TODAY)}
    items = groups["renewals"].items
    assert [(item.kind, item.title, item.due) for item in items] == [
        ("contract_renewal", f"{signed.number} · Acme", TODAY + datetime.timedelta(days=20))
    ]
    assert items[0].url == f"/contracts/{signed.pk}/"

    # A newer contract with Acme under way is the renewal: no reminder any more.
    contract_create_from_template(template=template, company=acme, actor=alice)
    groups = {group.name: group for group in myday_build(user=alice, date=TODAY)}
    assert "renewals" not in groups or groups["renewals"].items == []


def test_the_contract_page_places_an_order_of_its_lines_and_lists_it(login, alice, signed, framework):
    client = login(alice)
    page = client.get(f"/contracts/{signed.pk}/").content.decode()
    assert 'data-action="place-order"' in page
    # A framework contract has no lines of its own: no button (its orders come through the API).
    assert 'data-action="place-order"' not in client.get(f"/contracts/{framework.pk}/").content.decode()

    response = client.post("/orders/new/", {"contract": signed.pk})

    order = Order.objects.get()
    assert (order.contract_id, order.total) == (signed.pk, Decimal("67.65"))
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert f'data-order="{order.pk}"' in client.get(f"/contracts/{signed.pk}/").content.decode()
    assert 'data-action="contract"' in client.get(f"/orders/{order.pk}/").content.decode()


def test_an_order_is_not_placed_under_a_contract_in_negotiation(login, alice, accepted_quote):
    draft = contract_create_from_quote(quote=accepted_quote, actor=alice)
    client = login(alice)

    response = client.post("/orders/new/", {"contract": draft.pk}, follow=True)

    assert "Orders are placed under a signed or active contract only." in response.content.decode()
    assert Order.objects.count() == 0
