"""A customer in the portal: signs in with a password, opens a ticket with a file, finds it in the list,
replies, and rates it once the desk has resolved it; the pages run clean in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from klient.customers.services import company_create, contact_create
from klient.service.models import Channel, MessageKind, Satisfaction, Ticket, TicketStatus
from klient.service.portal.services import portal_invite
from klient.service.services import ticket_update
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_opens_a_ticket_replies_and_rates_it(page, screenshot, alice, sam):
    acme = company_create(actor=alice, name="Acme", website="https://acme.example")
    jan = contact_create(
        actor=alice, company=acme, first_name="Jan", last_name="Nowak", email="jan@acme.example"
    )
    account = portal_invite(contact=jan, actor=sam)
    account.user.set_password(PASSWORD)
    account.user.save()

    page.goto("/portal/")
    assert "/portal/login/?next=/portal/" in page.url
    password_form = page.locator('[data-form="password"]')
    password_form.locator("#id_username").fill("jan@acme.example")
    password_form.locator("#id_password").fill(PASSWORD)
    password_form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("My tickets")
    expect(page.locator("[data-empty]")).to_be_visible()

    page.locator('[data-action="new-ticket"]').click()
    form = page.locator('[data-form="ticket"]')
    form.locator("select[name=type]").select_option("incident")
    form.locator("input[name=subject]").fill("The pump is noisy")
    form.locator("textarea[name=body]").fill("Since Monday the pump makes a loud noise.")
    form.locator("input[name=attachments]").set_input_files(
        [{"name": "noise.txt", "mimeType": "text/plain", "buffer": b"recording"}]
    )
    form.locator("button[type=submit]").click()
    ticket = Ticket.objects.get()
    expect(page.locator("h1")).to_have_text(f"{ticket.reference} The pump is noisy")
    expect(page.locator(f'[data-attachment="{ticket.messages.get().attachments.get().pk}"]')).to_have_text(
        "noise.txt"
    )
    assert (ticket.channel, ticket.contact_id, ticket.company_id) == (Channel.PORTAL, jan.pk, acme.pk)

    page.locator('[data-nav="tickets"]').click()
    row = page.locator(f'[data-ticket="{ticket.number}"]')
    expect(row).to_contain_text("The pump is noisy")
    row.locator("a").click()

    reply = page.locator('[data-form="reply"]')
    reply.locator("textarea[name=body]").fill("It is worse at night.")
    reply.locator("button[type=submit]").click()
    expect(page.locator(f'[data-kind="{MessageKind.PORTAL}"]').last).to_contain_text("It is worse at night.")
    assert ticket.messages.count() == 2
    screenshot(page, "portal-ticket")

    # The desk resolves it; the customer rates it from the ticket's page.
    ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), actor=sam, status=TicketStatus.RESOLVED)
    page.reload()
    rating = page.locator('[data-form="rating"]')
    rating.locator("input[name=rating][value='5']").check()
    rating.locator("textarea[name=comment]").fill("Fixed the same day.")
    rating.locator("button[type=submit]").click()
    expect(page.locator("[data-rated]")).to_have_attribute("data-rated", "5")
    satisfaction = Satisfaction.objects.get()
    assert (satisfaction.ticket_id, satisfaction.rating, satisfaction.comment) == (
        ticket.pk,
        5,
        "Fixed the same day.",
    )
    assert page.problems == []
