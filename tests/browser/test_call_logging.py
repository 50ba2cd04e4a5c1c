"""Logging a call from the client card with the keyboard: "c" opens the form with the outcome focused,
the outcome is typed, Enter saves; the timer sends the call's duration."""

import pytest
from playwright.sync_api import expect

from klient.activities.models import Activity
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_call_is_logged_in_two_keystrokes_from_the_card(page, sign_in, alice):
    company = company_create(actor=alice, name="Acme", phone="+48 22 123 45 67")
    contact_create(actor=alice, company=company, first_name="Jan", last_name="Kowalski")
    sign_in(page, "alice")
    page.goto(f"/companies/{company.pk}/")
    expect(page.locator('a[href="tel:+48221234567"]')).to_be_visible()

    page.keyboard.press("c")
    outcome = page.locator("#call-form select[name=outcome]")
    expect(outcome).to_be_focused()
    expect(page.locator("[data-call-timer]")).to_have_text("0:01", timeout=3000)
    outcome.select_option("interested")
    outcome.press("Enter")

    page.wait_for_url(f"**/companies/{company.pk}/#timeline")
    expect(page.locator(".flash-success")).to_have_text("Call logged.")
    entry = page.locator("[data-timeline] li[data-kind=activity]").first
    expect(entry).to_contain_text("Interested")
    call = Activity.objects.get()
    assert (call.kind, call.outcome.code, call.subject, call.owner) == (
        "call",
        "interested",
        "Interested",
        alice,
    )
    assert call.duration is not None and call.duration >= 1
    assert page.problems == []
