"""Deals in the browser: a rep opens a deal from the client card, drags it across the board (the column
figures follow), and drops it on Lost, which asks why first; a cancelled drop changes nothing."""

import pytest
from playwright.sync_api import expect

from klient.customers.services import company_create
from klient.sales.models import Deal, Stage

pytestmark = pytest.mark.django_db(transaction=True)


def _column(page, name):
    stage = Stage.objects.get(pipeline__is_default=True, name=name)
    return page.locator(f'.board-column[data-stage="{stage.pk}"]')


def test_a_rep_opens_a_deal_and_moves_it_across_the_board(page, sign_in, alice):
    acme = company_create(actor=alice, name="Acme", country="PL", document_currency="EUR")

    sign_in(page, "alice")
    page.goto(f"/deals/new/?company={acme.pk}")
    form = page.locator('[data-form="deal"]')
    form.locator("input[name=title]").fill("500 pallets")
    form.locator("input[name=amount]").fill("1200")
    form.locator("input[name=next_step]").fill("Send the proposal")
    form.locator("button[type=submit]").click()
    expect(page.locator('hgroup [data-field="stage"]')).to_have_text("Qualification")
    deal = Deal.objects.get()

    page.click('[data-nav="deals"]')
    card = page.locator(f'.board-card[data-deal="{deal.pk}"]')
    expect(_column(page, "Qualification").locator("[data-count]")).to_have_text("1")
    card.drag_to(_column(page, "Negotiation"))
    expect(_column(page, "Negotiation").locator("[data-count]")).to_have_text("1")
    expect(_column(page, "Negotiation").locator("[data-total]")).to_have_text("€1,200.00")
    expect(_column(page, "Negotiation").locator("[data-weighted]")).to_have_text("€900.00")
    expect(_column(page, "Qualification").locator("[data-count]")).to_have_text("0")
    assert (Deal.objects.get().stage.name, Deal.objects.get().version) == ("Negotiation", 2)

    # Dropped on Lost, the board asks why; cancelling leaves the deal where it was.
    page.locator(f'.board-card[data-deal="{deal.pk}"]').drag_to(_column(page, "Lost"))
    dialog = page.locator("#lost-dialog")
    expect(dialog).to_be_visible()
    dialog.locator('button[value="cancel"]').click()
    expect(dialog).to_be_hidden()
    assert Deal.objects.get().status == "open"

    page.locator(f'.board-card[data-deal="{deal.pk}"]').drag_to(_column(page, "Lost"))
    dialog.locator("input[name=lost_reason]").fill("Price too high")
    dialog.locator('button[value="lost"]').click()
    expect(_column(page, "Lost").locator("[data-count]")).to_have_text("1")
    lost = Deal.objects.get()
    assert (lost.status, lost.lost_reason, lost.version) == ("lost", "Price too high", 3)
