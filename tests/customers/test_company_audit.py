"""Every create, change and delete of a company writes exactly one audit entry: who, when, from → to."""

import datetime
import decimal

import pytest
import time_machine

from klient.core.models import AuditAction, AuditEntry
from klient.customers.models import Company
from klient.customers.services import company_create, company_delete, company_update

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def company_entries(pk: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=pk, content_type__model="company").order_by("id"))


def change(before, after, before_label=None, after_label=None) -> dict:
    return {"from": before, "to": after, "from_label": before_label, "to_label": after_label}


def test_creating_writes_one_entry_with_every_set_field(alice, north):
    audit_before = AuditEntry.objects.count()
    with time_machine.travel(NOON, tick=False):
        company = company_create(
            actor=alice, name="Acme", country="pl", tax_id="PL123", payment_terms_days=30
        )

    assert AuditEntry.objects.count() == audit_before + 1
    [entry] = company_entries(company.pk)
    assert (entry.action, entry.actor, entry.on_behalf_of, entry.at) == (
        AuditAction.CREATE,
        alice,
        None,
        NOON,
    )
    assert entry.object_repr == "Acme"
    assert entry.changes == {
        "name": change(None, "Acme", None, "Acme"),
        "country": change(None, "PL", None, "Poland"),
        "tax_id": change(None, "PL123", None, "PL123"),
        "status": change(None, "prospect", None, "Prospect"),
        "owner": change(None, alice.pk, None, "Alice Archer"),
        "team": change(None, north.pk, None, "North"),
        "payment_terms_days": change(None, 30, None, "30"),
    }


def test_changing_writes_one_entry_with_only_the_changed_fields(alice, bob):
    company = company_create(actor=alice, name="Acme", discount_percent=decimal.Decimal("5"))
    audit_before = AuditEntry.objects.count()

    with time_machine.travel(NOON, tick=False):
        company_update(
            company=company,
            actor=alice,
            version=1,
            name="Acme Polska",
            owner=bob,
            discount_percent=decimal.Decimal("7.25"),
            tax_id="",
        )

    assert AuditEntry.objects.count() == audit_before + 1
    entry = company_entries(company.pk)[-1]
    assert (entry.action, entry.actor, entry.at) == (AuditAction.UPDATE, alice, NOON)
    assert entry.object_repr == "Acme Polska"
    assert entry.changes == {
        "name": change("Acme", "Acme Polska", "Acme", "Acme Polska"),
        "owner": change(alice.pk, bob.pk, "Alice Archer", "Bob Baker"),
        "discount_percent": change("5.00", "7.25", "5.00", "7.25"),
    }
    stored = Company.objects.get(pk=company.pk)
    assert (stored.version, stored.updated_at) == (2, NOON)


def test_a_change_that_changes_nothing_writes_nothing(alice):
    company = company_create(actor=alice, name="Acme")
    audit_before = AuditEntry.objects.count()
    company_update(company=company, actor=alice, version=1, name="  Acme  ")
    assert AuditEntry.objects.count() == audit_before
    assert Company.objects.get(pk=company.pk).version == 1


def test_deleting_writes_one_entry_keeping_the_last_values(alice, mike, north):
    company = company_create(actor=alice, name="Acme", country="PL")
    company_update(company=company, actor=alice, version=1, legal_name="Acme S.A.")
    audit_before = AuditEntry.objects.count()
    pk = company.pk

    with time_machine.travel(NOON, tick=False):
        company_delete(company=company, actor=mike, version=2)

    assert not Company.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.count() == audit_before + 1
    entry = company_entries(pk)[-1]
    assert (entry.action, entry.actor, entry.on_behalf_of, entry.at) == (AuditAction.DELETE, mike, None, NOON)
    assert entry.changes == {
        "name": change("Acme", None, "Acme", None),
        "legal_name": change("Acme S.A.", None, "Acme S.A.", None),
        "country": change("PL", None, "Poland", None),
        "status": change("prospect", None, "Prospect", None),
        "owner": change(alice.pk, None, "Alice Archer", None),
        "team": change(north.pk, None, "North", None),
    }


def test_the_history_tab_shows_each_field_from_and_to(login, alice, bob, mike):
    with time_machine.travel(NOON - datetime.timedelta(days=1), tick=False):
        company = company_create(actor=alice, name="Acme", country="PL")
    with time_machine.travel(NOON, tick=False):
        company_update(company=company, actor=alice, version=1, name="Acme Polska", owner=bob, country="DE")

    page = login(mike).get(f"/companies/{company.pk}/history/").content.decode()

    assert page.count("<li data-entry=") == 2
    assert '<tr data-field="name"><td>Name</td><td>Acme</td><td>Acme Polska</td></tr>' in page
    assert '<tr data-field="owner"><td>Owner</td><td>Alice Archer</td><td>Bob Baker</td></tr>' in page
    assert '<tr data-field="country"><td>Country</td><td>Poland</td><td>Germany</td></tr>' in page
    assert "<strong>Changed</strong>" in page
    assert "<strong>Created</strong>" in page
    assert page.index("Acme Polska</td></tr>") < page.index("<strong>Created</strong>")  # newest first


def test_the_history_tab_answers_htmx_with_the_entries_only(login, alice):
    company = company_create(actor=alice, name="Acme")
    fragment = login(alice).get(f"/companies/{company.pk}/history/", headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert body.lstrip().startswith('<ol class="history" data-history>')
    assert "<html" not in body


def test_the_api_history_hides_commercial_fields_without_the_permission(api, alice, sam):
    company = company_create(actor=alice, name="Acme", payment_terms_days=30)
    company_update(company=company, actor=alice, version=1, payment_terms_days=60, legal_name="Acme Ltd")

    for_alice = api(alice).get(f"/companies/{company.pk}/history").json()
    for_sam = api(sam).get(f"/companies/{company.pk}/history").json()

    assert [[c["field"] for c in e["changes"]] for e in for_alice["items"]] == [
        ["legal_name", "payment_terms_days"],
        ["name", "status", "owner", "team", "payment_terms_days"],
    ]
    assert [[c["field"] for c in e["changes"]] for e in for_sam["items"]] == [
        ["legal_name"],
        ["name", "status", "owner", "team"],
    ]
    assert for_alice["items"][0]["changes"][1] == {
        "field": "payment_terms_days",
        "before": 30,
        "after": 60,
        "before_label": "30",
        "after_label": "60",
    }
    assert "payment_terms_days" not in str(for_sam)


def test_the_history_page_hides_commercial_fields_without_the_permission(login, alice, sam):
    company = company_create(actor=alice, name="Acme", payment_terms_days=30)
    page = login(sam).get(f"/companies/{company.pk}/history/").content.decode()
    assert 'data-field="payment_terms_days"' not in page
    assert 'data-field="name"' in page


def test_the_api_history_pages_with_a_cursor(api, alice):
    company = company_create(actor=alice, name="Acme")
    for version in range(1, 5):
        company_update(company=company, actor=alice, version=version, name=f"Acme {version}")
    client = api(alice)

    first = client.get(f"/companies/{company.pk}/history", limit=3).json()
    second = client.get(f"/companies/{company.pk}/history", limit=3, cursor=first["next"]).json()

    assert [e["changes"][0]["after"] for e in first["items"]] == ["Acme 4", "Acme 3", "Acme 2"]
    assert [(e["action"], e["changes"][0]["after"]) for e in second["items"]] == [
        ("update", "Acme 1"),
        ("create", "Acme"),
    ]
    assert second["next"] is None
