"""Every card field through the API: exact bodies, commercial terms only with the permission, tags, parent,
and marking the card reviewed."""

import datetime

import pytest
import time_machine

from klient.core.models import AuditEntry, Tag
from klient.customers.models import Company
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
LATER = datetime.datetime(2026, 3, 2, 12, 30, tzinfo=datetime.UTC)
COMMERCIAL = {
    "price_type",
    "payment_terms_days",
    "credit_limit",
    "discount_percent",
    "individual_services",
    "delivery_terms",
}
BASIC = {
    "id",
    "name",
    "legal_name",
    "tax_id",
    "registration_number",
    "country",
    "city",
    "legal_address",
    "billing_address",
    "delivery_address",
    "phone",
    "phone_e164",
    "other_phones",
    "email",
    "website",
    "industry",
    "size",
    "segment",
    "status",
    "status_reason",
    "source",
    "owner",
    "team",
    "parent",
    "tags",
    "document_language",
    "document_currency",
    "is_key_account",
    "external_id",
    "card_reviewed_at",
    "last_contact_at",
    "version",
    "created_at",
    "updated_at",
}
FULL_CARD = {
    "name": "Zażółć Sp. z o.o.",
    "legal_name": "Zażółć Gęślą Jaźń Sp. z o.o.",
    "tax_id": "PL 521-300-00-01",
    "registration_number": "KRS 0000123456",
    "country": "PL",
    "city": "Warszawa",
    "legal_address": "ul. Prosta 1\n00-001 Warszawa",
    "billing_address": "ul. Prosta 1, 00-001 Warszawa",
    "delivery_address": "Magazyn, ul. Krzywa 7, 05-800 Pruszków",
    "phone": "22 123 45 67",
    "other_phones": "601 234 567, +48 22 765 43 21",
    "email": "Biuro@Zazolc.PL",
    "website": "https://www.zazolc.pl/",
    "industry": "Food",
    "size": "50-249",
    "segment": "Retail",
    "status": "customer",
    "status_reason": "",
    "source": "exhibition",
    "tags": ["Ključni", "export"],
    "document_language": "pl",
    "document_currency": "pln",
    "is_key_account": True,
    "external_id": "ERP-0042",
    "payment_terms_days": 30,
    "credit_limit": "150000.00",
    "discount_percent": "7.5",
    "individual_services": "Dedicated engineer",
    "delivery_terms": "48 h",
}


def test_a_full_card_is_created_and_read_back_exactly(api, alice, wholesale):
    with time_machine.travel(NOON, tick=False):
        response = api(alice).post("/companies", {**FULL_CARD, "price_type": wholesale.pk})
    assert response.status_code == 201
    company = Company.objects.get()
    expected = {
        "id": company.pk,
        "name": "Zażółć Sp. z o.o.",
        "legal_name": "Zażółć Gęślą Jaźń Sp. z o.o.",
        "tax_id": "PL 521-300-00-01",
        "registration_number": "KRS 0000123456",
        "country": "PL",
        "city": "Warszawa",
        "legal_address": "ul. Prosta 1\n00-001 Warszawa",
        "billing_address": "ul. Prosta 1, 00-001 Warszawa",
        "delivery_address": "Magazyn, ul. Krzywa 7, 05-800 Pruszków",
        "phone": "22 123 45 67",
        "phone_e164": "+48221234567",
        "other_phones": "601 234 567, +48 22 765 43 21",
        "email": "biuro@zazolc.pl",
        "website": "https://www.zazolc.pl/",
        "industry": "Food",
        "size": "50-249",
        "segment": "Retail",
        "status": "customer",
        "status_reason": "",
        "source": "exhibition",
        "owner": "alice",
        "team": "North",
        "parent": None,
        "tags": ["export", "Ključni"],
        "document_language": "pl",
        "document_currency": "PLN",
        "is_key_account": True,
        "external_id": "ERP-0042",
        "card_reviewed_at": None,
        "last_contact_at": None,
        # Setting the tags is a second change after the creation.
        "version": 2,
        "created_at": "2026-03-02T12:00:00Z",
        "updated_at": "2026-03-02T12:00:00Z",
        "price_type": wholesale.pk,
        "payment_terms_days": 30,
        "credit_limit": "150000.00",
        "discount_percent": "7.50",
        "individual_services": "Dedicated engineer",
        "delivery_terms": "48 h",
    }
    assert response.json() == expected
    assert api(alice).get(f"/companies/{company.pk}").json() == expected
    assert sorted(Tag.objects.values_list("name", "key")) == [("Ključni", "kljucni"), ("export", "export")]
    entries = AuditEntry.objects.filter(content_type__model="company", object_id=company.pk).order_by("pk")
    assert [entry.action for entry in entries] == ["create", "update"]
    assert entries[1].changes == {
        "tags": {
            "from": [],
            "to": ["export", "Ključni"],
            "from_label": None,
            "to_label": "export, Ključni",
        }
    }


