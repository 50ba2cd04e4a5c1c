"""On a phone-width screen the menu folds away and no page scrolls sideways."""

import pytest
from playwright.sync_api import expect

from klient.customers.services import company_create

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 375


def sideways_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth") - PHONE_WIDTH


def test_the_menu_opens_from_its_button_and_the_list_fits(phone_page, sign_in, alice, screenshot):
    for n in range(3):
        company_create(
            actor=alice,
            name=f"Company with a rather long name number {n}",
            legal_name="Przedsiębiorstwo Handlowo-Usługowe " * 3,
            tax_id=f"PL52600000{n:02d}",
            country="PL",
        )
    page = phone_page
    sign_in(page, "alice")
    assert page.inner_text("h1") == "Hello, Alice"
    assert sideways_overflow(page) <= 1

    button = page.locator("[data-toggle-nav]")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    for key in ("home", "companies", "delegations"):
        expect(page.locator(f"[data-nav={key}]")).to_be_hidden()
    screenshot(page, "home-phone-menu-closed")

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    for key in ("home", "companies", "delegations"):
        expect(page.locator(f"[data-nav={key}]")).to_be_visible()
    screenshot(page, "home-phone-menu-open")
    assert sideways_overflow(page) <= 1

    page.click("[data-nav=companies]")
    page.wait_for_selector("[data-list=companies]")
    expect(page.locator("[data-nav=companies]")).to_be_hidden()  # folded again on the next page
    assert page.locator("[data-company]").count() == 3
    screenshot(page, "companies-phone")
    assert sideways_overflow(page) <= 1, "the company list page scrolls sideways"

    # The table is wider than a phone: it scrolls inside its own box, not the page.
    table = page.evaluate(
        """() => {
            const table = document.querySelector('[data-list=companies]');
            const wrap = table.closest('.table-wrap');
            return {
                table: table.scrollWidth,
                inWrap: wrap !== null,
                wrapClient: wrap && wrap.clientWidth,
                wrapScroll: wrap && wrap.scrollWidth,
                overflowX: wrap && getComputedStyle(wrap).overflowX,
            };
        }"""
    )
    assert table["inWrap"], table
    assert table["wrapClient"] <= PHONE_WIDTH, table
    assert table["table"] > table["wrapClient"], table  # seven columns cannot fit in 375 px
    assert table["overflowX"] in {"auto", "scroll"}, table
    assert table["wrapScroll"] > table["wrapClient"], table
    page.eval_on_selector(".table-wrap", "wrap => { wrap.scrollLeft = 10000; }")
    assert page.eval_on_selector(".table-wrap", "wrap => wrap.scrollLeft") > 0
    assert page.evaluate("window.scrollX") == 0
    assert page.problems == []
