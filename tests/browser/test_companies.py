"""Working a company in the browser: create, edit, history; refused access; search by keyboard."""

import pytest
from playwright.sync_api import expect

from klient.customers.models import Company
from klient.customers.services import company_create, company_update

pytestmark = pytest.mark.django_db(transaction=True)


def history_change(page, field: str) -> list[str]:
    """The newest history entry's [field label, before, after] for a field (label in lower case)."""
    label, before, after = page.eval_on_selector(
        f"[data-history] li:first-child [data-field={field}]",
        "row => [...row.cells].map(cell => cell.innerText.trim())",
    )
    return [label.lower(), before, after]


def test_a_company_is_created_edited_and_its_history_shown(page, sign_in, live_server, alice):
    sign_in(page, "alice")
    page.goto("/companies/")
    page.click("[data-action=new-company]")
    page.wait_for_url("**/companies/new/")

    page.click("main form button[type=submit]")
    assert page.url.endswith("/companies/new/")
    assert page.inner_text("#id_name-error") == "This field is required."
    expect(page.locator("#id_name")).to_have_attribute("aria-invalid", "true")
    assert Company.objects.count() == 0

    page.fill("#id_name", "Zażółć Sp. z o.o.")
    page.select_option("#id_country", "PL")
    page.fill("#id_tax_id", "PL5260250274")
    page.click("main form button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text("Company “Zażółć Sp. z o.o.” created.")
    company = Company.objects.get()
    assert page.url == f"{live_server.url}/companies/{company.pk}/"
    assert page.inner_text("h1") == "Zażółć Sp. z o.o. Prospect"  # the name and the status badge
    assert page.inner_text("[data-field=owner]") == "Alice Archer"
    facts = page.inner_text("dl.facts")
    assert "Poland" in facts and "PL5260250274" in facts

    page.click("[data-action=edit]")
    page.wait_for_url(f"**/companies/{company.pk}/edit/")
    assert page.input_value("#id_name") == "Zażółć Sp. z o.o."
    page.fill("#id_name", "Zażółć Polska")
    page.select_option("#id_country", "DE")
    page.click("main form button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text("Changes saved.")
    assert page.inner_text("h1") == "Zażółć Polska Prospect"

    page.click("[data-tab=history]")
    page.wait_for_selector("#tab-panel [data-history] [data-field=name]")
    assert page.url == f"{live_server.url}/companies/{company.pk}/"  # htmx swapped the tab in place
    assert history_change(page, "name") == ["name", "Zażółć Sp. z o.o.", "Zażółć Polska"]
    assert history_change(page, "country") == ["country", "Poland", "Germany"]
    assert "Alice Archer" in page.inner_text("[data-history] li:first-child")
    assert page.locator("[data-history] > li").count() == 2  # the change, and the creation before it
    assert not page.is_visible("dl.facts")

    page.goto("/companies/")
    assert page.inner_text(f"[data-company='{company.pk}'] a") == "Zażółć Polska"
    assert page.problems == []


def test_older_history_loads_into_the_cards_history_tab(page, sign_in, alice):
    company = company_create(actor=alice, name="Rev 0")
    for revision in range(1, 52):  # one page of history holds 50 entries
        company = company_update(
            company=company, actor=alice, version=company.version, name=f"Rev {revision}"
        )
    sign_in(page, "alice")
    page.goto(f"/companies/{company.pk}/")
    page.click("[data-tab=history]")
    expect(page.locator("#tab-panel [data-history] > li")).to_have_count(50)
    page.click("#tab-panel >> text=Older changes")
    expect(page.locator("#tab-panel [data-history] > li")).to_have_count(2)
    assert history_change(page, "name") == ["name", "Rev 0", "Rev 1"]
    assert page.locator("#tab-panel h1, #tab-panel .tabs").count() == 0  # not the whole page nested
    assert page.problems == []


def test_a_stale_edit_is_refused_with_a_message_and_loses_nothing(open_page, sign_in, alice):
    company = company_create(actor=alice, name="Acme")
    first, second = open_page(), open_page()
    for tab in (first, second):
        sign_in(tab, "alice")
        tab.goto(f"/companies/{company.pk}/edit/")
    first.fill("#id_name", "Acme One")
    first.click("main form button[type=submit]")
    expect(first.locator(".flash-success")).to_have_text("Changes saved.")

    second.fill("#id_name", "Acme Two")
    second.click("main form button[type=submit]")
    expect(second.locator(".flash-error")).to_contain_text("Someone else changed this company")
    # What the user typed stays in the form; the field shows the value someone else saved meanwhile.
    assert second.input_value("#id_name") == "Acme Two"
    assert second.inner_text("[data-current=name]") == "Now: Acme One"
    assert Company.objects.get().name == "Acme One"


def test_another_teams_company_answers_not_found_and_a_service_agent_cannot_create(
    page, sign_in, sign_out, alice, carol, sam
):
    company = company_create(actor=alice, name="Acme Secret Holdings")
    sign_in(page, "carol")
    response = page.goto(f"/companies/{company.pk}/")
    assert response.status == 404
    expect(page.locator("[data-error='404'] h1")).to_have_text("Not found")
    assert "Acme Secret Holdings" not in page.content()
    assert page.is_visible("[data-user-menu]")  # the error page keeps the product's layout
    response = page.goto(f"/companies/{company.pk}/history/")
    assert response.status == 404

    sign_out(page)
    sign_in(page, "sam")
    response = page.goto(f"/companies/{company.pk}/")
    assert response.status == 200  # a service agent reads every basic card...
    assert not page.is_visible("[data-action=edit]")
    response = page.goto("/companies/new/")
    assert response.status == 403  # ...but may not create one
    assert page.is_visible("[data-error='403']")
    page.goto("/companies/")
    assert not page.is_visible("[data-action=new-company]")
    assert Company.objects.count() == 1


def test_slash_focuses_search_and_enter_finds_the_company(page, sign_in, alice, bob, carol):
    company_create(actor=alice, name="Ćevapi d.o.o.")
    company_create(actor=carol, name="Cevapi South")  # another team's: never found by alice
    sign_in(page, "alice")
    assert page.evaluate("document.activeElement.id") != "global-search"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search"
    assert page.input_value("#global-search") == ""  # the slash itself is not typed
    page.keyboard.type("cevapi")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=cevapi")
    page.wait_for_selector("[data-results=companies]")
    assert page.eval_on_selector_all(
        "[data-results=companies] a", "links => links.map(l => l.innerText)"
    ) == ["Ćevapi d.o.o."]
    assert page.problems == []
