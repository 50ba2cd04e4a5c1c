"""Company pages: create, edit and delete through the forms; field errors shown, nothing half-saved."""

import datetime
import decimal

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


SECTION_LEGENDS = [
    "Basics",
    "Addresses",
    "Contact details",
    "Registration and classification",
    "Ownership",
    "Documents",
    "Key account and commercial terms",
]
EVERY_FIELD = [
    "name",
    "legal_name",
    "status",
    "status_reason",
    "source",
    "external_id",
    "country",
    "city",
    "legal_address",
    "billing_address",
    "delivery_address",
    "phone",
    "other_phones",
    "email",
    "website",
    "tax_id",
    "registration_number",
    "industry",
    "size",
    "segment",
    "tags",
    "owner",
    "team",
    "parent",
    "document_language",
    "document_currency",
    "is_key_account",
    *Company.COMMERCIAL_FIELDS,
]


def field_names(page: str) -> list[str]:
    import re

    form = page[page.index("data-company-form") :]
    form = form[: form.index("</form>")]
    names = re.findall(r'<(?:input|select|textarea)[^>]* name="(\w+)"', form)
    return [name for name in names if name not in {"csrfmiddlewaretoken", "version", "parent_q"}]


def legends(page: str) -> list[str]:
    import re

    return re.findall(r"<legend>([^<]+)</legend>", page)


def test_the_form_has_every_company_field_in_its_section(login, alice):
    page = login(alice).get("/companies/new/").content.decode()
    assert legends(page) == SECTION_LEGENDS
    assert field_names(page) == EVERY_FIELD


def test_without_the_terms_permission_the_last_section_keeps_only_the_key_account_flag(login, tom):
    page = login(tom).get("/companies/new/").content.decode()
    assert legends(page) == SECTION_LEGENDS
    assert field_names(page) == [name for name in EVERY_FIELD if name not in Company.COMMERCIAL_FIELDS]


def full_form(**overrides):
    data = {
        "name": "Ćevapi Sarajevo",
        "legal_name": "Ćevapi d.o.o.",
        "status": "customer",
        "status_reason": "",
        "source": "fair",
        "external_id": "ERP-7",
        "country": "BA",
        "city": "Sarajevo",
        "legal_address": "Ferhadija 1\n71000 Sarajevo",
        "billing_address": "",
        "delivery_address": "Skladište 3",
        "phone": "033 123 456",
        "other_phones": "061 111 222, 062 333 444",
        "email": "Info@Cevapi.example",
        "website": "www.cevapi.example",
        "tax_id": "4200000000001",
        "registration_number": "65-01-0001-10",
        "industry": "Food",
        "size": "10-49",
        "segment": "HoReCa",
        "tags": "Ključni, export , ključni",
        "owner": "",
        "team": "",
        "parent": "",
        "document_language": "bs",
        "document_currency": "BAM",
        "is_key_account": "on",
        "price_type": "",
        "payment_terms_days": "14",
        "credit_limit": "10000",
        "discount_percent": "5",
        "individual_services": "",
        "delivery_terms": "Next day",
        "version": "",
    }
    data.update(overrides)
    return data


def test_creating_with_every_field_stores_each_one(login, alice, north, wholesale):
    response = login(alice).post(
        "/companies/new/", full_form(owner=alice.pk, team=north.pk, price_type=wholesale.pk)
    )
    company = Company.objects.get()
    assert response.status_code == 302
    stored = {name: getattr(company, name) for name in EVERY_FIELD if name != "tags"}
    assert stored == {
        "name": "Ćevapi Sarajevo",
        "legal_name": "Ćevapi d.o.o.",
        "status": "customer",
        "status_reason": "",
        "source": "fair",
        "external_id": "ERP-7",
        "country": "BA",
        "city": "Sarajevo",
        "legal_address": "Ferhadija 1\n71000 Sarajevo",
        "billing_address": "",
        "delivery_address": "Skladište 3",
        "phone": "033 123 456",
        "other_phones": "061 111 222, 062 333 444",
        "email": "info@cevapi.example",
        "website": "www.cevapi.example",
        "tax_id": "4200000000001",
        "registration_number": "65-01-0001-10",
        "industry": "Food",
        "size": "10-49",
        "segment": "HoReCa",
        "owner": alice,
        "team": north,
        "parent": None,
        "document_language": "bs",
        "document_currency": "BAM",
        "is_key_account": True,
        "price_type": wholesale,
        "payment_terms_days": 14,
        "credit_limit": decimal.Decimal("10000.00"),
        "discount_percent": decimal.Decimal("5.00"),
        "individual_services": "",
        "delivery_terms": "Next day",
    }
    # "ključni" twice is one tag; tags are shown sorted.
    assert sorted(tag.name for tag in company.tags.all()) == ["Ključni", "export"]
    card = login(alice).get(f"/companies/{company.pk}/").content.decode()
    assert '<span class="tag">export</span><span class="tag">Ključni</span>' in card