@pytest.mark.parametrize("persona", ["alice", "fiona"])
def test_callers_with_commercial_terms_get_every_field(api, alice, request, persona, retail):
    company = company_create(actor=alice, name="Acme", credit_limit="1000", price_type=retail)
    body = api(request.getfixturevalue(persona)).get(f"/companies/{company.pk}").json()
    assert set(body) == BASIC | COMMERCIAL
    assert (body["credit_limit"], body["price_type"]) == ("1000.00", retail.pk)


@pytest.mark.parametrize("persona", ["tom", "sam"])
def test_callers_without_commercial_terms_get_no_commercial_keys(api, alice, tom, request, persona, retail):
    owner = tom if persona == "tom" else alice
    company = company_create(actor=alice, name="Acme", owner=owner, credit_limit="1000", price_type=retail)
    client = api(request.getfixturevalue(persona))
    assert set(client.get(f"/companies/{company.pk}").json()) == BASIC
    assert [set(item) for item in client.get("/companies").json()["items"]] == [BASIC]
    history = client.get(f"/companies/{company.pk}/history").json()["items"]
    assert not COMMERCIAL & {change["field"] for entry in history for change in entry["changes"]}


@pytest.mark.parametrize("field", sorted(COMMERCIAL))
def test_writing_a_commercial_term_without_the_permission_is_403_and_changes_nothing(
    api, alice, tom, field, retail
):
    company = company_create(actor=alice, name="Acme", owner=tom)
    value = {
        "payment_terms_days": 10,
        "credit_limit": "5",
        "discount_percent": "1",
        "price_type": retail.pk,
    }.get(field, "x")
    client = api(tom)
    before = (list(Company.objects.values_list("pk", "name", "version")), AuditEntry.objects.count())

    created = client.post("/companies", {"name": "Beta", field: value})
    changed = client.patch(f"/companies/{company.pk}", {"version": 1, "name": "Acme 2", field: value})

    for response in (created, changed):
        assert response.status_code == 403
        assert response.json() == {"detail": "You may not set commercial terms.", "errors": []}
    assert (list(Company.objects.values_list("pk", "name", "version")), AuditEntry.objects.count()) == before


def test_tags_replace_the_companys_tags_and_reuse_tags_by_folded_name(api, alice):
    Tag.objects.create(name="Ključni", key="kljucni")
    client = api(alice)
    company = client.post("/companies", {"name": "Acme", "tags": ["export"]}).json()

    response = client.patch(f"/companies/{company['id']}", {"version": 2, "tags": ["KLJUCNI", "  fair  "]})

    assert response.status_code == 200
    assert (response.json()["tags"], response.json()["version"]) == (["fair", "Ključni"], 3)
    assert set(Tag.objects.values_list("name", flat=True)) == {"export", "fair", "Ključni"}
    unchanged = client.patch(f"/companies/{company['id']}", {"version": 3, "tags": ["fair", "ključni"]})
    assert (unchanged.json()["tags"], unchanged.json()["version"]) == (["fair", "Ključni"], 3)
    cleared = client.patch(f"/companies/{company['id']}", {"version": 3, "tags": []})
    assert (cleared.json()["tags"], cleared.json()["version"]) == ([], 4)


