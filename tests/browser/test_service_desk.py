"""The service desk in the browser: an agent opens a ticket from the queue view, picks a macro, sends it
unchanged; the ticket shows the reply and the status the macro set, and one message to the requester,
tagged with the ticket's number, is in the outbox."""

import pytest
from playwright.sync_api import expect

from klient.customers.services import company_create, contact_create
from klient.mail.models import OutboxMessage
from klient.service import services
from klient.service.models import MessageKind, Queue, QueueMember, Ticket, TicketStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_answers_a_ticket_with_a_macro(page, sign_in, screenshot, alice, sam, root):
    # The default queue comes from a data migration, which a committed browser test's tables lose.
    support, _made = Queue.objects.get_or_create(name="Support", defaults={"is_default": True})
    QueueMember.objects.create(queue=support, user=sam)
    acme = company_create(actor=alice, name="Acme", website="https://acme.example")
    contact_create(actor=alice, company=acme, first_name="Jan", last_name="Nowak", email="jan@acme.example")
    ticket = services.ticket_open(
        message=services.MessageInput(
            kind=MessageKind.EMAIL_IN,
            body_text="Where is my delivery?",
            sender_email="jan@acme.example",
            sender_name="Jan Nowak",
            subject="Delivery",
            message_id="<delivery@acme.example>",
        )
    )
    services.macro_save(
        actor=root,
        name="Passed to the warehouse",
        texts={
            "en": "Dear {{ contact.name }}, the warehouse is checking your delivery ({{ ticket.reference }})."
        },
        actions={"status": TicketStatus.PENDING_INTERNAL},
    )

    sign_in(page, "sam")
    page.locator('#main-nav [data-nav="service_desk"]').click()
    row = page.locator(f'[data-ticket="{ticket.number}"]')
    expect(row).to_contain_text("Delivery")
    row.locator("a", has_text=ticket.reference).click()
    expect(page.locator('[data-field="reference"]')).to_have_text(ticket.reference)

    page.locator("[data-macro-picker]").select_option(label="Passed to the warehouse")
    expected = f"Dear Jan Nowak, the warehouse is checking your delivery ({ticket.reference})."
    expect(page.locator("#id_body")).to_have_value(expected)
    expect(page.locator("[data-macro-sets]")).to_contain_text("Status: Pending internal")
    page.locator('[data-action="send-reply"]').click()

    expect(page.locator('hgroup [data-field="status"]')).to_have_text("Pending internal")
    reply = page.locator('.message[data-public="1"]').last
    expect(reply).to_contain_text(expected)
    screenshot(page, "service-desk-ticket-replied")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (TicketStatus.PENDING_INTERNAL, sam)
    sent = OutboxMessage.objects.filter(to_email="jan@acme.example")
    assert sent.count() == 1
    assert sent.get().subject == f"Re: [{ticket.reference}] Delivery"
    assert Ticket.objects.count() == 1