def test_changing_tags_is_audited_on_the_company(login, alice, north):
    company = company_create(actor=alice, name="Acme")
    login(alice).post(
        f"/companies/{company.pk}/edit/",
        form_data(owner=alice.pk, team=north.pk, tags="VIP, Export", version="1"),
    )
    entry = AuditEntry.objects.filter(content_type__model="company", object_id=company.pk).order_by("-id")[0]
    assert entry.changes == {
        "tags": {"from": [], "to": ["Export", "VIP"], "from_label": None, "to_label": "Export, VIP"}
    }


def test_lost_needs_a_reason(login, alice):
    response = login(alice).post("/companies/new/", form_data(status="lost"))
    assert (
        '<small class="field-error" id="id_status_reason-error">Say why the company became inactive or was lost.'
        in (response.content.decode())
    )
    assert Company.objects.count() == 0


def test_the_parent_chooser_offers_only_visible_companies_and_never_itself(login, alice, carol, north):
    acme = company_create(actor=alice, name="Acme")
    daughter = company_create(actor=alice, name="Acme Daughter")
    theirs = company_create(actor=carol, name="Carol's")
    page = login(alice).get(f"/companies/{daughter.pk}/edit/").content.decode()
    select = page[page.index('<select id="id_parent"') :]
    select = select[: select.index("</select>")]
    assert (
        select
        == f'<select id="id_parent" name="parent"><option value="" selected>—</option><option value="{acme.pk}">Acme</option>'
    )

    response = login(alice).post(
        f"/companies/{daughter.pk}/edit/",
        form_data(name="Acme Daughter", owner=alice.pk, team=north.pk, parent=theirs.pk, version="1"),
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert Company.objects.get(pk=daughter.pk).parent is None

    response = login(alice).post(
        f"/companies/{daughter.pk}/edit/",
        form_data(name="Acme Daughter", owner=alice.pk, team=north.pk, parent=acme.pk, version="1"),
    )
    assert response.status_code == 302
    assert Company.objects.get(pk=daughter.pk).parent == acme


def test_the_company_search_of_the_chooser_finds_only_visible_companies(login, alice, carol):
    acme = company_create(actor=alice, name="Acme Steel")
    company_create(actor=alice, name="Beta")
    company_create(actor=carol, name="Acme South")
    client = login(alice)
    body = client.get("/companies/choices/", {"parent_q": "acme"}).content.decode().strip()
    assert body == f'<option value="">—</option><option value="{acme.pk}">Acme Steel</option>'
    excluded = client.get("/companies/choices/", {"q": "acme", "exclude": acme.pk}).content.decode().strip()
    assert excluded == '<option value="">—</option>'


def test_a_stale_form_keeps_every_entry_and_shows_the_current_values(login, alice, bob, north):
    company = company_create(actor=alice, name="Acme", city="Kraków", tax_id="PL1")
    # Bob (on the account team) changes the city and the tax id while alice edits.
    company_update(company=company, actor=alice, version=1, city="Warszawa", tax_id="PL2")
    audit_before = AuditEntry.objects.count()
    response = login(alice).post(
        f"/companies/{company.pk}/edit/",
        form_data(name="Acme Group", city="Gdańsk", tax_id="PL2", owner=alice.pk, team=north.pk, version="1"),
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'value="Acme Group"' in page and 'value="Gdańsk"' in page
    assert '<small class="current-value" data-current="name">Now: Acme</small>' in page
    assert '<small class="current-value" data-current="city">Now: Warszawa</small>' in page
    assert 'data-current="tax_id"' not in page  # typed the same as stored: nothing to compare
    assert '<input type="hidden" name="version" value="2"' in page
    assert Company.objects.values_list("name", "city", "version").get(pk=company.pk) == (
        "Acme",
        "Warszawa",
        2,
    )
    assert AuditEntry.objects.count() == audit_before

    # Saving the kept entries again applies them over the current version.
    again = login(alice).post(
        f"/companies/{company.pk}/edit/",
        form_data(name="Acme Group", city="Gdańsk", tax_id="PL2", owner=alice.pk, team=north.pk, version="2"),
    )
    assert again.status_code == 302
    assert Company.objects.values_list("name", "city", "version").get(pk=company.pk) == (
        "Acme Group",
        "Gdańsk",
        3,
    )


def test_an_imported_document_currency_outside_the_list_survives_an_edit(login, alice, north):
    company = company_create(actor=alice, name="Acme", document_currency="XTS", document_language="de")
    response = login(alice).post(
        f"/companies/{company.pk}/edit/",
        form_data(
            name="Acme 2",
            owner=alice.pk,
            team=north.pk,
            document_currency="XTS",
            document_language="de",
            version="1",
        ),
    )
    assert response.status_code == 302
    assert Company.objects.values_list("name", "document_currency", "document_language").get() == (
        "Acme 2",
        "XTS",
        "de",
    )
