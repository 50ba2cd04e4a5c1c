"""Reads of the service desk: ticket lists (the queue view by what is due first, the API's newest
first), one ticket with its conversation, events, participants and links, the client card's tickets,
and the complaints register. Every read starts from Ticket.objects.visible_to(user)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime

from klient.core.models import User
from klient.core.pagination import MAX_LIMIT, InvalidCursor, Page, decode_cursor, encode_cursor
from klient.customers.models import Company
from klient.service.filters import TicketFilter
from klient.service.models import (
    Macro,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketLink,
    TicketMessage,
    TicketType,
)

# The client card's tickets, newest first.
CARD_TICKETS = 10


# What a ticket of the API's list shows (services.ticket_payload): its own columns and its queue's name.
ROW_FIELDS = (
    "id", "version", "number", "subject", "type", "priority", "status", "channel", "created_at",
    "first_response_due", "resolution_due", "first_responded_at", "resolved_at", "sla_status",
    "queue_id", "assignee_id", "company_id", "contact_id", "queue__id", "queue__name",
)  # fmt: skip

# What a row of the queue page shows, read as plain values (tickets_by_due's `values`): 50 rows of four
# models each (ticket, queue, company, assignee) took longer to build than the database took to find them.
QUEUE_ROW_VALUES = (
    "id", "number", "subject", "requester_name", "requester_email", "company__name", "status", "priority",
    "queue__name", "assignee_id", "assignee__username", "assignee__first_name", "assignee__last_name",
    "next_due_at", "sla_status",
)  # fmt: skip


def ticket_list(*, user: User, ticket_filter: TicketFilter | None = None) -> QuerySet[Ticket]:
    """The tickets the user sees, filtered, with what the API's list shows (one query); the queue page
    reads QUEUE_ROW_VALUES of them instead."""
    tickets: QuerySet[Ticket] = Ticket.objects.visible_to(user).select_related("queue").only(*ROW_FIELDS)
    if ticket_filter is not None:
        tickets = ticket_filter.apply(tickets, user=user)
    return tickets


def tickets_by_due(
    tickets: QuerySet[Ticket],
    *,
    cursor: str | None,
    limit: int,
    branches: list[Q] | None = None,
    values: Sequence[str] = (),
) -> Page[Any]:
    """A page of tickets, what is due first (the earliest due time; tickets without one last), by keyset
    on (next_due_at, id), in one query whatever the depth.

    `branches` (each one queue and one status, or one status: see TicketFilter.branches) split the list
    where its rows come from several index ranges: the page is then read as the first rows of each branch,
    each through the index (queue or assignee, status, next_due_at, id) in order, instead of sorting every
    open ticket of the queues.

    The page's items are tickets, or with `values` (which must name "id" and "next_due_at") dictionaries
    of those values."""
    limit = max(1, min(limit, MAX_LIMIT))
    order: list[Any] = [F("next_due_at").asc(nulls_last=True), "id"]
    if cursor:
        due_text, last_id = decode_cursor(cursor, 2)
        due = parse_datetime(due_text) if isinstance(due_text, str) else None
        if not isinstance(last_id, int) or (due_text is not None and due is None):
            raise InvalidCursor(cursor)
        if due is None:
            tickets = tickets.filter(next_due_at__isnull=True, id__gt=last_id)
        else:
            tickets = tickets.filter(
                Q(next_due_at__gt=due) | Q(next_due_at=due, id__gt=last_id) | Q(next_due_at__isnull=True)
            )
    if branches and len(branches) > 1:
        # The page's ids first, from the branches' index ranges alone; then those rows with what they show.
        ids = _first_of_each(tickets, branches, order, limit + 1)
        tickets = tickets.filter(pk__in=ids)
    ordered = tickets.order_by(*order)
    rows: list[Any] = list((ordered.values(*values) if values else ordered)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        # A row is a ticket, or a dictionary of values with "id" and "next_due_at" (the queue page's).
        due, pk = (last["next_due_at"], last["id"]) if isinstance(last, dict) else (last.next_due_at, last.pk)
        next_cursor = encode_cursor([due.isoformat() if due else None, pk])
    return Page(items=rows, next_cursor=next_cursor)


def _first_of_each(tickets: QuerySet[Ticket], branches: list[Q], order: list[Any], count: int) -> list[int]:
    """The ids of the first `count` tickets of the branches together, in the page's order: the first
    `count` of each branch (each through its index), merged, in one query without joins. Reading the rows
    in the same query made the database plan and join every branch's rows (7 ms to plan on PostgreSQL)."""
    parts: list[str] = []
    params: list[Any] = []
    for branch in branches:
        probe = tickets.filter(branch).order_by(*order).values_list("pk", "next_due_at")[:count]
        sql, probe_params = probe.query.get_compiler(using=tickets.db).as_sql()
        # Each probe a subquery of its own: SQLite allows no LIMIT in the parts of a UNION.
        parts.append(f"SELECT * FROM ({sql}) AS branch_{len(parts)}")  # noqa: S608 - the ORM's SQL
        params.extend(probe_params)
    union = " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pk FROM ({union}) AS page ORDER BY next_due_at IS NULL, next_due_at, pk LIMIT %s",  # noqa: S608 - the ORM's SQL
            [*params, count],
        )
        return [row[0] for row in cursor.fetchall()]