def test_a_stale_version_with_tags_alone_is_409_and_the_tags_stay(api, alice):
    client = api(alice)
    company = client.post("/companies", {"name": "Acme", "tags": ["export"]}).json()
    response = client.patch(f"/companies/{company['id']}", {"version": 1, "tags": ["other"]})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert client.get(f"/companies/{company['id']}").json()["tags"] == ["export"]
    assert not Tag.objects.filter(name="other").exists()


@pytest.mark.parametrize(
    ("tags", "field"),
    [(["x" * 51], "tags.0"), ([""], "tags.0"), (["ok", "   "], "tags.1"), ("export", "tags")],
)
def test_invalid_tags_get_422_naming_the_item(api, alice, tags, field):
    response = api(alice).post("/companies", {"name": "Acme", "tags": tags})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert Company.objects.count() == 0


def test_the_parent_is_a_company_the_caller_sees(api, alice, carol):
    mine = company_create(actor=alice, name="Holding")
    theirs = company_create(actor=carol, name="Other Holding")
    client = api(alice)

    child = client.post("/companies", {"name": "Daughter", "parent": mine.pk})
    assert child.status_code == 201
    assert child.json()["parent"] == mine.pk

    for parent in (theirs.pk, 999999):
        refused = client.post("/companies", {"name": "Stranger", "parent": parent})
        assert refused.status_code == 422
        assert refused.json()["errors"] == [
            {"field": "parent", "message": "No company with this id, or you may not see it."}
        ]
    assert list(Company.objects.order_by("pk").values_list("name", flat=True)) == [
        "Holding",
        "Other Holding",
        "Daughter",
    ]
    orphan = client.patch(f"/companies/{child.json()['id']}", {"version": 1, "parent": None})
    assert orphan.json()["parent"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "won"),
        ("size", "huge"),
        ("source", "tv"),
        ("is_key_account", "maybe"),
        ("credit_limit", "-1"),
    ],
)
def test_choices_and_types_are_checked(api, alice, field, value):
    response = api(alice).post("/companies", {"name": "Acme", field: value})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_marking_the_card_reviewed_stamps_it_and_is_audited(api, alice):
    with time_machine.travel(NOON, tick=False):
        company = company_create(actor=alice, name="Acme")
    with time_machine.travel(LATER, tick=False):
        response = api(alice).post(f"/companies/{company.pk}/reviewed", {})
    assert response.status_code == 200
    body = response.json()
    assert (body["card_reviewed_at"], body["version"], body["updated_at"]) == (
        "2026-03-02T12:30:00Z",
        1,
        "2026-03-02T12:00:00Z",
    )
    stored = Company.objects.get()
    assert (stored.card_reviewed_at, stored.card_reviewed_by) == (LATER, alice)
    entry = AuditEntry.objects.filter(content_type__model="company", object_id=company.pk).latest("pk")
    assert (entry.action, entry.actor, list(entry.changes)) == ("update", alice, ["card_reviewed_at"])


def test_only_visible_companies_are_marked_reviewed_by_those_who_may_change_them(api, alice, carol, sam):
    company = company_create(actor=alice, name="Acme")
    audit_before = AuditEntry.objects.count()
    assert api(carol).post(f"/companies/{company.pk}/reviewed", {}).json() == {
        "detail": "Not found.",
        "errors": [],
    }
    refused = api(sam).post(f"/companies/{company.pk}/reviewed", {})
    assert (refused.status_code, refused.json()["detail"]) == (403, "You may not change companies.")
    assert Company.objects.get().card_reviewed_at is None
    assert AuditEntry.objects.count() == audit_before
