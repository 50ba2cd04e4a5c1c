"""The ticket list's filter, shared by the queue view and the API: plain values read leniently from a
query string (a value it does not understand filters nothing) and applied to a visible queryset."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from klient.core.models import User
from klient.core.search import fold
from klient.service.models import OPEN_STATUSES, Priority, SlaStatus, Ticket, TicketStatus, TicketType

# `status=open` is every status still to be worked on; `queue=mine` the queues the user is a member of.
OPEN = "open"
MINE = "mine"
# `assignee`: me, nobody, or anyone (left empty); a number is a user's id.
ME = "me"
NOBODY = "none"


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def open_tickets() -> RawSQL:
    """The condition "the ticket is open" with the statuses written out: SQLite reads a partial index (the
    open tickets by queue or assignee in due order) only for a condition it matches to the index's own,
    which statuses passed as parameters are not."""
    table = connection.ops.quote_name(Ticket._meta.db_table)
    statuses = ", ".join(f"'{status}'" for status in OPEN_STATUSES)  # the model's own constants
    return RawSQL(f'{table}."status" IN ({statuses})', [], output_field=BooleanField())  # noqa: S611


@dataclasses.dataclass
class TicketFilter:
    """What a ticket list shows: queue (an id or "mine"), status (one, or "open"), assignee ("me",
    "none", an id), priority, type, category, SLA status, company and words (`q`: the number, subject,
    requester's name or address, company name; case and diacritics ignored)."""

    queue: str = ""
    status: str = ""
    assignee: str = ""
    priority: str = ""
    type: str = ""
    category: int | None = None
    sla_status: str = ""
    company: int | None = None
    q: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, Any], *, defaults: bool = False) -> TicketFilter:
        """The filter a query string asks for; with `defaults`, an empty one is the queue view's own:
        open tickets of the user's queues."""
        asked = any(query.get(name) for name in ("queue", "status", "assignee", "q", "all"))
        if defaults and not asked:
            query = {**{key: query.get(key) for key in query}, "queue": MINE, "status": OPEN}
        queue = str(query.get("queue") or "")
        status = str(query.get("status") or "")
        assignee = str(query.get("assignee") or "")
        return cls(
            queue=queue if queue == MINE or _int(queue) is not None else "",
            status=status if status == OPEN or status in TicketStatus.values else "",
            assignee=assignee if assignee in (ME, NOBODY) or _int(assignee) is not None else "",
            priority=str(query.get("priority") or "") if query.get("priority") in Priority.values else "",
            type=str(query.get("type") or "") if query.get("type") in TicketType.values else "",
            category=_int(query.get("category")),
            sla_status=str(query.get("sla_status") or "")
            if query.get("sla_status") in SlaStatus.values
            else "",
            company=_int(query.get("company")),
            q=str(query.get("q") or "").strip()[:200],
        )

    def apply(self, tickets: QuerySet[Ticket], *, user: User) -> QuerySet[Ticket]:
        """The tickets that pass every condition given."""
        if self.queue == MINE:
            queues = list(user.queue_memberships.values_list("queue_id", flat=True))
            if queues:
                tickets = tickets.filter(queue_id__in=queues)
        elif self.queue:
            tickets = tickets.filter(queue_id=int(self.queue))
        if self.status == OPEN:
            tickets = tickets.filter(open_tickets())
        elif self.status:
            tickets = tickets.filter(status=self.status)
        if self.assignee == ME:
            tickets = tickets.filter(assignee_id=user.pk)
        elif self.assignee == NOBODY:
            tickets = tickets.filter(assignee__isnull=True)
        elif self.assignee:
            tickets = tickets.filter(assignee_id=int(self.assignee))
        if self.priority:
            tickets = tickets.filter(priority=self.priority)
        if self.type:
            tickets = tickets.filter(type=self.type)
        if self.category is not None:
            tickets = tickets.filter(category_id=self.category)
        if self.sla_status:
            tickets = tickets.filter(sla_status=self.sla_status)
        if self.company is not None:
            tickets = tickets.filter(company_id=self.company)
        for word in fold(self.q).split():
            condition = Q(search_text__contains=word) | Q(company__search_text__contains=word)
            if word.removeprefix("t-").isdigit():
                condition |= Q(number=int(word.removeprefix("t-")[:9]))
            tickets = tickets.filter(condition)
        return tickets

    # More branches than this are not worth a probe each: the list is then sorted as a whole.
    MAX_BRANCHES = 40

    def branches(self, *, user: User) -> list[Q] | None:
        """The index ranges the list's rows come from: one per queue and status asked for, the open
        statuses together counting as one (an index holds the open tickets alone); the assignee, when one
        is asked for, leads the index instead of the queue. None when there is one or too many."""
        statuses: list[str] = [self.status] if self.status else []
        if self.assignee in (ME, NOBODY) or _int(self.assignee) is not None:
            queues: list[int | None] = [None]
        elif self.queue == MINE:
            queues = list(user.queue_memberships.values_list("queue_id", flat=True)) or [None]
        else:
            queues = [None]
        if not statuses:
            return None
        conditions = [Q(open_tickets()) if status == OPEN else Q(status=status) for status in statuses]
        branches = [
            condition if queue is None else Q(queue_id=queue) & condition
            for queue in queues
            for condition in conditions
        ]
        return branches if 1 < len(branches) <= self.MAX_BRANCHES else None

    def to_query(self) -> dict[str, str]:
        """The filter as query parameters (empty values left out)."""
        values = {
            name: "" if value is None else str(value) for name, value in dataclasses.asdict(self).items()
        }
        return {name: value for name, value in values.items() if value}
