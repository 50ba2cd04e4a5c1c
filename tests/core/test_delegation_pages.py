"""The delegations page: naming a deputy, ending a delegation, and the banner the deputy sees."""

import datetime
import re

import pytest
import time_machine

from klient.core.models import AuditEntry, Delegation
from klient.core.services import delegation_create
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def acting_for_banner(page: str) -> str:
    """The text of the banner telling a deputy whom they stand in for ("" when there is none)."""
    match = re.search(r'<div class="acting-for[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return match.group(1) if match else ""


def test_a_user_names_their_own_deputy(login, alice, carol):
    client = login(alice)
    response = client.post(
        "/delegations/",
        {
            "absent_user": alice.pk,
            "deputy": carol.pk,
            "starts_on": "2026-03-10",
            "ends_on": "2026-03-20",
            "reason": "Leave",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/delegations/"
    delegation = Delegation.objects.get()
    assert (delegation.absent_user, delegation.deputy, delegation.created_by) == (alice, carol, alice)
    assert (delegation.starts_on, delegation.ends_on, delegation.reason) == (
        datetime.date(2026, 3, 10),
        datetime.date(2026, 3, 20),
        "Leave",
    )
    page = client.get("/delegations/").content.decode()
    assert "Deputy named." in page
    assert f'<tr data-delegation="{delegation.pk}">' in page
    assert "In force" in page


def test_a_team_lead_names_a_deputy_for_a_member(login, mike, alice, bob):
    page = login(mike).get("/delegations/").content.decode()
    assert f'<option value="{alice.pk}">Alice Archer</option>' in page
    login(mike).post(
        "/delegations/",
        {"absent_user": alice.pk, "deputy": bob.pk, "starts_on": "2026-03-11", "ends_on": "2026-03-12"},
    )
    assert Delegation.objects.get().created_by == mike


def test_an_account_manager_cannot_name_a_deputy_for_a_colleague(login, alice, bob, carol):
    audit_before = AuditEntry.objects.count()
    response = login(alice).post(
        "/delegations/",
        {"absent_user": bob.pk, "deputy": carol.pk, "starts_on": "2026-03-10", "ends_on": "2026-03-20"},
    )
    assert response.status_code == 200
    assert (
        "Select a valid choice. That choice is not one of the available choices." in response.content.decode()
    )
    assert Delegation.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_days_out_of_order_are_refused_on_the_field(login, alice, carol):
    response = login(alice).post(
        "/delegations/",
        {"absent_user": alice.pk, "deputy": carol.pk, "starts_on": "2026-03-20", "ends_on": "2026-03-10"},
    )
    assert (
        '<small class="field-error" id="id_ends_on-error">The last day is before the first day.</small>'
        in (response.content.decode())
    )
    assert Delegation.objects.count() == 0


def test_oneself_as_deputy_is_refused_on_the_field(login, alice):
    response = login(alice).post(
        "/delegations/",
        {"absent_user": alice.pk, "deputy": alice.pk, "starts_on": "2026-03-10", "ends_on": "2026-03-12"},
    )
    assert 'id="id_deputy-error">A user cannot be their own deputy.' in response.content.decode()
    assert Delegation.objects.count() == 0


def test_ending_a_delegation_now(login, alice, carol):
    delegation = delegation_create(
        absent_user=alice,
        deputy=carol,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 20),
        actor=alice,
    )
    client = login(alice)
    response = client.post(f"/delegations/{delegation.pk}/cancel/")
    assert response.status_code == 302
    assert Delegation.objects.get().cancelled_at == TODAY
    page = client.get("/delegations/").content.decode()
    assert "Delegation ended." in page
    assert "Ended early" in page
    assert f"/delegations/{delegation.pk}/cancel/" not in page


def test_the_deputy_sees_whom_they_stand_in_for_and_their_companies(login, alice, carol):
    company_create(actor=alice, name="Acme")
    delegation_create(
        absent_user=alice,
        deputy=carol,
        starts_on=datetime.date(2026, 3, 10),
        ends_on=datetime.date(2026, 3, 20),
        actor=alice,
    )
    page = login(carol).get("/companies/").content.decode()
    assert "Alice Archer" in acting_for_banner(page)
    assert ">Acme</a>" in page
    home = login(alice).get("/").content.decode()
    assert "While you are away, your deputy works your records:" in home
    assert "<strong>Carol Carter</strong> (03/10/2026 – 03/20/2026)" in home


def test_a_planned_delegation_gives_nothing_yet(login, alice, carol):
    company_create(actor=alice, name="Acme")
    delegation_create(
        absent_user=alice,
        deputy=carol,
        starts_on=datetime.date(2026, 3, 11),
        ends_on=datetime.date(2026, 3, 20),
        actor=alice,
    )
    page = login(carol).get("/companies/").content.decode()
    assert acting_for_banner(page) == ""
    assert ">Acme</a>" not in page
    assert "Planned" in login(alice).get("/delegations/").content.decode()


def test_portal_customers_have_no_delegation_pages(login, paula, alice, carol):
    delegation = delegation_create(
        absent_user=alice,
        deputy=carol,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 20),
        actor=alice,
    )
    client = login(paula)
    assert client.get("/delegations/").status_code == 403
    assert client.post(f"/delegations/{delegation.pk}/cancel/").status_code == 403
    assert Delegation.objects.get().cancelled_at is None
    assert 'data-nav="delegations"' not in client.get("/").content.decode()
