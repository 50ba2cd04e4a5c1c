"""Fixtures of the call list tests: alice's and bob's companies in North, carol's in South, a script."""

from __future__ import annotations

import datetime

import pytest

from klient.activities.calllists.models import CallScript, CallScriptStep
from klient.customers.services import company_create, contact_create

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings):
    settings.WHITENOISE_USE_FINDERS = False


def make_company(actor, name, **values):
    return company_create(actor=actor, name=name, **values)


@pytest.fixture
def script(db):
    script = CallScript.objects.create(name="Exhibition follow-up")
    CallScriptStep.objects.create(script=script, position=1, title="Greeting", prompt="We met at the fair.")
    CallScriptStep.objects.create(script=script, position=2, title="Offer", prompt="Offer the trial order.")
    return script


@pytest.fixture
def prospects(alice):
    """Three of alice's prospects from the exhibition (one with a contact), and one customer."""
    first = make_company(alice, "Alpha", status="prospect", source="exhibition", phone="+48 22 123 45 67")
    contact_create(actor=alice, company=first, first_name="Jan", last_name="Nowak", phone="+48 601 000 001")
    second = make_company(alice, "Beta", status="prospect", source="exhibition")
    third = make_company(alice, "Gamma", status="prospect", source="exhibition")
    make_company(alice, "Delta", status="customer", source="exhibition")
    return [first, second, third]


def company_names(call_list) -> list[str]:
    return [entry.company.name for entry in call_list.entries.order_by("position").select_related("company")]
