"""Every audit entry knows the client card it belongs to (`company_id`), and the migration stamps the
entries written before it existed."""

import importlib

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from klient.core.audit import AuditAction, audit_log
from klient.core.models import AuditEntry, Note
from klient.core.services import attachment_add, note_add, team_get_or_create
from klient.customers.models import Company, Contact
from klient.customers.services import (
    company_bulk_update,
    company_create,
    contact_create,
    contact_delete,
    contact_update,
)

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("klient.core.migrations.0004_auditentry_company").backfill_company_ids


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def stamps():
    """(model, object id, action, company id) of every business entry, in order of writing."""
    return [
        (entry.content_type.model, entry.object_id, entry.action, entry.company_id)
        for entry in AuditEntry.objects.exclude(content_type__model="user").order_by("id")
    ]


def test_each_record_of_a_company_is_stamped_with_it(alice):
    acme = company_create(actor=alice, name="Acme")
    anna = contact_create(actor=alice, company=acme, first_name="Anna", last_name="Nowak")
    note = note_add(target=anna, company=acme, text="Call on Monday", actor=alice)
    file = attachment_add(target=acme, company=acme, upload=SimpleUploadedFile("a.txt", b"abc"), actor=alice)
    company_bulk_update(companies=[acme], actor=alice, status="customer")
    team = team_get_or_create(name="West")  # a record of no company
    audit_log(instance=team, action=AuditAction.UPDATE, actor=alice, changes={})
    assert stamps() == [
        ("company", acme.pk, "create", acme.pk),
        ("contact", anna.pk, "create", acme.pk),
        ("note", note.pk, "create", acme.pk),
        ("attachment", file.pk, "create", acme.pk),
        ("company", acme.pk, "update", acme.pk),
        ("team", team.pk, "update", None),
    ]


def test_a_deletion_stays_on_the_card_the_record_was_on(alice):
    acme = company_create(actor=alice, name="Acme")
    anna = contact_create(actor=alice, company=acme, first_name="Anna", last_name="Nowak")
    pk = anna.pk
    contact_delete(contact=anna, actor=alice)
    assert stamps()[-1] == ("contact", pk, "delete", acme.pk)


def test_a_change_of_company_is_written_on_both_cards(alice):
    acme = company_create(actor=alice, name="Acme")
    beta = company_create(actor=alice, name="Beta")
    anna = contact_create(actor=alice, company=acme, first_name="Anna", last_name="Nowak")
    contact_update(contact=anna, actor=alice, version=1, company=beta, position="Buyer")
    moved = list(AuditEntry.objects.filter(content_type__model="contact", action="update").order_by("id"))
    assert [(entry.company_id, entry.changes) for entry in moved] == [
        (
            beta.pk,
            {
                "company": {"from": acme.pk, "to": beta.pk, "from_label": "Acme", "to_label": "Beta"},
                "position": {"from": "", "to": "Buyer", "from_label": "", "to_label": "Buyer"},
            },
        ),
        (
            acme.pk,
            {"moved_to": {"from": None, "to": beta.pk, "from_label": None, "to_label": "Beta"}},
        ),
    ]
    assert moved[0].at == moved[1].at
    assert {(entry.actor_id, entry.object_repr) for entry in moved} == {(alice.pk, "Anna Nowak")}


def test_an_explicit_company_id_wins(alice):
    acme = company_create(actor=alice, name="Acme")
    entry = audit_log(instance=acme, action=AuditAction.UPDATE, actor=alice, changes={}, company_id=42)
    assert entry.company_id == 42


# ----------------------------------------------------------------------------------------------------------
# The back-fill of migration 0004, run on entries as they were written before it.


def unstamp():
    AuditEntry.objects.update(company_id=None)


@pytest.mark.parametrize("batch_size", [1, 2, 5000])
def test_the_backfill_stamps_existing_entries(alice, batch_size):
    acme = company_create(actor=alice, name="Acme")
    beta = company_create(actor=alice, name="Beta")
    anna = contact_create(actor=alice, company=acme, first_name="Anna", last_name="Nowak")
    jan = contact_create(actor=alice, company=acme, first_name="Jan", last_name="Kowal")
    contact_update(contact=jan, actor=alice, version=1, position="Buyer")
    contact_update(contact=jan, actor=alice, version=2, company=beta)
    contact_update(contact=jan, actor=alice, version=3, position="Chief")
    jan_pk = jan.pk
    contact_delete(contact=jan, actor=alice)
    note = note_add(target=anna, company=acme, text="x", actor=alice)
    gone_note = Note.objects.create(
        target_type=ContentType.objects.get_for_model(Contact),
        target_id=anna.pk,
        company_id=acme.pk,
        text="y",
    )
    audit_log(instance=gone_note, action=AuditAction.CREATE, actor=alice, changes={})
    gone_note_pk = gone_note.pk
    gone_note.delete()
    acme_gone = company_create(actor=alice, name="Gone")
    acme_gone_pk = acme_gone.pk
    Company.objects.filter(pk=acme_gone_pk).delete()
    expected = [
        ("company", acme.pk, "create", acme.pk),
        ("company", beta.pk, "create", beta.pk),
        ("contact", anna.pk, "create", acme.pk),
        # A deleted contact: where each entry put it (its creation and first change at Acme).
        ("contact", jan_pk, "create", acme.pk),
        ("contact", jan_pk, "update", acme.pk),
        ("contact", jan_pk, "update", beta.pk),
        ("contact", jan_pk, "update", beta.pk),
        ("contact", jan_pk, "delete", beta.pk),
        ("note", note.pk, "create", acme.pk),
        ("note", gone_note_pk, "create", None),  # a deleted note named no company
        ("company", acme_gone_pk, "create", acme_gone_pk),
    ]
    # Before the migration a move was written once, on no card: leave out the live code's copy for the old one.
    AuditEntry.objects.filter(changes__has_key="moved_to").delete()
    unstamp()
    backfill(apps, None, batch_size=batch_size)
    assert stamps() == expected


def test_the_backfill_keeps_stamps_it_finds_and_runs_on_an_empty_table(alice):
    backfill(apps, None)  # nothing yet but the users' entries
    acme = company_create(actor=alice, name="Acme")
    AuditEntry.objects.filter(content_type__model="company").update(company_id=7)
    backfill(apps, None)
    assert stamps() == [("company", acme.pk, "create", 7)]


def test_a_living_contact_goes_to_its_current_company(alice):
    acme = company_create(actor=alice, name="Acme")
    beta = company_create(actor=alice, name="Beta")
    anna = contact_create(actor=alice, company=acme, first_name="Anna", last_name="Nowak")
    contact_update(contact=anna, actor=alice, version=1, company=beta)
    unstamp()
    backfill(apps, None)
    assert [row for row in stamps() if row[0] == "contact"] == [
        ("contact", anna.pk, "create", beta.pk),
        ("contact", anna.pk, "update", beta.pk),
        ("contact", anna.pk, "update", beta.pk),
    ]
