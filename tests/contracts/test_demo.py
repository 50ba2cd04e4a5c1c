"""The demo contracts: twelve of the sales team's companies through every state (negotiation with open and
settled disagreements, approval, approved, active, running out within 30 days, starting later, expired,
draft, terminated), made once."""

import datetime
from collections import Counter

import pytest
import time_machine

from klient.customers.services import company_create
from klient.sales.contracts.demo import demo_contracts_load
from klient.sales.contracts.models import Contract, Disagreement
from tests.contracts.conftest import NOON

pytestmark = pytest.mark.django_db


def test_the_demo_makes_twelve_contracts_in_every_state_once(alice, mike, accepted_quote):
    for number in range(12):
        company_create(actor=alice, name=f"Demo {number}", country="PL")
    with time_machine.travel(NOON, tick=False):
        assert demo_contracts_load([alice, mike]) == 12
    contracts = list(Contract.objects.order_by("number"))
    assert contracts[0].quote == accepted_quote
    assert Counter(contract.status for contract in contracts) == {
        "negotiation": 3,
        "approval": 3,
        "active": 2,
        "signed": 1,
        "expired": 1,
        "draft": 1,
        "terminated": 1,
    }
    assert [contract.approved_by for contract in contracts if contract.status == "approval"].count(mike) == 1
    assert Counter(Disagreement.objects.values_list("status", flat=True)) == {"resolved": 3, "open": 2}
    expiring = [
        contract
        for contract in contracts
        if contract.status == "active" and contract.ends_on <= datetime.date(2026, 4, 1)
    ]
    assert [contract.ends_on for contract in expiring] == [datetime.date(2026, 3, 22)]
    assert demo_contracts_load([alice, mike]) == 0
    assert Contract.objects.count() == 12
