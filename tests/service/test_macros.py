"""Macros: the text in the ticket's language (English, then the first, as fallbacks) with its variables
filled, the fields it sets when applied, and how one is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from klient.core.exceptions import NotAllowed
from klient.service import services
from klient.service.models import Category, Macro, MacroText, MessageKind, Queue, Ticket, TicketStatus
from klient.service.services import MessageInput, ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(marta: Any, support: Any) -> Ticket:
    return ticket_open(
        message=MessageInput(
            kind=MessageKind.EMAIL_IN, body_text="?", sender_email=marta.email, subject="Dostawa"
        )
    )


@pytest.fixture
def shipped(vera: Any) -> Macro:
    return services.macro_save(
        actor=vera,
        name="Shipped",
        texts={
            "en": "Dear {{ contact.name }}, your order for {{ company.name }} left today. {{ agent.name }}",
            "pl": "Pani/Panie {{ contact.name }}, zamówienie {{ company.name }} wyjechało ({{ ticket.reference }}). {{ agent.name }}",
        },
        actions={"status": TicketStatus.RESOLVED, "priority": "low", "assignee": "me"},
    )


def test_the_text_is_in_the_tickets_language_with_variables_filled(ticket, shipped, sam):
    sam.first_name, sam.last_name = "Sam", "Smith"
    text = services.macro_text(macro=shipped, ticket=ticket, agent=sam)
    assert (
        text
        == f"Pani/Panie Marta Nowak, zamówienie Mleczarnia Sp. z o.o. wyjechało ({ticket.reference}). Sam Smith"
    )


def test_a_language_without_a_text_falls_back_to_english_then_to_any(ticket, shipped, sam, vera):
    Ticket.objects.filter(pk=ticket.pk).update(language="ru")
    ticket.refresh_from_db()
    assert services.macro_text(macro=shipped, ticket=ticket, agent=sam).startswith("Dear Marta Nowak")
    only_polish = services.macro_save(actor=vera, name="PL", texts={"pl": "Dzień dobry"}, actions={})
    assert services.macro_text(macro=only_polish, ticket=ticket, agent=sam) == "Dzień dobry"


def test_applying_sends_the_reply_and_sets_the_fields(
    ticket, shipped, sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        applied = services.macro_apply(ticket=ticket, macro=shipped, actor=sam)
    assert (applied.status, applied.priority, applied.assignee) == (TicketStatus.RESOLVED, "low", sam)
    reply = applied.messages.get(kind=MessageKind.REPLY)
    assert reply.body_text.startswith("Pani/Panie Marta Nowak")
    assert reply.outbox is not None and reply.outbox.subject == f"Re: [{ticket.reference}] Dostawa"


def test_the_agents_status_wins_and_a_note_is_not_mailed(ticket, shipped, sam):
    applied = services.macro_apply(
        ticket=ticket,
        macro=shipped,
        actor=sam,
        body="edited",
        public=False,
        status=TicketStatus.PENDING_INTERNAL,
    )
    assert applied.status == TicketStatus.PENDING_INTERNAL
    note = applied.messages.get(kind=MessageKind.NOTE)
    assert (note.body_text, note.outbox_id, note.public) == ("edited", None, False)


def test_a_macro_moves_the_ticket_to_a_queue_and_category(ticket, vera, sam):
    billing = Queue.objects.create(name="Billing")
    invoices = Category.objects.create(name="Invoices")
    macro = services.macro_save(
        actor=vera,
        name="To billing",
        texts={"en": "Passed on."},
        actions={"queue": billing.pk, "category": invoices.pk},
    )
    applied = services.macro_apply(ticket=ticket, macro=macro, actor=sam, send=False)
    assert (applied.queue, applied.category, applied.status) == (billing, invoices, TicketStatus.NEW)
    assert applied.messages.count() == 1


def test_a_macro_needs_a_text_and_known_values_and_a_manager(vera, sam):
    with pytest.raises(ValidationError) as invalid:
        services.macro_save(
            actor=vera, name="Bad", texts={"en": " "}, actions={"status": "gone", "colour": "red"}
        )
    assert set(invalid.value.message_dict) == {"texts", "status", "actions"}
    with pytest.raises(ValidationError) as broken:
        services.macro_save(actor=vera, name="Broken", texts={"en": "{% if %}"}, actions={})
    assert set(broken.value.message_dict) == {"text_en"}
    with pytest.raises(NotAllowed):
        services.macro_save(actor=sam, name="Mine", texts={"en": "Hi"}, actions={})
    assert Macro.objects.count() == 0


def test_saving_again_replaces_the_texts(shipped, vera):
    services.macro_save(actor=vera, macro=shipped, name="Shipped", texts={"en": "Gone", "pl": ""}, actions={})
    assert list(MacroText.objects.filter(macro=shipped).values_list("language", "body")) == [("en", "Gone")]
    shipped.refresh_from_db()
    assert shipped.actions == {}
