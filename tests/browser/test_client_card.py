"""The client card in a browser: it fits a phone, a note goes to the top of the timeline, older entries
load in place, the parent company is found through the chooser's search box, and a contact moves on."""

import pytest
from playwright.sync_api import expect

from klient.core.services import note_add
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 375


def test_the_card_fits_a_phone_and_takes_a_note(phone_page, sign_in, alice, screenshot):
    company = company_create(
        actor=alice,
        name="Przedsiębiorstwo Handlowo-Usługowe Zażółć Gęślą Jaźń",
        legal_name="Przedsiębiorstwo Handlowo-Usługowe " * 3,
        status="customer",
        country="PL",
        phone="+48 22 123 45 67",
        email="biuro@zazolc.example",
        website="https://www.zazolc.example/o-nas/kontakt/bardzo/dlugi/adres",
        tax_id="PL5260000000",
        is_key_account=True,
        payment_terms_days=30,
    )
    contact_create(actor=alice, company=company, first_name="Jan", last_name="Kowalski", phone="601 234 567")
    page = phone_page
    sign_in(page, "alice")
    page.goto(f"/companies/{company.pk}/")
    expect(page.locator("[data-freshness=never]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") - PHONE_WIDTH <= 1, (
        "the card scrolls sideways"
    )
    screenshot(page, "client-card-phone")

    page.click("[data-action=add-note]")
    page.fill("#note-form textarea", "Zadzwonić w piątek")
    page.click("#note-form button[type=submit]")
    page.wait_for_selector("[data-timeline] li[data-kind=note]")
    expect(page.locator("[data-timeline] li").first).to_contain_text("Zadzwonić w piątek")
    assert Company.objects.get(pk=company.pk).last_contact_at is not None

    page.click("[data-action=reviewed]")
    expect(page.locator("[data-freshness=fresh]")).to_be_visible()
    assert page.problems == []


def test_older_entries_load_in_place(page, sign_in, alice):
    company = company_create(actor=alice, name="Acme")
    for index in range(30):
        note_add(target=company, company=company, text=f"Note number {index}", actor=alice)
    sign_in(page, "alice")
    page.goto(f"/companies/{company.pk}/")
    entries = page.locator("[data-timeline] > li.tl")
    expect(entries).to_have_count(20)
    page.click("[data-timeline-more]")
    expect(entries).to_have_count(31)  # 30 notes and the creation
    expect(page.locator("[data-timeline-more]")).to_have_count(0)
    assert page.url.endswith(f"/companies/{company.pk}/")
    assert page.problems == []


def test_the_parent_is_found_by_the_choosers_search(page, sign_in, alice, monkeypatch):
    from klient.customers import forms

    monkeypatch.setattr(forms.CompanyChoiceField, "FEW", 1)  # as if alice had too many companies to list
    parent = company_create(actor=alice, name="Holding Ćevapi")
    company_create(actor=alice, name="Beta")
    daughter = company_create(actor=alice, name="Daughter")
    sign_in(page, "alice")
    page.goto(f"/companies/{daughter.pk}/edit/")
    expect(page.locator("#id_parent option")).to_have_count(1)
    page.fill("input[name=parent_q]", "cevapi")
    expect(page.locator("#id_parent option")).to_have_count(2)
    page.select_option("#id_parent", str(parent.pk))
    page.click("[data-company-form] button[type=submit]")
    page.wait_for_url(f"**/companies/{daughter.pk}/")
    expect(page.locator("[data-field=parent]")).to_have_text("Holding Ćevapi")
    assert Company.objects.get(pk=daughter.pk).parent == parent
    assert page.problems == []


def test_a_contact_moves_to_another_company(page, sign_in, alice):
    acme = company_create(actor=alice, name="Acme")
    beta = company_create(actor=alice, name="Beta")
    jan = contact_create(actor=alice, company=acme, first_name="Jan", last_name="Nowak", position="Buyer")
    sign_in(page, "alice")
    page.goto(f"/companies/contacts/{jan.pk}/")
    page.click("[data-action=move]")
    page.select_option("#id_company", str(beta.pk))
    page.fill("#id_position", "Director")
    page.click("[data-move-form] button[type=submit]")
    page.wait_for_url("**/companies/contacts/*/")
    moved = Contact.objects.get(company=beta)
    assert page.url.endswith(f"/companies/contacts/{moved.pk}/")
    expect(page.locator("[data-positions] li")).to_have_count(2)
    assert Contact.objects.get(pk=jan.pk).left_on is not None
    assert page.problems == []
