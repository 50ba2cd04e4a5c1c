"""Audit entries are append-only: written once, never changed, never deleted."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from klient.core.models import AuditAction, AuditEntry
from klient.customers.models import Company
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(alice):
    company = company_create(actor=alice, name="Acme")
    return AuditEntry.objects.get(object_id=company.pk, content_type__model="company")


def test_it_refuses_to_save_an_existing_entry_again(entry):
    entry.changes = {"name": {"from": "Forged", "to": "Acme"}}
    with pytest.raises(ValidationError) as error:
        entry.save()
    assert error.value.messages == ["Audit entries are append-only."]
    assert AuditEntry.objects.get(pk=entry.pk).changes["name"]["from"] is None


def test_it_refuses_to_delete_an_entry(entry):
    count = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        entry.delete()
    assert AuditEntry.objects.count() == count
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_new_entry_is_written_once(alice):
    entry = AuditEntry(
        content_type=ContentType.objects.get_for_model(Company),
        object_id=1,
        object_repr="Acme",
        action=AuditAction.CREATE,
        actor=alice,
        changes={},
    )
    entry.save()
    assert AuditEntry.objects.filter(pk=entry.pk).count() == 1
    with pytest.raises(ValidationError):
        entry.save()


def test_the_admin_shows_entries_but_offers_no_change_or_delete(login, root, entry):
    client = login(root)
    listing = client.get("/admin/core/auditentry/")
    assert listing.status_code == 200
    assert "Acme" in listing.content.decode()
    assert client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    change = client.post(f"/admin/core/auditentry/{entry.pk}/change/", {"object_repr": "Forged"})
    assert change.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == "Acme"
