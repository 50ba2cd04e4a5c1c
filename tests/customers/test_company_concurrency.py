"""Concurrent edits never silently overwrite: a stale version is refused and nothing changes."""

import pytest

from klient.core.exceptions import VersionConflict
from klient.core.models import AuditEntry
from klient.customers.models import Company
from klient.customers.services import company_create, company_delete, company_update

pytestmark = pytest.mark.django_db

STALE_MESSAGE = (
    "Someone else changed this company while you were editing, so nothing was saved. "
    "Your entries are kept below; “Now:” shows the current value of each field that differs. "
    "Save again to keep your version."
)


@pytest.fixture
def acme(alice):
    """Acme at version 2: someone already changed it once."""
    company = company_create(actor=alice, name="Acme", tax_id="PL1")
    return company_update(company=company, actor=alice, version=1, name="Acme Polska")


def row(pk: int) -> tuple:
    return Company.objects.filter(pk=pk).values_list("name", "tax_id", "version", "updated_at").get()


def test_the_service_refuses_a_stale_version(alice, acme):
    before, audit_before = row(acme.pk), AuditEntry.objects.count()
    with pytest.raises(VersionConflict) as conflict:
        company_update(company=acme, actor=alice, version=1, name="Acme Global")
    assert conflict.value.current_version == 2
    assert row(acme.pk) == before
    assert AuditEntry.objects.count() == audit_before


def test_a_stale_api_patch_gets_409_with_the_current_version(api, alice, acme):
    before, audit_before = row(acme.pk), AuditEntry.objects.count()

    response = api(alice).patch(f"/companies/{acme.pk}", {"version": 1, "name": "Acme Global", "tax_id": "X"})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The record was changed by someone else; reload it and apply your change again.",
        "errors": [{"field": "version", "message": "current version is 2"}],
        "current_version": 2,
    }
    assert row(acme.pk) == before
    assert AuditEntry.objects.count() == audit_before


def test_a_patch_with_the_current_version_goes_through_and_bumps_it(api, alice, acme):
    response = api(alice).patch(f"/companies/{acme.pk}", {"version": 2, "tax_id": "PL2"})
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["tax_id"]) == (3, "PL2")
    assert row(acme.pk)[:3] == ("Acme Polska", "PL2", 3)


def test_a_stale_api_delete_gets_409_and_the_company_stays(api, mike, acme):
    audit_before = AuditEntry.objects.count()
    response = api(mike).delete(f"/companies/{acme.pk}?version=1")
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert Company.objects.filter(pk=acme.pk).exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_stale_edit_form_gets_409_with_a_clear_message(login, alice, acme):
    before, audit_before = row(acme.pk), AuditEntry.objects.count()

    response = login(alice).post(
        f"/companies/{acme.pk}/edit/",
        {"name": "Acme Global", "tax_id": "PL1", "owner": alice.pk, "team": alice.team_id, "version": "1"},
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert STALE_MESSAGE in page
    # The form keeps what was typed, shows the current value beside it, and carries the current version.
    assert 'value="Acme Global"' in page
    assert '<small class="current-value" data-current="name">Now: Acme Polska</small>' in page
    assert '<input type="hidden" name="version" value="2"' in page
    assert row(acme.pk) == before
    assert AuditEntry.objects.count() == audit_before


def test_a_stale_delete_button_refuses_and_says_why(login, mike, acme):
    client = login(mike)
    response = client.post(f"/companies/{acme.pk}/delete/", {"version": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/companies/{acme.pk}/"
    assert Company.objects.filter(pk=acme.pk).exists()
    card = client.get(response["Location"]).content.decode()
    assert "Someone else changed this company; look at it again before deleting." in card


def test_two_writers_with_the_same_version_one_wins(alice, bob, acme):
    company_update(company=acme, actor=alice, version=2, tax_id="ALICE")
    with pytest.raises(VersionConflict):
        company_update(company=acme, actor=alice, version=2, tax_id="BOB")
    assert row(acme.pk)[1:3] == ("ALICE", 3)


def test_the_service_delete_without_a_version_deletes_whatever_the_version(mike, acme):
    company_delete(company=acme, actor=mike)
    assert not Company.objects.filter(pk=acme.pk).exists()
