"""The ticket core: opening a ticket matches the requester, routes it and numbers it from 1001."""

from klient.service.models import EventKind, Ticket, TicketStatus
from klient.service.services import MessageInput, ticket_open


def test_a_mail_from_a_known_contact_opens_a_ticket_of_their_company(marta, mleczarnia, support):
    ticket = ticket_open(
        message=MessageInput(
            kind="email_in", body_text="Kiedy?", sender_email="Marta@Mleczarnia.example.pl", subject="Termin"
        )
    )
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.number, ticket.company, ticket.contact, ticket.queue, ticket.status) == (
        1001,
        mleczarnia,
        marta,
        support,
        TicketStatus.NEW,
    )
    assert ticket.language == "pl"
    # The default SLA policy a fresh installation has applies at once.
    assert list(ticket.events.values_list("kind", flat=True)) == [EventKind.CREATED, EventKind.SLA_APPLIED]
    assert list(ticket.participants.values_list("email", "role")) == [
        ("marta@mleczarnia.example.pl", "requester")
    ]


def test_a_stranger_on_the_companys_domain_is_matched_by_domain(mleczarnia, support):
    ticket = ticket_open(
        message=MessageInput(kind="email_in", body_text="?", sender_email="jan@mleczarnia.example.pl")
    )
    assert (ticket.company, ticket.contact, ticket.subject) == (mleczarnia, None, "(no subject)")


def test_the_written_out_ticket_url_is_the_ticket_pages_url(settings, marta, support):
    from django.urls import reverse

    from klient.service.services import ticket_url

    settings.BASE_URL = "https://desk.example/"
    ticket = ticket_open(message=MessageInput(kind="email_in", body_text="?", sender_email=marta.email))
    assert ticket_url(ticket) == "https://desk.example" + reverse("service:ticket", args=[ticket.number])
