"""Contacts: create, change, delete through the services, with audit and visibility."""

import datetime

import pytest

from klient.core.exceptions import VersionConflict
from klient.core.models import AuditEntry
from klient.customers.models import Company, Contact
from klient.customers.services import (
    company_create,
    contact_create,
    contact_delete,
    contact_move,
    contact_update,
)


def test_it_keeps_phones_as_entered_and_as_e164(alice):
    company = company_create(actor=alice, name="Север", country="RU")
    contact = contact_create(
        actor=alice,
        company=company,
        first_name="Пётр",
        last_name="Петров",
        email="Petr@Sever.example.RU",
        phone="8 (495) 123-45-67",
        other_phones="+7 916 555 01 02; 8 800 100 00 00",
        other_emails="p2@sever.example.ru, p3@sever.example.ru",
    )
    contact.refresh_from_db()
    assert (contact.phone, contact.phone_e164, contact.email) == (
        "8 (495) 123-45-67",
        "+74951234567",
        "petr@sever.example.ru",
    )
    assert contact.other_phones == [
        {"value": "+7 916 555 01 02", "e164": "+79165550102"},
        {"value": "8 800 100 00 00", "e164": "+78001000000"},
    ]
    assert contact.other_emails == ["p2@sever.example.ru", "p3@sever.example.ru"]
    assert contact.name_key == "петр петров"
    assert "74951234567" in contact.search_text.split()


def test_a_contact_of_an_invisible_company_cannot_be_created(alice, carol):
    company = company_create(actor=carol, name="South Co")
    with pytest.raises(Company.DoesNotExist):
        contact_create(actor=alice, company=company, first_name="Eve")
    assert Contact.objects.count() == 0


def test_a_stale_version_is_refused_and_changes_nothing(alice):
    company = company_create(actor=alice, name="Acme")
    contact = contact_create(actor=alice, company=company, first_name="Ana", last_name="Novak")
    contact_update(contact=contact, actor=alice, version=1, position="Buyer")
    with pytest.raises(VersionConflict):
        contact_update(contact=contact, actor=alice, version=1, position="Chief")
    contact.refresh_from_db()
    assert (contact.position, contact.version) == ("Buyer", 2)


def test_each_change_is_audited(alice):
    company = company_create(actor=alice, name="Acme")
    contact = contact_create(actor=alice, company=company, first_name="Ana", last_name="Novak")
    contact_update(contact=contact, actor=alice, version=1, position="Buyer")
    pk = contact.pk
    contact_delete(contact=contact, actor=alice)
    entries = AuditEntry.objects.filter(content_type__model="contact", object_id=pk).order_by("id")
    assert [(e.action, sorted(e.changes)) for e in entries] == [
        ("create", ["company", "first_name", "last_name"]),
        ("update", ["position"]),
        ("delete", ["company", "first_name", "last_name", "position"]),
    ]


def test_a_contact_needs_a_name_or_an_email(alice):
    company = company_create(actor=alice, name="Acme")
    with pytest.raises(Exception, match="Give a name or an email address"):
        contact_create(actor=alice, company=company, position="Buyer")
    assert Contact.objects.count() == 0


def test_a_move_is_written_on_both_cards(alice):
    acme = company_create(actor=alice, name="Acme")
    beta = company_create(actor=alice, name="Beta")
    anna = contact_create(actor=alice, company=acme, first_name="Ana", last_name="Novak")
    moved = contact_move(
        contact=anna, to_company=beta, left_on=datetime.date(2026, 1, 4), actor=alice, version=1
    )
    entries = AuditEntry.objects.filter(content_type__model="contact").order_by("id")
    assert [(e.object_id, e.action, e.company_id, sorted(e.changes)) for e in entries] == [
        (anna.pk, "create", acme.pk, ["company", "first_name", "last_name"]),
        (anna.pk, "update", acme.pk, ["left_on", "moved_to"]),
        (moved.pk, "create", beta.pk, ["company", "first_name", "last_name", "moved_from"]),
    ]
    assert entries[1].changes["moved_to"] == {
        "from": None,
        "to": beta.pk,
        "from_label": None,
        "to_label": "Beta",
    }
    assert entries[2].changes["moved_from"] == {
        "from": None,
        "to": acme.pk,
        "from_label": None,
        "to_label": "Acme",
    }


def test_a_deleted_contact_keeps_its_company_on_every_entry(alice, bob):
    company = company_create(actor=alice, name="Acme")
    contact = contact_create(actor=alice, company=company, first_name="Ana", last_name="Novak")
    pk = contact.pk
    contact_delete(contact=contact, actor=bob)
    entries = AuditEntry.objects.filter(content_type__model="contact", object_id=pk).order_by("id")
    assert [(e.action, e.company_id, e.actor_id, e.object_repr) for e in entries] == [
        ("create", company.pk, alice.pk, "Ana Novak"),
        ("delete", company.pk, bob.pk, "Ana Novak"),
    ]
