"""Company pages: create, edit and delete through the forms; field errors shown, nothing half-saved."""

import datetime

import pytest
import time_machine

from klient.core.models import AuditAction, AuditEntry, User
from klient.core.services import delegation_create
from klient.customers.models import Company
from klient.customers.services import company_create, company_update

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "Acme",
        "legal_name": "",
        "country": "",
        "tax_id": "",
        "owner": "",
        "team": "",
        "version": "",
    }
    data.update(overrides)
    return data


def test_the_new_company_form_proposes_the_creator_as_owner(login, alice):
    page = login(alice).get("/companies/new/").content.decode()
    assert f'<option value="{alice.pk}" selected>Alice Archer</option>' in page
    assert f'<option value="{alice.team_id}" selected>North</option>' in page


def test_creating_without_an_owner_makes_the_creator_owner(login, alice, north):
    client = login(alice)
    response = client.post(
        "/companies/new/", form_data(name="Acme", country="PL", tax_id="PL1", team=north.pk)
    )
    company = Company.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/companies/{company.pk}/"
    assert (company.name, str(company.country), company.tax_id) == ("Acme", "PL", "PL1")
    assert (company.owner, company.team, company.version) == (alice, north, 1)
    assert AuditEntry.objects.filter(content_type__model="company", action=AuditAction.CREATE).count() == 1
    card = client.get(response["Location"]).content.decode()
    assert "Company “Acme” created." in card


def test_creating_for_another_owner(login, mike, bob, north):
    login(mike).post("/companies/new/", form_data(owner=bob.pk, team=north.pk))
    assert (Company.objects.get().owner, Company.objects.get().team) == (bob, north)


def test_a_missing_name_is_shown_on_the_field_and_nothing_is_created(login, alice):
    audit_before = AuditEntry.objects.count()
    response = login(alice).post("/companies/new/", form_data(name="", tax_id="PL1"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<small class="field-error" id="id_name-error">This field is required.</small>' in page
    assert 'value="PL1"' in page  # what was typed is kept
    assert Company.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_an_out_of_range_term_is_refused_on_its_field(login, alice):
    response = login(alice).post("/companies/new/", form_data(payment_terms_days="400"))
    assert 'id="id_payment_terms_days-error">Ensure this value is less than or equal to 365.' in (
        response.content.decode()
    )
    assert Company.objects.count() == 0


def test_editing_saves_and_returns_to_the_card(login, alice, north):
    company = company_create(actor=alice, name="Acme")
    client = login(alice)
    form = client.get(f"/companies/{company.pk}/edit/").content.decode()
    assert '<input type="hidden" name="version" value="1"' in form
    assert 'value="Acme"' in form

    response = client.post(
        f"/companies/{company.pk}/edit/",
        form_data(
            name="Acme Polska",
            country="PL",
            owner=alice.pk,
            team=north.pk,
            payment_terms_days="14",
            version="1",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/companies/{company.pk}/"
    stored = Company.objects.get(pk=company.pk)
    assert (stored.name, str(stored.country), stored.payment_terms_days, stored.version) == (
        "Acme Polska",
        "PL",
        14,
        2,
    )
    entry = AuditEntry.objects.filter(content_type__model="company", object_id=company.pk).first()
    assert set(entry.changes) == {"name", "country", "payment_terms_days"}
    assert "Changes saved." in client.get(response["Location"]).content.decode()


def test_an_invalid_edit_changes_nothing(login, alice, north):
    company = company_create(actor=alice, name="Acme")
    audit_before = AuditEntry.objects.count()
    response = login(alice).post(
        f"/companies/{company.pk}/edit/", form_data(name="", owner=alice.pk, team=north.pk, version="1")
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Company.objects.get(pk=company.pk).name == "Acme"
    assert AuditEntry.objects.count() == audit_before


def test_a_sales_manager_deletes_from_the_card(login, alice, mike):
    company = company_create(actor=alice, name="Acme")
    client = login(mike)
    card = client.get(f"/companies/{company.pk}/").content.decode()
    assert 'data-action="delete"' in card

    response = client.post(f"/companies/{company.pk}/delete/", {"version": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/companies/"
    assert not Company.objects.filter(pk=company.pk).exists()
    assert AuditEntry.objects.filter(content_type__model="company", action=AuditAction.DELETE).count() == 1
    assert "Company “Acme” deleted." in client.get("/companies/").content.decode()


def test_the_card_offers_only_what_the_user_may_do(login, alice, sam):
    company = company_create(actor=alice, name="Acme")
    owner_card = login(alice).get(f"/companies/{company.pk}/").content.decode()
    agent_card = login(sam).get(f"/companies/{company.pk}/").content.decode()
    assert 'data-action="edit"' in owner_card
    assert 'data-action="delete"' not in owner_card
    assert 'data-action="edit"' not in agent_card
    assert 'data-action="delete"' not in agent_card
    assert "Add a colleague" not in agent_card


def test_the_delete_page_refuses_get(login, alice, mike):
    company = company_create(actor=alice, name="Acme")
    assert login(mike).get(f"/companies/{company.pk}/delete/").status_code == 405
    assert Company.objects.filter(pk=company.pk).exists()


def test_the_card_shows_a_deputys_change_on_behalf_of_the_absent_user(login, alice, carol):
    company = company_create(actor=alice, name="Acme")
    delegation_create(
        absent_user=alice,
        deputy=carol,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 31),
        actor=alice,
    )
    with time_machine.travel(datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC), tick=False):
        company_update(company=company, actor=User.objects.get(pk=carol.pk), version=1, tax_id="PL1")
        history = login(carol).get(f"/companies/{company.pk}/history/").content.decode()
    assert "Carol Carter <em>on behalf of Alice Archer</em>" in history
