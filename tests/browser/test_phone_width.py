"""On a phone-width screen the menu folds away and no page scrolls sideways."""

import pytest

from klient.customers.services import company_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_menu_opens_from_its_button_and_the_list_fits(phone_page, sign_in, alice, screenshot):
    for n in range(3):
        company_create(
            actor=alice, name=f"Company with a rather long name number {n}", legal_name="Legal " * 8
        )
    page = phone_page
    sign_in(page, "alice")
    assert page.is_visible("[data-toggle-nav]")
    assert not page.is_visible("[data-nav=companies]")
    page.click("[data-toggle-nav]")
    assert page.is_visible("[data-nav=companies]")
    page.click("[data-nav=companies]")
    page.wait_for_selector("[data-list=companies]")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, "companies-phone")
    assert overflow <= 1
