"""POST, PATCH and DELETE /api/v1/companies: the service rules, validation errors naming the field."""

import datetime

import pytest
import time_machine

from klient.core.models import AuditEntry
from klient.customers.models import Company
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
INVALID = "The request is not valid."


def db_snapshot() -> tuple:
    return (
        list(Company.objects.order_by("pk").values_list("pk", "name", "country", "owner_id", "version")),
        AuditEntry.objects.count(),
    )


def test_it_creates_a_company_owned_by_the_caller_in_their_team(api, alice):
    with time_machine.travel(NOON, tick=False):
        response = api(alice).post(
            "/companies",
            {
                "name": "  Acme  ",
                "country": "pl",
                "tax_id": "PL1",
                "payment_terms_days": 30,
                "discount_percent": "2.5",
            },
        )
    assert response.status_code == 201
    company = Company.objects.get()
    assert response.json() == {
        "id": company.pk,
        "name": "Acme",
        "legal_name": "",
        "tax_id": "PL1",
        "registration_number": "",
        "country": "PL",
        "city": "",
        "legal_address": "",
        "billing_address": "",
        "delivery_address": "",
        "phone": "",
        "phone_e164": "",
        "other_phones": "",
        "email": "",
        "website": "",
        "industry": "",
        "size": "",
        "segment": "",
        "status": "prospect",
        "status_reason": "",
        "source": "",
        "owner": "alice",
        "team": "North",
        "parent": None,
        "tags": [],
        "document_language": "",
        "document_currency": "",
        "is_key_account": False,
        "external_id": "",
        "card_reviewed_at": None,
        "last_contact_at": None,
        "version": 1,
        "created_at": "2026-03-02T12:00:00Z",
        "updated_at": "2026-03-02T12:00:00Z",
        "price_type": None,
        "payment_terms_days": 30,
        "credit_limit": None,
        "discount_percent": "2.50",
        "individual_services": "",
        "delivery_terms": "",
    }
    assert api(alice).get(f"/companies/{company.pk}").json()["discount_percent"] == "2.50"
    assert company.search_text == "acme pl1 1"
    assert (
        AuditEntry.objects.filter(
            content_type__model="company", object_id=company.pk, action="create"
        ).count()
        == 1
    )


def test_it_creates_a_company_for_another_owner_and_team(api, mike, bob, south):
    response = api(mike).post("/companies", {"name": "Acme", "owner": "bob", "team": "South"})
    assert response.status_code == 201
    assert (response.json()["owner"], response.json()["team"]) == ("bob", "South")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Acme", "country": "XX"}, "country"),
        ({"name": "Acme", "owner": "nobody"}, "owner"),
        ({"name": "Acme", "team": "Nowhere"}, "team"),
        ({"country": "PL"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "Acme", "country": "POL"}, "country"),
        ({"name": "Acme", "payment_terms_days": 400}, "payment_terms_days"),
        ({"name": "Acme", "payment_terms_days": "30"}, "payment_terms_days"),
        ({"name": "Acme", "discount_percent": "101"}, "discount_percent"),
        ({"name": "Acme", "colour": "red"}, "colour"),
    ],
)
def test_invalid_input_gets_422_naming_the_field_and_creates_nothing(api, alice, payload, field):
    before = db_snapshot()
    response = api(alice).post("/companies", payload)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == INVALID
    assert [error["field"] for error in body["errors"]] == [field]
    assert all(error["message"] for error in body["errors"])
    assert db_snapshot() == before


def test_the_messages_say_what_is_wrong(api, alice):
    client = api(alice)
    assert client.post("/companies", {"name": "Acme", "owner": "nobody"}).json()["errors"] == [
        {"field": "owner", "message": "No active user named “nobody”."}
    ]
    assert client.post("/companies", {"name": "Acme", "country": "XX"}).json()["errors"] == [
        {"field": "country", "message": "Value 'XX' is not a valid choice."}
    ]


def test_a_disabled_user_cannot_be_made_owner(api, alice, bob):
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    response = api(alice).post("/companies", {"name": "Acme", "owner": "bob"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "owner"
    assert Company.objects.count() == 0


def test_a_patch_changes_only_the_fields_sent(api, alice):
    company = company_create(actor=alice, name="Acme", legal_name="Acme S.A.", country="PL")
    response = api(alice).patch(
        f"/companies/{company.pk}", {"version": 1, "legal_name": None, "tax_id": "PL9"}
    )
    assert response.status_code == 200
    stored = Company.objects.get(pk=company.pk)
    assert (stored.name, stored.legal_name, str(stored.country), stored.tax_id, stored.version) == (
        "Acme",
        "",
        "PL",
        "PL9",
        2,
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Acme 2"}, "version"),
        ({"version": "1", "name": "Acme 2"}, "version"),
        ({"version": 1, "country": "XX"}, "country"),
        ({"version": 1, "owner": "nobody"}, "owner"),
        ({"version": 1, "name": ""}, "name"),
        ({"version": 1, "search_text": "x"}, "search_text"),
    ],
)
def test_an_invalid_patch_gets_422_and_changes_nothing(api, alice, payload, field):
    company = company_create(actor=alice, name="Acme")
    before = db_snapshot()
    response = api(alice).patch(f"/companies/{company.pk}", payload)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert db_snapshot() == before


def test_a_sales_manager_deletes_a_company_and_the_audit_keeps_it(api, alice, mike):
    company = company_create(actor=alice, name="Acme")
    audit_before = AuditEntry.objects.count()

    response = api(mike).delete(f"/companies/{company.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Company.objects.filter(pk=company.pk).exists()
    assert AuditEntry.objects.count() == audit_before + 1
    entry = AuditEntry.objects.get(content_type__model="company", object_id=company.pk, action="delete")
    assert (entry.actor, entry.object_repr) == (mike, "Acme")
    assert api(mike).get(f"/companies/{company.pk}").status_code == 404
    history = api(mike).get(f"/companies/{company.pk}/history")
    assert history.status_code == 404  # the history stays in the audit table, not behind a deleted card


def test_an_account_manager_may_not_delete(api, alice):
    company = company_create(actor=alice, name="Acme")
    before = db_snapshot()
    response = api(alice).delete(f"/companies/{company.pk}")
    assert response.status_code == 403
    assert response.json() == {"detail": "You may not delete companies.", "errors": []}
    assert db_snapshot() == before


def test_unknown_companies_get_404(api, alice):
    client = api(alice)
    assert client.get("/companies/999999").json() == {"detail": "Not found.", "errors": []}
    assert client.patch("/companies/999999", {"version": 1, "name": "X"}).status_code == 404
    assert client.delete("/companies/999999").status_code == 404
