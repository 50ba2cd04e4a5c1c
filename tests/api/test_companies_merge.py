"""POST /api/v1/companies/{id}/merge and /api/v1/contacts/{id}/merge."""

from __future__ import annotations

from typing import Any

import pytest

from klient.core.models import AuditEntry, Role
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, company_update, contact_create

pytestmark = pytest.mark.django_db


def state() -> dict[str, Any]:
    return {
        "companies": list(Company.objects.order_by("pk").values_list("pk", "name", "city", "version")),
        "contacts": list(Contact.objects.order_by("pk").values_list("pk", "company_id", "version")),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def acme(alice, bob):
    keep = company_create(actor=alice, name="Acme", country="PL", tax_id="PL1234563218")
    drop = company_create(actor=bob, name="Acme S.A.", country="PL", tax_id="1234563218", city="Gdańsk")
    contact_create(actor=bob, company=drop, first_name="Ola", last_name="Lis")
    return keep, drop


def test_it_merges_and_answers_the_kept_company(acme, api, mike):
    keep, drop = acme
    response = api(mike).post(f"/companies/{keep.pk}/merge", {"drop": drop.pk, "values": {"name": "drop"}})
    assert response.status_code == 200, response.content
    body = response.json()
    assert {key: body[key] for key in ("id", "name", "tax_id", "city", "owner", "version")} == {
        "id": keep.pk,
        "name": "Acme S.A.",
        "tax_id": "PL1234563218",
        "city": "Gdańsk",
        "owner": "alice",
        "version": 2,
    }
    assert list(Contact.objects.values_list("company_id", flat=True)) == [keep.pk]
    assert not Company.objects.filter(pk=drop.pk).exists()


def test_a_stale_version_answers_409_and_changes_nothing(acme, api, mike, alice):
    keep, drop = acme
    company_update(company=keep, actor=alice, version=1, city="Sopot")
    before = state()
    response = api(mike).post(f"/companies/{keep.pk}/merge", {"drop": drop.pk, "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert state() == before


@pytest.mark.parametrize("which", ["keep", "drop"])
def test_a_company_out_of_sight_answers_404(acme, api, make_user, south, which):
    keep, _drop = acme
    other = company_create(actor=make_user("sue", Role.SALES_MANAGER, south), name="Acme Süd")
    sue = other.owner
    before = state()
    path_id, drop_id = (keep.pk, other.pk) if which == "keep" else (other.pk, keep.pk)
    response = api(sue).post(f"/companies/{path_id}/merge", {"drop": drop_id})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": []}
    assert state() == before


def test_without_the_delete_permission_it_answers_403(acme, api, alice):
    keep, _drop = acme
    own = company_create(actor=alice, name="ACME")
    before = state()
    response = api(alice).post(f"/companies/{keep.pk}/merge", {"drop": own.pk})
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You may not merge companies.", "errors": []},
    )
    assert state() == before


def test_a_read_only_token_answers_403(acme, api, mike):
    keep, drop = acme
    before = state()
    response = api(mike, read_only=True).post(f"/companies/{keep.pk}/merge", {"drop": drop.pk})
    assert response.status_code == 403
    assert state() == before


def test_merging_a_company_with_itself_or_a_bad_choice_answers_422(acme, api, mike):
    keep, drop = acme
    before = state()
    response = api(mike).post(f"/companies/{keep.pk}/merge", {"drop": keep.pk})
    assert (response.status_code, response.json()["errors"]) == (
        422,
        [{"field": "drop", "message": "A record cannot be merged with itself."}],
    )
    response = api(mike).post(f"/companies/{keep.pk}/merge", {"drop": drop.pk, "values": {"name": "both"}})
    assert response.status_code == 422
    response = api(mike).post(f"/companies/{keep.pk}/merge", {"drop": drop.pk, "values": {"version": "drop"}})
    assert (response.status_code, response.json()["errors"]) == (
        422,
        [{"field": "version", "message": "This field cannot be chosen."}],
    )
    assert state() == before


def test_contacts_merge_through_the_api(alice, api):
    company = company_create(actor=alice, name="Acme", country="PL")
    keep = contact_create(
        actor=alice, company=company, first_name="Ana", last_name="Novak", email="a@acme.pl"
    )
    drop = contact_create(
        actor=alice, company=company, first_name="Ana", last_name="Novak", phone="22 100 20 30"
    )
    response = api(alice).post(
        f"/contacts/{keep.pk}/merge", {"drop": drop.pk, "version": 1, "drop_version": 1}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["email"], body["phone"], body["version"]) == (
        keep.pk,
        "a@acme.pl",
        "22 100 20 30",
        2,
    )
    assert list(Contact.objects.values_list("pk", flat=True)) == [keep.pk]
    stale = api(alice).post(f"/contacts/{keep.pk}/merge", {"drop": keep.pk, "version": 1})
    assert stale.status_code == 422
