"""/api/v1/contacts/{id}: create, read, update with versions, delete, history; a contact of a company the
caller cannot see does not exist for them."""

import datetime

import pytest
import time_machine

from klient.core.models import AuditEntry
from klient.customers.models import Contact
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
NOT_FOUND = {"detail": "Not found.", "errors": []}
NO_COMPANY = {
    "detail": "Not found.",
    "errors": [{"field": "company", "message": "No company with this id, or you may not see it."}],
}
FIELDS = {
    "id",
    "company",
    "first_name",
    "middle_name",
    "last_name",
    "position",
    "buying_role",
    "email",
    "other_emails",
    "phone",
    "phone_e164",
    "mobile",
    "mobile_e164",
    "other_phones",
    "birthday",
    "language",
    "preferred_channel",
    "marketing_consent",
    "marketing_consent_at",
    "marketing_consent_source",
    "left_on",
    "external_id",
    "version",
    "created_at",
    "updated_at",
}


def state() -> tuple:
    return (
        list(
            Contact.objects.order_by("pk").values_list("pk", "company_id", "last_name", "position", "version")
        ),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def acme(alice):
    return company_create(actor=alice, name="Acme", country="PL")


@pytest.fixture
def jan(alice, acme):
    return contact_create(actor=alice, company=acme, first_name="Jan", last_name="Nowak", position="Buyer")


def test_it_creates_a_contact_with_every_field_and_reads_it_back(api, alice, acme):
    with time_machine.travel(NOON, tick=False):
        response = api(alice).post(
            "/contacts",
            {
                "company": acme.pk,
                "first_name": " Zofia ",
                "middle_name": "Maria",
                "last_name": "Wójcik",
                "position": "Head of purchasing",
                "buying_role": "decision_maker",
                "email": "Zofia.Wojcik@Acme.PL",
                "other_emails": ["zofia@gmail.com"],
                "phone": "22 123 45 67",
                "mobile": "+48 601 234 567",
                "other_phones": ["601-111-222", {"value": "+7 495 123-45-67", "e164": "ignored"}],
                "birthday": "1980-05-17",
                "language": "pl",
                "preferred_channel": "mobile",
                "marketing_consent": True,
                "marketing_consent_source": "Fair 2026",
                "external_id": "ERP-C-1",
            },
        )
    assert response.status_code == 201
    contact = Contact.objects.get()
    expected = {
        "id": contact.pk,
        "company": acme.pk,
        "first_name": "Zofia",
        "middle_name": "Maria",
        "last_name": "Wójcik",
        "position": "Head of purchasing",
        "buying_role": "decision_maker",
        "email": "zofia.wojcik@acme.pl",
        "other_emails": ["zofia@gmail.com"],
        "phone": "22 123 45 67",
        "phone_e164": "+48221234567",
        "mobile": "+48 601 234 567",
        "mobile_e164": "+48601234567",
        "other_phones": [
            {"value": "601-111-222", "e164": "+48601111222"},
            {"value": "+7 495 123-45-67", "e164": "+74951234567"},
        ],
        "birthday": "1980-05-17",
        "language": "pl",
        "preferred_channel": "mobile",
        "marketing_consent": True,
        "marketing_consent_at": "2026-03-02T12:00:00Z",
        "marketing_consent_source": "Fair 2026",
        "left_on": None,
        "external_id": "ERP-C-1",
        "version": 1,
        "created_at": "2026-03-02T12:00:00Z",
        "updated_at": "2026-03-02T12:00:00Z",
    }
    assert response.json() == expected
    assert api(alice).get(f"/contacts/{contact.pk}").json() == expected
    entry = AuditEntry.objects.get(content_type__model="contact", object_id=contact.pk)
    assert (entry.action, entry.actor) == ("create", alice)


def test_a_minimal_contact_has_every_key(api, alice, jan):
    body = api(alice).get(f"/contacts/{jan.pk}").json()
    assert set(body) == FIELDS
    assert (body["other_phones"], body["other_emails"], body["birthday"]) == ([], [], None)


def test_another_teams_contact_does_not_exist_for_the_caller(api, carol, jan):
    client = api(carol)
    before = state()
    assert client.get(f"/contacts/{jan.pk}").json() == NOT_FOUND
    assert client.get(f"/contacts/{jan.pk}/history").json() == NOT_FOUND
    assert client.patch(f"/contacts/{jan.pk}", {"version": 1, "position": "CEO"}).json() == NOT_FOUND
    assert client.delete(f"/contacts/{jan.pk}").json() == NOT_FOUND
    assert client.get("/contacts").json() == {"items": [], "next": None}
    assert state() == before


def test_a_contact_cannot_be_added_to_or_moved_to_a_company_the_caller_cannot_see(api, alice, carol, jan):
    theirs = company_create(actor=carol, name="Carol's")
    client = api(alice)
    before = state()

    for company in (theirs.pk, 999999):
        created = client.post("/contacts", {"company": company, "last_name": "Kowalska"})
        assert (created.status_code, created.json()) == (404, NO_COMPANY)
        moved = client.patch(f"/contacts/{jan.pk}", {"version": 1, "company": company})
        assert (moved.status_code, moved.json()) == (404, NO_COMPANY)
    assert state() == before


def test_a_contact_moves_to_another_visible_company(api, alice, acme, jan):
    other = company_create(actor=alice, name="Beta")
    response = api(alice).patch(f"/contacts/{jan.pk}", {"version": 1, "company": other.pk})
    assert (response.json()["company"], response.json()["version"]) == (other.pk, 2)
    null = api(alice).patch(f"/contacts/{jan.pk}", {"version": 2, "company": None})
    assert null.status_code == 422
    assert null.json()["errors"] == [{"field": "company", "message": "A contact belongs to a company."}]


def test_a_stale_version_gets_409_with_the_current_one_and_changes_nothing(api, alice, jan):
    client = api(alice)
    assert client.patch(f"/contacts/{jan.pk}", {"version": 1, "position": "CEO"}).json()["version"] == 2
    before = state()

    stale = client.patch(f"/contacts/{jan.pk}", {"version": 1, "position": "CFO"})

    assert stale.status_code == 409
    assert stale.json() == {
        "detail": "The record was changed by someone else; reload it and apply your change again.",
        "errors": [{"field": "version", "message": "current version is 2"}],
        "current_version": 2,
    }
    assert state() == before
    stale_delete = client.delete(f"/contacts/{jan.pk}?version=1")
    assert stale_delete.status_code == 409
    assert state() == before


def test_a_patch_changes_only_what_it_sends_and_the_history_shows_it(api, alice, jan):
    client = api(alice)
    response = client.patch(f"/contacts/{jan.pk}", {"version": 1, "left_on": "2026-02-28", "buying_role": ""})
    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["position"], body["left_on"], body["version"]) == (
        "Jan",
        "Buyer",
        "2026-02-28",
        2,
    )
    history = client.get(f"/contacts/{jan.pk}/history").json()
    assert [entry["action"] for entry in history["items"]] == ["update", "create"]
    assert history["items"][0]["changes"] == [
        {
            "field": "left_on",
            "before": None,
            "after": "2026-02-28",
            "before_label": None,
            "after_label": "2026-02-28",
        }
    ]
    assert history["next"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"last_name": "X"}, "company"),
        ({"company": "1", "last_name": "X"}, "company"),
        ({"company": 0, "first_name": ""}, "last_name"),
        ({"company": 0, "last_name": "X", "email": "not an email"}, "email"),
        ({"company": 0, "last_name": "X", "other_emails": ["ok@example.com", "bad"]}, "other_emails"),
        ({"company": 0, "last_name": "X", "language": "de"}, "language"),
        ({"company": 0, "last_name": "X", "buying_role": "boss"}, "buying_role"),
        ({"company": 0, "last_name": "X", "birthday": "17.05.1980"}, "birthday"),
        (
            {"company": 0, "last_name": "X", "marketing_consent_at": "2026-01-01T10:00:00"},
            "marketing_consent_at",
        ),
        ({"company": 0, "last_name": "X", "phone_e164": "+481"}, "phone_e164"),
    ],
)
def test_invalid_input_gets_422_naming_the_field_and_stores_nothing(api, alice, acme, payload, field):
    payload = {**payload, "company": acme.pk} if payload.get("company") == 0 else payload
    before = state()
    response = api(alice).post("/contacts", payload)
    assert response.status_code == 422
    assert response.json()["detail"] == "The request is not valid."
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert state() == before


def test_deleting_a_contact_is_audited(api, alice, jan):
    response = api(alice).delete(f"/contacts/{jan.pk}?version=1")
    assert (response.status_code, response.content) == (204, b"")
    assert not Contact.objects.exists()
    entry = AuditEntry.objects.get(content_type__model="contact", object_id=jan.pk, action="delete")
    assert (entry.actor, entry.object_repr) == (alice, "Jan Nowak")


def test_roles_without_the_permission_get_403_and_change_nothing(api, alice, jan, rita, sam, paula):
    before = state()
    for user in (rita, paula):
        client = api(user)
        assert client.post("/contacts", {"company": jan.company_id, "last_name": "X"}).status_code == 403
        assert client.patch(f"/contacts/{jan.pk}", {"version": 1, "position": "X"}).status_code == 403
        assert client.delete(f"/contacts/{jan.pk}").status_code == 403
    assert api(paula).get(f"/contacts/{jan.pk}").status_code == 403
    assert api(rita).get(f"/contacts/{jan.pk}").json()["last_name"] == "Nowak"
    assert api(sam).delete(f"/contacts/{jan.pk}").json() == {"detail": "Not allowed.", "errors": []}
    assert state() == before
