"""The demo call lists: one per rep with demo prospects, made once."""

import pytest

from klient.activities.calllists.demo import calllists_demo_load
from klient.activities.calllists.models import CallList, CallScript
from tests.calllists.conftest import make_company

pytestmark = pytest.mark.django_db


def test_one_list_per_rep_with_demo_prospects_once(alice, bob, tom):
    for index in range(3):
        make_company(alice, f"Demo {index}", status="prospect", external_id=f"DEMO-{index:05d}")
    make_company(alice, "Not demo", status="prospect")
    assert calllists_demo_load() == 1
    call_list = CallList.objects.get()
    assert (call_list.created_by, call_list.script.name, call_list.entries.count()) == (
        alice,
        "Demo: prospect call",
        3,
    )
    assert CallScript.objects.get().steps.count() == 4
    assert calllists_demo_load() == 0
    assert CallList.objects.count() == 1