def ticket_get(*, user: User, number: int) -> Ticket:
    """One visible ticket by its number with what its page shows; Ticket.DoesNotExist otherwise."""
    return (
        Ticket.objects.visible_to(user)
        .select_related(
            "queue",
            "assignee",
            "company",
            "company__owner",
            "contact",
            "category",
            "sla_policy",
            "merged_into",
        )
        .get(number=number)
    )


def ticket_messages(ticket: Ticket, *, public_only: bool = False) -> list[TicketMessage]:
    """The ticket's conversation in order, with authors and attachments (two queries)."""
    messages = ticket.messages.select_related("author", "contact").prefetch_related(
        Prefetch("attachments", queryset=TicketAttachment.objects.order_by("id"))
    )
    if public_only:
        messages = messages.filter(public=True)
    return list(messages.order_by("created_at", "id"))


def ticket_events(ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.select_related("actor").order_by("at", "id"))


def ticket_links(ticket: Ticket) -> list[dict[str, Any]]:
    """Links from and to the ticket: the other ticket and how they are linked."""
    links: list[dict[str, Any]] = []
    for link in TicketLink.objects.filter(from_ticket=ticket).select_related("to_ticket"):
        links.append({"kind": link.get_kind_display(), "ticket": link.to_ticket, "outgoing": True})
    for link in TicketLink.objects.filter(to_ticket=ticket).select_related("from_ticket"):
        links.append({"kind": link.get_kind_display(), "ticket": link.from_ticket, "outgoing": False})
    return links


def attachment_get(*, user: User, pk: int) -> TicketAttachment:
    """An attachment of a visible ticket; a portal user only gets those of public messages."""
    from klient.core.models import Role

    attachment = TicketAttachment.objects.select_related("message", "message__ticket").get(
        pk=pk, omitted=False
    )
    ticket = attachment.message.ticket
    if not Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists():
        raise TicketAttachment.DoesNotExist
    if not attachment.message.public and (
        user.role == Role.PORTAL or not user.has_perm("service.view_ticket")
    ):
        raise TicketAttachment.DoesNotExist
    return attachment


def card_tickets(user: User, company: Company) -> dict[str, Any] | None:
    """The client card's tickets: the latest ten (one query); None for a user who may not see tickets."""
    if not user.has_perm("service.view_ticket"):
        return None
    tickets = list(
        Ticket.objects.filter(company=company)
        .select_related("assignee")
        .order_by("-created_at", "-id")[: CARD_TICKETS + 1]
    )
    return {
        "items": tickets[:CARD_TICKETS],
        "more": len(tickets) > CARD_TICKETS,
        "can_add": user.has_perm("service.change_ticket"),
    }


def macros_available() -> list[Macro]:
    """Active macros with their texts (two queries)."""
    return list(Macro.objects.filter(is_active=True).prefetch_related("texts").order_by("name"))


def complaint_list(
    *,
    user: User,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    status: str = "",
) -> QuerySet[Ticket]:
    """Visible complaints opened in the period (by the day they were opened), oldest first."""
    complaints = (
        Ticket.objects.visible_to(user)
        .filter(type=TicketType.COMPLAINT)
        .select_related("company", "assignee")
    )
    if start is not None:
        complaints = complaints.filter(created_at__date__gte=start)
    if end is not None:
        complaints = complaints.filter(created_at__date__lte=end)
    if status == "open":
        from klient.service.models import OPEN_STATUSES

        complaints = complaints.filter(status__in=OPEN_STATUSES)
    elif status:
        complaints = complaints.filter(status=status)
    return complaints.order_by("created_at", "id")
