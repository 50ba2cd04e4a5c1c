"""The company list in a browser: htmx filters that rewrite the URL, column sorting, a saved view that
opens by default, and a bulk action on ticked rows — on a desktop and at phone width."""

import pytest
from playwright.sync_api import expect

from klient.core.models import SavedView
from klient.customers.models import Company
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db(transaction=True)


def names(page) -> list[str]:
    return page.locator("[data-company] [data-name] a[id^=company-]").all_inner_texts()


def test_filter_sort_save_a_view_and_tag_the_ticked_companies(page, sign_in, alice, screenshot):
    company_create(actor=alice, name="Acme", country="PL", status="customer")
    company_create(actor=alice, name="Beta", country="PL")
    company_create(actor=alice, name="Gamma", country="DE", status="customer")
    sign_in(page, "alice")
    page.goto("/companies/")
    assert names(page) == ["Acme", "Beta", "Gamma"]

    page.click(".filters-panel summary")
    page.check("input[name=status][value=customer]")
    expect(page.locator("[data-company]")).to_have_count(2)
    assert page.url.endswith("/companies/?status=customer&sort=name")
    page.click("[data-sort=name]")  # again: Z–A
    expect(page.locator("[data-company]").first).to_contain_text("Gamma")
    assert page.url.endswith("/companies/?status=customer&sort=-name")

    page.click(".save-view summary")
    page.fill(".save-view input[name=name]", "Customers")
    page.check(".save-view input[name=is_default]")
    page.click("[data-save-view]")
    expect(page.locator("[data-view]")).to_have_text("Customers")
    assert SavedView.objects.get(user=alice).query == "status=customer&sort=-name"
    page.goto("/companies/")  # the default view opens
    assert page.url.endswith("/companies/?status=customer&sort=-name")
    assert names(page) == ["Gamma", "Acme"]

    page.check("[data-select-all]")
    page.click(".bulk-bar summary")
    page.fill(".bulk-action input[name=tag]", "VIP")
    page.click("[data-bulk=add_tag]")
    expect(page.locator(".flash-success")).to_have_text("2 companies changed.")
    assert sorted(Company.objects.filter(tags__name="VIP").values_list("name", flat=True)) == [
        "Acme",
        "Gamma",
    ]
    screenshot(page, "company-list-desktop")
    assert page.problems == []


def test_the_lists_fit_a_phone(phone_page, sign_in, alice, screenshot):
    for n in range(3):
        company_create(actor=alice, name=f"Company with a rather long name number {n}", country="PL")
    sign_in(phone_page, "alice")
    for url, shot in (("/companies/", "company-list-phone"), ("/companies/contacts/", "contact-list-phone")):
        phone_page.goto(url)
        phone_page.click(".filters-panel summary")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 376, url
        screenshot(phone_page, shot)
    assert phone_page.problems == []
