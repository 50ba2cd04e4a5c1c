"""Reads of the customer portal: the tickets a portal account sees (the contact's own, or all their
company's when allowed), a ticket's public messages with their files, and the satisfaction ratings the
service desk sees."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from klient.core.models import User
from klient.service.models import MessageKind, Satisfaction, Ticket, TicketAttachment, TicketMessage
from klient.service.portal.models import PortalAccount


def portal_tickets(account: PortalAccount) -> QuerySet[Ticket]:
    """The tickets the account's contact sees: those they are the contact of, and with
    `can_see_company_tickets` every ticket of their company. A merged ticket is shown where it went."""
    contact = account.contact
    condition = Q(contact_id=contact.pk)
    if account.can_see_company_tickets:
        condition |= Q(company_id=contact.company_id)
    return Ticket.objects.filter(condition, merged_into__isnull=True)


def portal_ticket_list(account: PortalAccount, *, status: str = "") -> QuerySet[Ticket]:
    """The account's tickets, newest first; `status` "open" or "done" narrows them."""
    from klient.service.models import DONE_STATUSES, OPEN_STATUSES

    tickets = portal_tickets(account).select_related("contact").order_by("-created_at", "-id")
    if status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status == "done":
        tickets = tickets.filter(status__in=DONE_STATUSES)
    return tickets


def portal_ticket_get(account: PortalAccount, number: int) -> Ticket:
    """The account's ticket with this number; Ticket.DoesNotExist when it is not theirs to see."""
    return portal_tickets(account).select_related("contact", "company", "satisfaction").get(number=number)


def public_messages(ticket: Ticket) -> QuerySet[TicketMessage]:
    """The ticket's messages the customer sees: public ones, never internal notes, with their kept files."""
    files = TicketAttachment.objects.filter(omitted=False, inline=False).order_by("id")
    return (
        TicketMessage.objects.filter(ticket=ticket, public=True)
        .exclude(kind=MessageKind.NOTE)
        .select_related("author", "contact")
        .prefetch_related(Prefetch("attachments", queryset=files, to_attr="files"))
        .order_by("created_at", "id")
    )


def portal_attachment_get(account: PortalAccount, *, number: int, attachment_id: int) -> TicketAttachment:
    """A file of a public message on one of the account's tickets; DoesNotExist otherwise."""
    ticket = portal_ticket_get(account, number)
    return (
        TicketAttachment.objects.select_related("message")
        .exclude(message__kind=MessageKind.NOTE)
        .get(pk=attachment_id, message__ticket=ticket, message__public=True, omitted=False)
    )


def satisfaction_visible(user: User) -> QuerySet[Satisfaction]:
    """Ratings of the tickets the user sees."""
    return Satisfaction.objects.filter(ticket__in=Ticket.objects.visible_to(user).values("pk"))
