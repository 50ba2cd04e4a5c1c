"""The customer database end to end in a browser (issue 3, item 12): a company and a contact typed in
through the forms, a CSV imported through the mapping screen with one bad row, a company found without
its diacritics, and two duplicates merged from the finder."""

import pytest
from playwright.sync_api import expect

from klient.customers.models import Company, Contact, ImportJob
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def counts(page) -> dict[str, str]:
    """The import's counts as shown: {code: number}."""
    return dict(
        page.eval_on_selector_all(
            ".import-counts [data-count]",
            "items => items.map(item => [item.dataset.count, item.querySelector('dd').innerText.trim()])",
        )
    )


def table_rows(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(row => [...row.cells].map(cell => cell.innerText.trim()))",
    )


def test_a_company_and_its_contact_are_typed_in(page, sign_in, live_server, alice):
    sign_in(page, "alice")
    page.goto("/companies/")
    page.click("[data-action=new-company]")
    page.wait_for_url("**/companies/new/")
    page.fill("#id_name", "Zażółć Gęślą Jaźń Sp. z o.o.")
    page.fill("#id_legal_name", "Przedsiębiorstwo Zażółć Gęślą Jaźń Spółka z o.o.")
    page.select_option("#id_status", "customer")
    page.select_option("#id_country", "PL")
    page.fill("#id_city", "Łódź")
    page.fill("#id_phone", "+48 42 123 45 67")
    page.fill("#id_email", "biuro@zazolc.example")
    page.fill("#id_website", "https://www.zazolc.example/")
    page.fill("#id_tax_id", "PL5260250274")
    page.fill("#id_industry", "Wholesale")
    page.click("main form button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text("Company “Zażółć Gęślą Jaźń Sp. z o.o.” created.")
    company = Company.objects.get()
    assert page.url == f"{live_server.url}/companies/{company.pk}/"

    assert page.evaluate("document.querySelector('h1').firstChild.textContent.trim()") == (
        "Zażółć Gęślą Jaźń Sp. z o.o."
    )
    assert page.inner_text("[data-status]") == "Customer"
    assert page.inner_text(".card-head hgroup p") == "Przedsiębiorstwo Zażółć Gęślą Jaźń Spółka z o.o."
    shown = {
        field: page.inner_text(f"dl.facts [data-field={field}]")
        for field in ("country", "city", "phone", "email", "website", "tax_id", "industry")
    } | {"owner": page.inner_text("[data-field=owner]")}
    assert shown == {
        "country": "Poland",
        "city": "Łódź",
        "phone": "+48 42 123 45 67",
        "email": "biuro@zazolc.example",
        "website": "https://www.zazolc.example/",
        "tax_id": "PL5260250274",
        "industry": "Wholesale",
        "owner": "Alice Archer",
    }
    assert page.get_attribute("[data-field=phone] a", "href") == "tel:+48421234567"
    assert page.inner_text("#contacts-title") == "Contacts 0"

    page.click("[data-quick-actions] [data-action=add-contact]")
    page.wait_for_url(f"**/companies/{company.pk}/contacts/new/")
    assert page.inner_text("h1") == "New contact at Zażółć Gęślą Jaźń Sp. z o.o."
    page.fill("#id_first_name", "Jan")
    page.fill("#id_last_name", "Kowalski-Wójcik")
    page.fill("#id_position", "Kierownik zakupów")
    page.select_option("#id_buying_role", "decision_maker")
    page.fill("#id_email", "jan.kowalski@zazolc.example")
    page.fill("#id_phone", "601 234 567")
    page.click("[data-contact-form] button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text("Contact “Jan Kowalski-Wójcik” added.")
    contact = Contact.objects.get()
    assert page.url == f"{live_server.url}/companies/contacts/{contact.pk}/"
    assert (contact.company_id, contact.first_name, contact.last_name, contact.position) == (
        company.pk,
        "Jan",
        "Kowalski-Wójcik",
        "Kierownik zakupów",
    )

    page.goto(f"/companies/{company.pk}/")
    assert page.inner_text("#contacts-title") == "Contacts 1"
    entry = page.locator(f"#contacts [data-contact='{contact.pk}']")
    assert entry.locator("a").first.inner_text() == "Jan Kowalski-Wójcik"
    assert entry.locator(".badge").inner_text() == "Decision maker"
    assert entry.locator("small.muted").inner_text() == "· Kierownik zakupów"
    assert entry.locator("a[href^='tel:']").inner_text() == "601 234 567"
    assert entry.locator("a[href^='mailto:']").inner_text() == "jan.kowalski@zazolc.example"
    assert page.problems == []


CSV = (
    "Firmenname;E-mail;Country;Tax ID\r\n"
    "Acme;office@acme.pl;PL;PL5260001246\r\n"
    "Beta;not-an-email;DE;\r\n"
    "Żabka;zabka@example.com;CZ;\r\n"
)


def test_a_csv_is_imported_through_the_mapping_screen(page, sign_in, tmp_path, alice):
    source = tmp_path / "kunden.csv"
    source.write_text(CSV, encoding="utf-8")
    sign_in(page, "alice")
    page.goto("/companies/import/")
    page.check("input[name=kind][value=companies]")
    page.set_input_files("input[name=file]", str(source))
    page.click("[data-import-upload] button[type=submit]")
    page.wait_for_url("**/companies/import/*/mapping/")
    job = ImportJob.objects.get()
    assert page.inner_text("h1") == "Columns of kunden.csv"

    # The known headers are recognised; "Firmenname" is not, and is mapped by hand.
    selects = page.locator("[data-import-mapping] tbody select")
    assert [selects.nth(index).input_value() for index in range(4)] == ["", "email", "country", "tax_id"]
    page.select_option("tr[data-column=Firmenname] select", "name")
    page.click("[data-import-mapping] button[type=submit]")
    page.wait_for_url(f"**/companies/import/{job.pk}/preview/")
    expect(page.locator("[data-import-summary]")).to_have_attribute("data-import-summary", "done")
    assert page.eval_on_selector_all(
        "[data-import-preview] thead th", "cells => cells.map(cell => cell.innerText.trim())"
    ) == ["Name", "Email", "Country", "Tax id"]
    assert table_rows(page, "[data-import-preview]") == [
        ["Acme", "office@acme.pl", "PL", "PL5260001246"],
        ["Beta", "not-an-email", "DE", ""],
        ["Żabka", "zabka@example.com", "CZ", ""],
    ]
    expected_counts = {
        "created": "2",
        "updated": "0",
        "unchanged": "0",
        "skipped": "1",  # the rejected row
        "errors": "1",
        "duplicates": "0",
    }
    assert counts(page) == expected_counts
    rejected = [["3", "Email", "“not-an-email” is not an email address."]]
    assert table_rows(page, "[data-import-errors]") == rejected
    assert Company.objects.count() == 0  # the trial run stores nothing

    page.click("[data-start-import]")
    page.wait_for_url(f"**/companies/import/{job.pk}/result/")
    assert page.inner_text("h1") == "Result of kunden.csv"
    assert counts(page) == expected_counts
    assert table_rows(page, "[data-import-errors]") == rejected
    assert sorted(Company.objects.values_list("name", "email", "country", "tax_id")) == [
        ("Acme", "office@acme.pl", "PL", "PL5260001246"),
        ("Żabka", "zabka@example.com", "CZ", ""),
    ]

    with page.expect_download() as download_info:
        page.click("[data-rejected-download]")
    download = download_info.value
    assert download.suggested_filename == "kunden-rejected.csv"
    # Exactly the rejected row as it was in the file, with its row number, field and reason; a BOM for Excel.
    assert download.path().read_bytes().decode("utf-8") == (
        "\ufeffFirmenname,E-mail,Country,Tax ID,row,field,reason\r\n"
        "Beta,not-an-email,DE,,3,email,“not-an-email” is not an email address.\r\n"
    )
    assert page.problems == []


def test_a_company_is_found_without_its_diacritics(page, sign_in, alice, carol):
    company_create(actor=alice, name="Zażółć Gęślą Jaźń")
    company_create(actor=alice, name="Ćevapi d.o.o.")
    company_create(actor=alice, name="Beta")
    company_create(actor=carol, name="Zazolc North")  # another team's: never found by alice
    sign_in(page, "alice")
    page.goto("/companies/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search"
    page.keyboard.type("zazolc")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=zazolc")
    assert page.eval_on_selector_all(
        "[data-results=companies] a", "links => links.map(link => link.innerText)"
    ) == ["Zażółć Gęślą Jaźń"]

    page.goto("/companies/")
    page.click(".filters-panel summary")
    page.fill("[data-filters] input[name=q]", "cevapi")
    page.press("[data-filters] input[name=q]", "Enter")
    expect(page.locator("[data-company]")).to_have_count(1)
    assert page.locator("[data-company] [data-name] a[id^=company-]").all_inner_texts() == ["Ćevapi d.o.o."]
    assert "q=cevapi" in page.url
    assert page.problems == []


def test_two_duplicates_are_merged_from_the_finder(page, sign_in, live_server, alice, bob, mike):
    keep = company_create(actor=alice, name="Acme", country="PL", tax_id="PL1234563218", city="Warszawa")
    drop = company_create(actor=bob, name="Acme S.A.", country="PL", tax_id="1234563218", city="Gdańsk")
    ola = contact_create(actor=bob, company=drop, first_name="Ola", last_name="Lis")
    sign_in(page, "mike")
    page.goto("/companies/duplicates/")
    pair = page.locator(f"tr[data-pair='{keep.pk}-{drop.pk}']")
    assert pair.locator("[data-score]").inner_text() == "96"
    assert pair.locator("[data-reasons]").inner_text() == "Same tax id, Same name and country"
    pair.locator("[data-action=merge]").click()
    page.wait_for_url(f"**/companies/{keep.pk}/merge/{drop.pk}/")
    assert page.is_checked("tr[data-field=city] input[value=keep]")  # the kept record's value by default
    page.check("tr[data-field=city] input[value=drop]")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-action=confirm-merge]")
    page.wait_for_url(f"**/companies/{keep.pk}/")
    expect(page.locator(".flash-success")).to_have_text("“Acme S.A.” was merged into “Acme”.")

    merged = Company.objects.get()
    assert (merged.pk, merged.name, merged.city, merged.tax_id) == (keep.pk, "Acme", "Gdańsk", "PL1234563218")
    assert page.inner_text("dl.facts [data-field=city]") == "Gdańsk"
    assert list(Contact.objects.values_list("pk", "company_id")) == [(ola.pk, keep.pk)]
    assert page.locator("#contacts [data-contact] > a").all_inner_texts() == ["Ola Lis"]

    page.click("[data-tab=history]")
    page.wait_for_selector("#tab-panel [data-history] [data-field=city]")
    newest = "[data-history] > li:first-child"
    assert page.eval_on_selector_all(
        f"{newest} tr[data-field]",
        "rows => rows.map(row => [...row.cells].map(cell => cell.innerText.trim()))",
    ) == [["City", "Warszawa", "Gdańsk"], ["Merged from", "—", f"Acme S.A. (#{drop.pk})"]]
    assert "Mike" in page.inner_text(f"{newest} p")
    assert page.problems == []
    response = page.goto(f"/companies/{drop.pk}/")  # the merged-in company is gone
    assert response.status == 404
