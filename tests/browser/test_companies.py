"""Working a company in the browser: create, edit, history; refused access; search by keyboard."""

import pytest

from klient.customers.models import Company
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_company_is_created_edited_and_its_history_shown(page, sign_in, alice):
    sign_in(page, "alice")
    page.goto("/companies/")
    page.click("[data-action=new-company]")
    page.click("main form button[type=submit]")
    assert page.inner_text("#id_name-error") == "This field is required."
    assert Company.objects.count() == 0

    page.fill("#id_name", "Zażółć Sp. z o.o.")
    page.select_option("#id_country", "PL")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Company “Zażółć Sp. z o.o.” created.")
    assert page.inner_text("h1") == "Zażółć Sp. z o.o."
    assert page.inner_text("[data-field=owner]") == "Alice Archer"

    page.click("[data-action=edit]")
    page.fill("#id_name", "Zażółć Polska")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Changes saved.")

    page.click("[data-tab=history]")
    page.wait_for_selector("[data-history] [data-field=name]")
    row = page.inner_text("[data-history] li:first-child [data-field=name]")
    assert "Zażółć Sp. z o.o." in row
    assert "Zażółć Polska" in row
    assert page.url.endswith(f"/companies/{Company.objects.get().pk}/")  # htmx swapped the tab in place


def test_another_teams_company_answers_not_found_and_a_service_agent_cannot_create(
    page, sign_in, alice, carol, sam
):
    company = company_create(actor=alice, name="Acme")
    sign_in(page, "carol")
    response = page.goto(f"/companies/{company.pk}/")
    assert response.status == 404
    assert page.is_visible("[data-error='404']")
    page.click("[data-user-menu]")
    page.click("[data-sign-out]")
    sign_in(page, "sam")
    response = page.goto("/companies/new/")
    assert response.status == 403
    assert page.is_visible("[data-error='403']")
    assert Company.objects.count() == 1


def test_slash_focuses_search_and_enter_finds_the_company(page, sign_in, alice):
    company_create(actor=alice, name="Ćevapi d.o.o.")
    sign_in(page, "alice")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search"
    page.keyboard.type("cevapi")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-results=companies]")
    assert page.inner_text("[data-results=companies] a") == "Ćevapi d.o.o."
