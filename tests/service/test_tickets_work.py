"""Working a ticket: replies mailed so that they thread (checked on what a real SMTP server received),
notes never mailed, claim, merge, split, links, time spent, participants, the key account's manager told
once, phone tickets, and the search words and due order kept by the services."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from klient.core.exceptions import NotAllowed
from klient.mail.models import OutboxMessage
from klient.service import services
from klient.service.models import (
    Channel,
    EventKind,
    LinkKind,
    MessageKind,
    Ticket,
    TicketLink,
    TicketMessage,
    TicketParticipant,
    TicketStatus,
)
from klient.service.services import MessageInput, ticket_open

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def _mail(sender: str = "marta@mleczarnia.example.pl", **extra: Any) -> MessageInput:
    fields: dict[str, Any] = {
        "kind": MessageKind.EMAIL_IN,
        "body_text": "Gdzie jest dostawa?",
        "sender_email": sender,
        "sender_name": "Marta Nowak",
        "subject": "Dostawa",
        "message_id": "<first@mleczarnia.example.pl>",
    }
    fields.update(extra)
    return MessageInput(**fields)


@pytest.fixture
def ticket(marta: Any, support: Any) -> Ticket:
    return ticket_open(message=_mail(cc=["szef@mleczarnia.example.pl"]))


def test_a_reply_is_mailed_to_the_requester_with_the_copy_and_threads(
    ticket, sam, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.ticket_reply(ticket=ticket, actor=sam, body="Jutro rano.")
    assert len(smtp_sink.messages) == 1
    _from, recipients, mail = smtp_sink.messages[0]
    assert recipients == ["marta@mleczarnia.example.pl", "szef@mleczarnia.example.pl"]
    assert mail["Subject"] == f"Re: [T-{ticket.number}] Dostawa"
    assert mail["In-Reply-To"] == "<first@mleczarnia.example.pl>"
    assert mail["References"] == "<first@mleczarnia.example.pl>"
    assert mail["Cc"] == "szef@mleczarnia.example.pl"
    assert smtp_sink.bodies() == ["Jutro rano.\n"]
    message.refresh_from_db()
    assert message.message_id == mail["Message-ID"]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (TicketStatus.PENDING_CUSTOMER, sam)
    assert ticket.first_responded_at is not None


def test_a_second_reply_refers_to_the_first_reply_and_the_customers_mail(
    ticket, sam, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.ticket_reply(ticket=ticket, actor=sam, body="Jutro.")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, actor=sam, body="Albo pojutrze.", status=TicketStatus.OPEN)
    first.refresh_from_db()
    second = smtp_sink.messages[1][2]
    assert second["In-Reply-To"] == first.message_id
    assert second["References"] == f"<first@mleczarnia.example.pl> {first.message_id}"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


def test_a_note_is_never_mailed(ticket, sam, smtp_sink, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = services.ticket_note(ticket=ticket, actor=sam, body="Call the warehouse.")
    assert smtp_sink.messages == []
    assert (note.public, note.kind, note.outbox_id) == (False, MessageKind.NOTE, None)
    assert OutboxMessage.objects.filter(key__startswith="ticket-reply").count() == 0


def test_an_account_manager_may_not_reply(ticket, alice, smtp_sink, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        services.ticket_reply(ticket=ticket, actor=alice, body="Hi")
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1
    assert smtp_sink.messages == []


def test_claim_takes_an_unassigned_ticket_and_is_refused_when_taken(ticket, sam, vera):
    claimed = services.ticket_claim(ticket=ticket, actor=sam)
    assert (claimed.assignee, claimed.status) == (sam, TicketStatus.OPEN)
    with pytest.raises(ValidationError) as refused:
        services.ticket_claim(ticket=ticket, actor=vera)
    assert refused.value.message_dict == {"assignee": ["sam has this ticket already."]}
    assert Ticket.objects.get(pk=ticket.pk).assignee == sam


def test_merge_moves_messages_and_participants_and_closes_the_source(ticket, sam, support):
    other = ticket_open(
        message=_mail(sender="jan@mleczarnia.example.pl", message_id="<second@x>", subject="Też")
    )
    target = services.ticket_merge(source=other, target=ticket, actor=sam)
    other.refresh_from_db()
    assert (other.status, other.merged_into) == (TicketStatus.CLOSED, ticket)
    assert TicketMessage.objects.filter(ticket=other).count() == 0
    assert TicketMessage.objects.filter(ticket=target).count() == 2
    assert set(target.participants.values_list("email", flat=True)) == {
        "marta@mleczarnia.example.pl",
        "szef@mleczarnia.example.pl",
        "jan@mleczarnia.example.pl",
    }
    with pytest.raises(ValidationError):
        services.ticket_merge(source=other, target=ticket, actor=sam)


def test_split_moves_a_later_customer_message_to_a_new_linked_ticket(ticket, sam, marta):
    later = services.customer_message_add(
        ticket=ticket,
        message=_mail(body_text="A inna sprawa: faktura", message_id="<third@x>", subject="Re: Dostawa"),
    )
    new = services.ticket_split(ticket=ticket, message=later, actor=sam, subject="Faktura")
    assert new.number == ticket.number + 1
    assert (new.subject, new.company, new.contact) == ("Faktura", ticket.company, marta)
    assert list(new.messages.values_list("pk", flat=True)) == [later.pk]
    assert TicketMessage.objects.get(pk=later.pk).threading == f"split from {ticket.reference}"
    assert TicketLink.objects.filter(from_ticket=new, to_ticket=ticket, kind=LinkKind.SPLIT_FROM).count() == 1
    first = ticket.messages.get()
    with pytest.raises(ValidationError):
        services.ticket_split(ticket=ticket, message=first, actor=sam)


def test_link_and_time_spent(ticket, sam):
    other = ticket_open(message=_mail(message_id="<other@x>"))
    services.ticket_link(ticket=ticket, other=other, actor=sam)
    services.ticket_link(ticket=ticket, other=other, actor=sam)
    assert TicketLink.objects.filter(from_ticket=ticket).count() == 1
    services.time_spent_add(ticket=ticket, actor=sam, minutes=15, note="phone")
    after = services.time_spent_add(ticket=ticket, actor=sam, minutes=10)
    assert after.time_spent_minutes == 25
    with pytest.raises(ValidationError):
        services.time_spent_add(ticket=ticket, actor=sam, minutes=0)
    assert ticket.events.filter(kind=EventKind.TIME_SPENT).count() == 2


def test_participants_are_added_and_removed_but_the_requester_stays(ticket, sam):
    added = services.participant_add(ticket=ticket, actor=sam, email="Ksiegowa@Mleczarnia.example.pl")
    assert added.email == "ksiegowa@mleczarnia.example.pl"
    with pytest.raises(ValidationError):
        services.participant_add(ticket=ticket, actor=sam, email="ksiegowa@mleczarnia.example.pl")
    services.participant_remove(participant=added, actor=sam)
    requester = TicketParticipant.objects.get(ticket=ticket, role="requester")
    with pytest.raises(ValidationError):
        services.participant_remove(participant=requester, actor=sam)
    assert list(ticket.participants.values_list("email", flat=True)) == [
        "marta@mleczarnia.example.pl",
        "szef@mleczarnia.example.pl",
    ]


def test_the_key_accounts_manager_is_told_of_a_new_ticket_exactly_once(
    marta, alice, support, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_open(message=_mail())
    notices = OutboxMessage.objects.filter(to_email=alice.email)
    assert notices.count() == 1
    assert smtp_sink.recipients() == [alice.email]
    assert smtp_sink.subjects() == [f"New ticket {ticket.reference} from Mleczarnia Sp. z o.o.: Dostawa"]


def test_a_regular_companys_ticket_tells_nobody(
    alice, support, smtp_sink, django_capture_on_commit_callbacks
):
    from klient.customers.services import company_create

    company_create(actor=alice, name="Zwykła", website="https://zwykla.example")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_open(message=_mail(sender="kto@zwykla.example"))
    assert smtp_sink.messages == []


def test_a_phone_request_logged_by_an_agent_is_a_ticket(sam, marta, mleczarnia, support):
    ticket = ticket_open(
        message=MessageInput(
            kind=MessageKind.PHONE, body_text="Dzwoniła w sprawie faktury", subject="Faktura"
        ),
        actor=sam,
        channel=Channel.PHONE,
        contact=marta,
    )
    assert (ticket.channel, ticket.company, ticket.contact, ticket.created_by) == (
        Channel.PHONE,
        mleczarnia,
        marta,
        sam,
    )
    message = ticket.messages.get()
    assert (message.kind, message.author, message.public) == (MessageKind.PHONE, sam, True)


def test_search_words_are_kept_folded(sam, support):
    ticket = ticket_open(
        message=_mail(sender="zofia@example.com", sender_name="Zofia Żółć", subject="Zażółć gęślą")
    )
    assert ticket.search_text == f"t-{ticket.number} zazolc gesla zofia zolc zofia@example.com"
    updated = services.ticket_update(ticket=ticket, actor=sam, subject="Jaźń")
    assert updated.search_text.startswith(f"t-{ticket.number} jazn")


def test_the_queue_order_follows_the_earliest_due_time(ticket, sam):
    with time_machine.travel(NOON, tick=False):
        Ticket.objects.filter(pk=ticket.pk).update(
            first_response_due=NOON + datetime.timedelta(hours=4),
            resolution_due=NOON + datetime.timedelta(hours=2),
        )
        current = Ticket.objects.get(pk=ticket.pk)
        assert current.earliest_due() == NOON + datetime.timedelta(hours=2)
