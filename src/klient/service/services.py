"""State changes of tickets: open one (from mail, the portal, the web form, a phone call or the API),
add the customer's messages, reply (by mail that threads in the customer's client) and write internal
notes, change status, priority, queue, assignee and the complaint fields, claim, merge, split, link,
record time spent, apply a macro. Each writes its events (and audit entry) in the same transaction and
keeps the SLA fields current through klient.service.sla; mail and webhooks leave after the commit."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count, F, Max
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.core.search import search_companies, search_contacts
from klient.customers.models import Company, Contact
from klient.mail.services import language_code, mail_queue, mail_to_user
from klient.service import sla
from klient.service.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Assignment,
    Category,
    Channel,
    EventKind,
    LinkKind,
    LogAddress,
    Macro,
    MessageKind,
    ParticipantRole,
    Priority,
    Queue,
    QueueMember,
    RoutingRule,
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketEvent,
    TicketLink,
    TicketMessage,
    TicketParticipant,
    TicketStatus,
    TicketType,
)
from klient.service.satisfaction import satisfaction_ask
from klient.webhooks.models import WebhookEvent
from klient.webhooks.services import webhook_emit

WORK_PERMISSION = "service.change_ticket"
# Domains of free mail services: a sender there tells nothing about their company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "icloud.com",
        "aol.com", "gmx.de", "gmx.net", "web.de", "mail.ru", "yandex.ru", "ya.ru", "rambler.ru", "bk.ru",
        "list.ru", "inbox.ru", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "qq.com", "163.com", "126.com",
        "sina.com", "proton.me", "protonmail.com",
    }
)  # fmt: skip


@dataclass
class FileInput:
    """A file to keep with a message: its name, bytes and type; `content_id` for an inline image, or
    `omitted` (with its size) when it was over the size limit and only a note of it is kept."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    content_id: str = ""
    inline: bool = False
    omitted: bool = False
    size: int | None = None


@dataclass
class MessageInput:
    """A message as it came in (by mail, the portal, the web form, a phone call or the API)."""

    kind: str
    body_text: str
    sender_email: str = ""
    sender_name: str = ""
    subject: str = ""
    body_html: str = ""
    display_text: str = ""
    to: str = ""
    cc: list[str] = field(default_factory=list)
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    threading: str = ""
    is_automatic: bool = False
    public: bool = True
    files: Sequence[FileInput] = ()
    inbound_id: int | None = None
    created_at: datetime.datetime | None = None


# --- who may do what --------------------------------------------------------------------------------------


def can_work(user: User) -> bool:
    return bool(user.is_active and user.has_perm(WORK_PERMISSION))


def _may_work(actor: User) -> None:
    if not can_work(actor):
        raise NotAllowed(_("You may not work on tickets."))


def ticket_require_visible(*, user: User, ticket: Ticket) -> None:
    if not Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists():
        raise Ticket.DoesNotExist


# --- matching and routing -----------------------------------------------------------------------------------


def normal_email(address: str) -> str:
    return address.strip().lower()


# What matching a sender reads of their contact and company (a ticket's language, routing, SLA conditions,
# the key account's manager): reading all of both, ~75 columns, took a tenth of a message's intake. Any
# other field is read when first used.
MATCH_FIELDS = (
    "id", "company_id", "email", "other_emails", "language", "first_name", "middle_name", "last_name",
    "updated_at",
    "company__id", "company__name", "company__is_key_account", "company__owner_id",
    "company__document_language",
)  # fmt: skip


def contact_for_email(email: str) -> Contact | None:
    """The contact with this address (the most recently changed one when several have it): by the
    contact's email (stored lower-cased, indexed), else among their other addresses, found through the
    search index rather than a scan of every contact."""
    email = normal_email(email)
    if not email or "@" not in email:
        return None
    contacts = Contact.objects.select_related("company").only(*MATCH_FIELDS)
    contact = contacts.filter(email=email).order_by("-updated_at", "-id").first()
    if contact is not None:
        return contact
    candidates = search_contacts(contacts.exclude(other_emails=[]), email)
    matching = [candidate for candidate in candidates[:50] if email in candidate.other_emails]
    return max(matching, key=lambda c: (c.updated_at, c.pk)) if matching else None


def company_for_email(email: str) -> Company | None:
    """The company whose website or email domain is the address's domain (none for free-mail domains)."""
    domain = normal_email(email).rpartition("@")[2]
    if not domain or domain in FREE_MAIL_DOMAINS:
        return None
    company = Company.objects.filter(website_domain=domain).order_by("id").first()
    if company is not None:
        return company
    candidates = search_companies(Company.objects.exclude(email=""), domain).order_by("id")[:50]
    return next((c for c in candidates if c.email.endswith(f"@{domain}")), None)


def match_requester(email: str) -> tuple[Company | None, Contact | None]:
    """The requester's company and contact: by address first, then by the address's domain."""
    contact = contact_for_email(email)
    if contact is not None:
        return contact.company, contact
    return company_for_email(email), None


class Desk:
    """The desk's setup as routing and mail intake read it for one message: every queue (one query), and
    when first asked for, the log addresses and the active routing rules. Read afresh for each message, so
    a change an administrator makes applies to the next one; a message then costs one to three queries
    for it instead of six."""

    def __init__(self) -> None:
        self.queues = list(Queue.objects.order_by("id"))

    @functools.cached_property
    def log_addresses(self) -> dict[str, bool]:
        """Every log address, with whether it is active."""
        return dict(LogAddress.objects.values_list("email", "is_active"))

    @functools.cached_property
    def rules(self) -> list[RoutingRule]:
        active = {queue.pk: queue for queue in self.queues if queue.is_active}
        rules = [rule for rule in RoutingRule.objects.filter(is_active=True) if rule.queue_id in active]
        for rule in rules:
            rule.queue = active[rule.queue_id]
        return rules

    @functools.cached_property
    def ours(self) -> frozenset[str]:
        """The desk's own addresses (the queues', the sender of our mail, the log addresses): never a
        requester, never sent an acknowledgement, so no mail loop starts."""
        ours = {normal_email(parseaddr(settings.DEFAULT_FROM_EMAIL)[1])}
        ours.update(normal_email(queue.email) for queue in self.queues if queue.email)
        ours.update(normal_email(email) for email in self.log_addresses)
        return frozenset(ours)

    def active_log_addresses(self, recipients: Iterable[str]) -> list[str]:
        return sorted({address for address in recipients if self.log_addresses.get(address)})

    def named(self, name: str) -> Queue | None:
        name = name.casefold()
        return next((q for q in self.queues if q.is_active and q.name.casefold() == name), None)

    def default_queue(self) -> Queue:
        """The default queue (made again if an administrator removed every queue)."""
        active = [queue for queue in self.queues if queue.is_active]
        queue = next((q for q in active if q.is_default), None) or next(iter(active), None)
        if queue is None:
            queue = Queue.objects.create(name=_("Support"), is_default=True)
            self.queues.append(queue)
        return queue


def _rule_holds(
    rule: RoutingRule,
    *,
    recipients: Iterable[str],
    category: Category | None,
    company: Company | None,
    language: str,
) -> bool:
    if rule.recipient and normal_email(rule.recipient) not in {normal_email(r) for r in recipients}:
        return False
    if rule.category_id and (category is None or category.pk != rule.category_id):
        return False
    if rule.company_id and (company is None or company.pk != rule.company_id):
        return False
    if rule.key_account and (company is None or not company.is_key_account):
        return False
    return not (rule.language and rule.language != language)


def route(
    *,
    recipients: Iterable[str] = (),
    category: Category | None = None,
    company: Company | None = None,
    language: str = "",
    queue_name: str = "",
    desk: Desk | None = None,
) -> tuple[Queue, str, str]:
    """Where a new ticket goes: (queue, priority to set or "", why). A queue asked for by name (mailgate
    --queue) wins; then the first rule that holds; then the queue whose address the mail was sent to;
    then the default queue."""
    desk = desk or Desk()
    recipients = list(recipients)
    if queue_name:
        named = desk.named(queue_name)
        if named is not None:
            return named, "", f"queue {named.name} asked for"
    for rule in desk.rules:
        if _rule_holds(rule, recipients=recipients, category=category, company=company, language=language):
            return rule.queue, rule.set_priority, f"rule {rule.name}"
    addresses = {normal_email(r) for r in recipients}
    if addresses:
        for queue in sorted(desk.queues, key=lambda queue: queue.name):
            if queue.is_active and queue.email and normal_email(queue.email) in addresses:
                return queue, "", f"sent to {queue.email}"
    return desk.default_queue(), "", "default queue"


def _available_members(queue: Queue, today: datetime.date) -> list[QueueMember]:
    from klient.core.models import Delegation

    absent = Delegation.objects.filter(
        starts_on__lte=today, ends_on__gte=today, cancelled_at__isnull=True
    ).values_list("absent_user_id", flat=True)
    return list(
        QueueMember.objects.filter(queue=queue, is_available=True, user__is_active=True)
        .exclude(user_id__in=absent)
        .select_related("user")
        .order_by(F("last_assigned_at").asc(nulls_first=True), "id")
    )


def allocate(ticket: Ticket, *, now: datetime.datetime) -> User | None:
    """The member a new ticket goes to under its queue's assignment (absent members, on leave with a
    deputy named, are passed over); None when the queue's members claim tickets themselves."""
    queue = ticket.queue
    if queue.assignment == Assignment.MANUAL:
        return None
    members = _available_members(queue, timezone.localdate(now))
    if not members:
        return None
    if queue.assignment == Assignment.LEAST_LOADED:
        loads = dict(
            Ticket.objects.filter(assignee__in=[m.user_id for m in members], status__in=OPEN_STATUSES)
            .values("assignee")
            .annotate(n=Count("id"))
            .values_list("assignee", "n")
        )
        # Equal loads: whoever has waited longest for a ticket (never given one: first).
        never = datetime.datetime.min.replace(tzinfo=datetime.UTC)
        chosen = min(members, key=lambda m: (loads.get(m.user_id, 0), m.last_assigned_at or never, m.pk))
    else:
        chosen = members[0]
    QueueMember.objects.filter(pk=chosen.pk).update(last_assigned_at=now)
    return chosen.user


# --- writing -------------------------------------------------------------------------------------------------


def _next_number() -> int:
    """The next ticket number, counted up and read in one statement (the row stays locked to the end of
    the transaction, so numbers are never given twice)."""
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE name = %s RETURNING last", ["ticket"])  # noqa: S608 - the table's own name
        row = cursor.fetchone()
    if row is None:  # the counter was removed: go on after the highest number given
        highest = Ticket.objects.aggregate(highest=Max("number"))["highest"] or 1000
        TicketCounter.objects.create(name="ticket", last=highest)
        return _next_number()
    return int(row[0])


def event(
    ticket: Ticket, kind: str, *, actor: User | None = None, at: datetime.datetime | None = None, **data: Any
) -> TicketEvent:
    """Record that something happened to the ticket."""
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor, at=at or timezone.now(), data=data
    )


def _participant(
    ticket: Ticket,
    email: str,
    name: str = "",
    role: str = ParticipantRole.CC,
    *,
    contact: Contact | None = None,
) -> None:
    """Add an address to the ticket's participants once; `contact` when already known for it."""
    email = normal_email(email)
    if not email or "@" not in email:
        return
    if contact is None or contact.email != email:
        contact = contact_for_email(email)
    TicketParticipant.objects.get_or_create(
        ticket=ticket, email=email, defaults={"name": name[:200], "contact": contact, "role": role}
    )


def _save_files(message: TicketMessage, files: Sequence[FileInput]) -> None:
    for item in files:
        attachment = TicketAttachment(
            message=message,
            filename=(item.filename or "attachment")[:255],
            content_type=item.content_type[:100],
            size=item.size if item.size is not None else len(item.content),
            content_id=item.content_id[:255],
            inline=item.inline,
            omitted=item.omitted,
        )
        if not item.omitted:
            attachment.file.save(attachment.filename, ContentFile(item.content), save=False)
        attachment.save()


def _add_message(
    ticket: Ticket, data: MessageInput, *, author: User | None = None, contact: Contact | None = None
) -> TicketMessage:
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=data.kind,
        public=data.public,
        author=author,
        contact=contact,
        sender_email=normal_email(data.sender_email)[:254],
        sender_name=data.sender_name[:200],
        to=data.to,
        cc=", ".join(data.cc),
        subject=data.subject[:255],
        body_text=data.body_text,
        body_html=data.body_html,
        display_text=data.display_text or data.body_text,
        message_id=data.message_id[:255],
        in_reply_to=data.in_reply_to[:255],
        references=data.references,
        threading=data.threading[:200],
        is_automatic=data.is_automatic,
        inbound_id=data.inbound_id,
        created_at=data.created_at or timezone.now(),
    )
    _save_files(message, data.files)
    return message


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    """A ticket as the API shows it and webhooks carry it (JSON-ready: times as ISO 8601 strings)."""
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "type": ticket.type,
        "queue": ticket.queue.name,
        "assignee": ticket.assignee_id,
        "company": ticket.company_id,
        "contact": ticket.contact_id,
        "channel": ticket.channel,
        "created_at": _iso(ticket.created_at),
        "first_response_due": _iso(ticket.first_response_due),
        "resolution_due": _iso(ticket.resolution_due),
        "first_responded_at": _iso(ticket.first_responded_at),
        "resolved_at": _iso(ticket.resolved_at),
        "sla_status": ticket.sla_status,
    }


def ticket_url(ticket: Ticket) -> str:
    """The ticket's page as an absolute URL. Written out rather than reversed: reversing loads every URL
    and the whole API on first use, a second or two that `klient mailgate`, one process per message,
    would pay for each key account's new ticket (a test keeps it equal to the URL pattern)."""
    return f"{settings.BASE_URL.rstrip('/')}/service/tickets/{ticket.number}/"


def _tell_key_account_manager(ticket: Ticket) -> None:
    company = ticket.company
    if company is None or not company.is_key_account or company.owner is None or not company.owner.email:
        return
    owner = company.owner
    with translation.override(language_code(owner.language)):
        subject = _("New ticket %(reference)s from %(company)s: %(subject)s") % {
            "reference": ticket.reference,
            "company": company.name,
            "subject": ticket.subject,
        }
        body = _("%(company)s, a key account of yours, has opened a ticket:\n\n%(subject)s\n%(url)s\n") % {
            "company": company.name,
            "subject": ticket.subject,
            "url": ticket_url(ticket),
        }
    mail_to_user(user=owner, subject=subject, body=body, key=f"ticket-kam:{ticket.pk}")


def ticket_open_within(
    *,
    message: MessageInput,
    actor: User | None = None,
    subject: str = "",
    channel: str = Channel.EMAIL,
    company: Company | None = None,
    contact: Contact | None = None,
    queue: Queue | None = None,
    queue_name: str = "",
    type: str = TicketType.QUESTION,
    priority: str = "",
    category: Category | None = None,
    language: str = "",
    created_at: datetime.datetime | None = None,
    routing_reason: str = "",
) -> Ticket:
    """Open a ticket with its first message. The requester is the message's sender: their company and
    contact are matched from the address unless given; the queue comes from routing unless given; the
    SLA policy and due times are set, the ticket is allocated under its queue's assignment, the key
    account's manager is told, and `ticket.created` goes out after the commit.

    As `ticket_open`, within the caller's transaction without a savepoint of its own: for mail intake,
    whose one transaction is rolled back whole on any error."""
    if actor is not None and channel != Channel.EMAIL:
        _may_work_or_portal(actor)
    subject = " ".join((subject or message.subject).split())[:255] or _("(no subject)")
    if company is None and contact is None and message.sender_email:
        company, contact = match_requester(message.sender_email)
    elif contact is not None and company is None:
        company = contact.company
    if contact is not None and company is not None and contact.company_id != company.pk:
        raise ValidationError({"contact": _("The contact is not of this company.")})
    language = language_code(
        language
        or (contact.language if contact and contact.language else "")
        or (company.document_language if company else "")
    )
    set_priority = ""
    if queue is None:
        recipients = [message.to, *message.cc]
        queue, set_priority, routing_reason = route(
            recipients=[r for r in recipients if r],
            category=category,
            company=company,
            language=language,
            queue_name=queue_name,
        )
    if type not in TicketType.values:
        raise ValidationError({"type": _("Unknown ticket type.")})
    priority = priority or set_priority or Priority.NORMAL
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")})
    now = timezone.now()
    created_at = created_at or message.created_at or now
    ticket = Ticket(
        number=_next_number(),
        subject=subject,
        type=type,
        priority=priority,
        category=category,
        queue=queue,
        channel=channel,
        company=company,
        contact=contact,
        requester_email=normal_email(message.sender_email)[:254],
        requester_name=message.sender_name[:200],
        language=language,
        created_by=actor if actor is not None and can_work(actor) else None,
        is_automatic=message.is_automatic,
        created_at=created_at,
        updated_at=now,
        last_customer_message_at=created_at if message.public and message.kind != MessageKind.PHONE else None,
    )
    if message.kind == MessageKind.PHONE:
        ticket.last_customer_message_at = created_at
    # Allocated, under its SLA and indexed before the one write; the events follow in one statement.
    events = [
        TicketEvent(
            kind=EventKind.CREATED,
            actor=actor,
            at=created_at,
            data={"channel": channel, "queue": queue.pk, "routing": routing_reason},
        )
    ]
    assignee = allocate(ticket, now=now)
    if assignee is not None:
        ticket.assignee = assignee
        events.append(
            TicketEvent(kind=EventKind.ASSIGNED, at=now, data={"to": assignee.pk, "by": "allocation"})
        )
    events += sla.sla_compute(ticket, now=now, policies=sla.Policies.current(), actor=actor, reason="created")
    _index(ticket)
    ticket.save()
    for item in events:
        item.ticket = ticket
    TicketEvent.objects.bulk_create(events)
    requester = normal_email(message.sender_email)
    if "@" in requester:  # a new ticket has no participants yet: no lookups before writing them
        TicketParticipant.objects.create(
            ticket=ticket,
            email=requester,
            name=message.sender_name[:200],
            contact=contact
            if contact is not None and contact.email == requester
            else contact_for_email(requester),
            role=ParticipantRole.REQUESTER,
        )
    for address in dict.fromkeys(normal_email(a) for a in message.cc):
        if address != requester:
            _participant(ticket, address)
    author = (
        actor
        if actor is not None and message.kind in (MessageKind.PHONE, MessageKind.API) and can_work(actor)
        else None
    )
    message.threading = message.threading or "new ticket"
    _add_message(ticket, message, author=author, contact=contact)
    audit_log(instance=ticket, action=AuditAction.CREATE, actor=actor, changes={})
    webhook_emit(
        event=WebhookEvent.TICKET_CREATED, payload=ticket_payload(ticket), key=f"ticket.created:{ticket.pk}"
    )
    if not ticket.is_automatic:
        _tell_key_account_manager(ticket)
    return ticket


ticket_open = transaction.atomic(ticket_open_within)
"""Open a ticket with its first message (see ticket_open_within), in a transaction of its own."""


def _may_work_or_portal(actor: User) -> None:
    from klient.core.models import Role

    if actor.role == Role.PORTAL:
        return
    _may_work(actor)


def _locked(ticket: Ticket, version: int | None = None) -> Ticket:
    current = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue", "company", "contact")
        .get(pk=ticket.pk)
    )
    if version is not None and current.version != version:
        raise VersionConflict(current.version)
    return current


def _index(ticket: Ticket) -> None:
    """Keep the queue view's order (the earliest due time) and the search words current."""
    ticket.next_due_at = ticket.earliest_due()
    ticket.search_text = ticket.search_words()


def _save(current: Ticket, before: dict[str, Any], actor: User | None) -> Ticket:
    changes = diff(before, snapshot(current, Ticket.AUDITED_FIELDS))
    _index(current)
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    if changes:
        audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current


def _set_status(current: Ticket, status: str, *, actor: User | None, now: datetime.datetime) -> None:
    """Move the ticket to `status`, stamping resolution and closure and recording the event."""
    previous = current.status
    if previous == status:
        return
    current.status = status
    if status == TicketStatus.RESOLVED:
        current.resolved_at = now
        event(current, EventKind.RESOLVED, actor=actor, at=now, **{"from": previous})
        webhook_emit(
            event=WebhookEvent.TICKET_RESOLVED,
            payload=ticket_payload(current),
            key=f"ticket.resolved:{current.pk}:{current.version}",
        )
        satisfaction_ask(current, now=now)
    elif status == TicketStatus.CLOSED:
        current.closed_at = now
        current.resolved_at = current.resolved_at or now
        event(current, EventKind.CLOSED, actor=actor, at=now, **{"from": previous})
    elif previous in DONE_STATUSES:
        current.reopened_count += 1
        current.resolved_at = None
        current.closed_at = None
        event(current, EventKind.REOPENED, actor=actor, at=now, **{"from": previous, "to": status})
    else:
        event(current, EventKind.STATUS, actor=actor, at=now, **{"from": previous, "to": status})


@transaction.atomic
def customer_message_add(
    *, ticket: Ticket, message: MessageInput, contact: Contact | None = None
) -> TicketMessage:
    """Add the customer's message (mail, portal, web form) to their ticket. A ticket waiting for the
    customer opens again; a resolved one reopens; an automatic message (out-of-office, bounce) is only
    kept: it never reopens a ticket or moves its clock."""
    return customer_message_add_within(current=_locked(ticket), message=message, contact=contact)


def customer_message_add_within(
    *, current: Ticket, message: MessageInput, contact: Contact | None = None
) -> TicketMessage:
    """As `customer_message_add`, to a ticket the caller has locked (select_for_update, with its queue,
    company and contact), within the caller's transaction without a savepoint of its own."""
    now = message.created_at or timezone.now()  # a message of migrated history keeps its time
    if contact is None and message.sender_email:
        contact = contact_for_email(message.sender_email)
    added = _add_message(current, message, contact=contact)
    before = snapshot(current, Ticket.AUDITED_FIELDS)
    if message.is_automatic:
        current.updated_at = now
        current.save(update_fields=["updated_at"])
        return added
    for address in message.cc:
        _participant(current, address)
    current.last_customer_message_at = added.created_at
    event(current, EventKind.CUSTOMER_REPLIED, at=now, message=added.pk)
    if current.status in (TicketStatus.PENDING_CUSTOMER, TicketStatus.RESOLVED, TicketStatus.CLOSED):
        _set_status(current, TicketStatus.OPEN, actor=None, now=now)
    sla.ticket_sla_update(current, now=now, reason="customer replied")
    _save(current, before, None)
    return added


@transaction.atomic
def ticket_close_by_customer(*, ticket: Ticket, actor: User | None) -> Ticket:
    """The customer closes their ticket (in the portal): it needs nothing more from the desk. The caller
    has checked that the customer may (klient.service.portal)."""
    current = _locked(ticket)
    if current.status == TicketStatus.CLOSED:
        return current
    before = snapshot(current, Ticket.AUDITED_FIELDS)
    now = timezone.now()
    _set_status(current, TicketStatus.CLOSED, actor=actor, now=now)
    sla.ticket_sla_update(current, now=now, actor=actor, reason="closed by the customer")
    return _save(current, before, actor)


def _reply_subject(ticket: Ticket) -> str:
    tag = f"[{ticket.reference}]"
    subject = ticket.subject
    return f"Re: {tag} {subject}" if tag not in subject else f"Re: {subject}"


def _thread_headers(ticket: Ticket) -> dict[str, str]:
    """In-Reply-To and References for a reply: the latest public message with a Message-ID, and the chain."""
    ids = list(
        TicketMessage.objects.filter(ticket=ticket, public=True)
        .exclude(message_id="")
        .order_by("created_at", "id")
        .values_list("message_id", flat=True)
    )
    if not ids:
        return {}
    return {"In-Reply-To": ids[-1], "References": " ".join(ids[-10:])}


def _recipients(ticket: Ticket) -> tuple[str, str, list[str]]:
    participants = list(ticket.participants.order_by("id"))
    requester = next((p for p in participants if p.role == ParticipantRole.REQUESTER), None)
    if requester is None and participants:
        requester = participants[0]
    if requester is None:
        email = ticket.contact.email if ticket.contact and ticket.contact.email else ""
        return normal_email(email), ticket.contact.full_name if ticket.contact else "", []
    cc = [p.email for p in participants if p is not requester]
    return requester.email, requester.name, cc


def mail_from_address(ticket: Ticket) -> str:
    """The address replies go out from: the queue's, else the default sender."""
    from django.conf import settings

    return (
        formataddr((str(ticket.queue.name), ticket.queue.email))
        if ticket.queue.email
        else settings.DEFAULT_FROM_EMAIL
    )


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    actor: User,
    body: str,
    status: str = "",
    files: Sequence[FileInput] = (),
    version: int | None = None,
    at: datetime.datetime | None = None,
) -> TicketMessage:
    """An agent's public reply: kept on the ticket and mailed to the requester (those in copy in copy)
    with the ticket's tag in the subject and In-Reply-To/References, so it threads in their mail client.
    The first public reply stops the first-response clock. `status` (by default pending customer) is
    where the ticket goes after it. `at` dates a reply of migrated history (and the demo's)."""
    _may_work(actor)
    ticket_require_visible(user=actor, ticket=ticket)
    if not body.strip():
        raise ValidationError({"body": _("Write the reply.")})
    current = _locked(ticket, version)
    before = snapshot(current, Ticket.AUDITED_FIELDS)
    now = at or timezone.now()
    to_email, to_name, cc = _recipients(current)
    message = _add_message(
        current,
        MessageInput(
            kind=MessageKind.REPLY,
            body_text=body,
            subject=_reply_subject(current),
            sender_email=actor.email,
            sender_name=actor.get_full_name() or actor.username,
            to=to_email,
            cc=cc,
            files=files,
            created_at=now,
        ),
        author=actor,
    )
    if to_email:
        outbox = mail_queue(
            key=f"ticket-reply:{message.pk}",
            to_email=to_email,
            to_name=to_name,
            cc=cc,
            subject=message.subject,
            body=body,
            from_email=mail_from_address(current),
            reply_to=current.queue.email,
            headers=_thread_headers(current),
            language=current.language,
            sender=actor,
            contact=current.contact,
            company=current.company,
            attachments=[(f.filename, f.content, f.content_type) for f in files if not f.omitted],
        )
        TicketMessage.objects.filter(pk=message.pk).update(outbox=outbox, message_id=outbox.message_id)
        message.message_id = outbox.message_id
    if current.first_responded_at is None:
        current.first_responded_at = now
        event(current, EventKind.FIRST_RESPONSE, actor=actor, at=now, message=message.pk)
    current.last_agent_reply_at = now
    event(current, EventKind.REPLIED, actor=actor, at=now, message=message.pk)
    if current.assignee_id is None:
        current.assignee = actor
        event(current, EventKind.ASSIGNED, actor=actor, at=now, to=actor.pk, by="reply")
    target = status or TicketStatus.PENDING_CUSTOMER
    if target not in TicketStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    _set_status(current, target, actor=actor, now=now)
    sla.ticket_sla_update(current, now=now, actor=actor, reason="replied")
    _save(current, before, actor)
    return message


@transaction.atomic
def ticket_note(*, ticket: Ticket, actor: User, body: str, files: Sequence[FileInput] = ()) -> TicketMessage:
    """An internal note: kept on the ticket for the team, never sent, never seen by the customer."""
    _may_work(actor)
    ticket_require_visible(user=actor, ticket=ticket)
    if not body.strip():
        raise ValidationError({"body": _("Write the note.")})
    current = _locked(ticket)
    message = _add_message(
        current,
        MessageInput(
            kind=MessageKind.NOTE,
            public=False,
            body_text=body,
            sender_email=actor.email,
            sender_name=actor.get_full_name() or actor.username,
            files=files,
        ),
        author=actor,
    )
    Ticket.objects.filter(pk=current.pk).update(updated_at=timezone.now())
    return message


UPDATABLE = {
    "subject", "type", "priority", "category", "queue", "assignee", "status", "company", "contact", "language",
    "root_cause", "corrective_action", "compensation", "complaint_due",
}  # fmt: skip


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor: User,
    version: int | None = None,
    at: datetime.datetime | None = None,
    **data: Any,
) -> Ticket:
    """Change a ticket's fields (subject, type, priority, category, queue, assignee, status, company,
    contact, language, complaint fields). Status, priority, queue and assignee changes are recorded as
    events; the SLA is recomputed for changes of priority, queue, type, company or status. `at` dates a
    change of migrated history (and the demo's)."""
    _may_work(actor)
    ticket_require_visible(user=actor, ticket=ticket)
    unknown = set(data) - UPDATABLE
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    current = _locked(ticket, version)
    before = snapshot(current, Ticket.AUDITED_FIELDS)
    now = at or timezone.now()
    errors: dict[str, str] = {}
    if "type" in data and data["type"] not in TicketType.values:
        errors["type"] = _("Unknown ticket type.")
    if "priority" in data and data["priority"] not in Priority.values:
        errors["priority"] = _("Unknown priority.")
    if "status" in data and data["status"] not in TicketStatus.values:
        errors["status"] = _("Unknown status.")
    if "subject" in data and not " ".join(str(data["subject"]).split()):
        errors["subject"] = _("Give the ticket a subject.")
    assignee = data.get("assignee")
    if assignee is not None and not (assignee.is_active and assignee.has_perm(WORK_PERMISSION)):
        errors["assignee"] = _("%(name)s does not work on tickets.") % {"name": assignee}
    contact = data.get("contact", current.contact)
    company = data.get("company", current.company)
    if contact is not None and company is not None and contact.company_id != company.pk:
        errors["contact"] = _("The contact is not of this company.")
    if errors:
        raise ValidationError(errors)
    status = data.pop("status", None)
    for name, value in data.items():
        if name == "subject":
            value = " ".join(str(value).split())[:255]
        setattr(current, name, value)
    if "priority" in data and before["priority"] != current.priority:
        event(
            current,
            EventKind.PRIORITY,
            actor=actor,
            at=now,
            **{"from": before["priority"], "to": current.priority},
        )
    if "queue" in data and before["queue"] != current.queue_id:
        event(
            current, EventKind.QUEUE, actor=actor, at=now, **{"from": before["queue"], "to": current.queue_id}
        )
    if "assignee" in data and before["assignee"] != current.assignee_id:
        event(current, EventKind.ASSIGNED, actor=actor, at=now, to=current.assignee_id, by="agent")
    if status is not None:
        _set_status(current, status, actor=actor, now=now)
    changes = diff(before, snapshot(current, Ticket.AUDITED_FIELDS))
    if not changes:
        return current
    sla.ticket_sla_update(current, now=now, actor=actor, reason="changed")
    return _save(current, before, actor)


@transaction.atomic
def ticket_claim(*, ticket: Ticket, actor: User) -> Ticket:
    """Take an unassigned ticket: refused when someone else has it already."""
    _may_work(actor)
    ticket_require_visible(user=actor, ticket=ticket)
    current = _locked(ticket)
    if current.assignee_id not in (None, actor.pk):
        raise ValidationError(
            {"assignee": _("%(name)s has this ticket already.") % {"name": current.assignee}}
        )
    if current.assignee_id == actor.pk:
        return current
    before = snapshot(current, Ticket.AUDITED_FIELDS)
    current.assignee = actor
    event(current, EventKind.ASSIGNED, actor=actor, to=actor.pk, by="claim")
    if current.status == TicketStatus.NEW:
        _set_status(current, TicketStatus.OPEN, actor=actor, now=timezone.now())
    return _save(current, before, actor)


@transaction.atomic
def time_spent_add(*, ticket: Ticket, actor: User, minutes: int, note: str = "") -> Ticket:
    """Record time an agent spent on the ticket."""
    _may_work(actor)
    ticket_require_visible(user=actor, ticket=ticket)
    if not 0 < minutes <= 24 * 60:
        raise ValidationError({"minutes": _("Give the minutes spent, 1 to 1440.")})
    current = _locked(ticket)
    Ticket.objects.filter(pk=current.pk).update(time_spent_minutes=F("time_spent_minutes") + minutes)
    event(current, EventKind.TIME_SPENT, actor=actor, minutes=minutes, note=note[:200])
    current.refresh_from_db()
    return current


@transaction.atomic
def ticket_link(
    *, ticket: Ticket, other: Ticket, actor: User | None, kind: str = LinkKind.RELATED
) -> TicketLink:
    """Link two tickets (once per kind)."""
    if actor is not None:
        _may_work(actor)
        ticket_require_visible(user=actor, ticket=ticket)
        ticket_require_visible(user=actor, ticket=other)
    if ticket.pk == other.pk:
        raise ValidationError({"ticket": _("A ticket is not linked to itself.")})
    if kind not in LinkKind.values:
        raise ValidationError({"kind": _("Unknown kind of link.")})
    link, _made = TicketLink.objects.get_or_create(
        from_ticket=ticket, to_ticket=other, kind=kind, defaults={"created_by": actor}
    )
    return link


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, actor: User) -> Ticket:
    """Merge `source` into `target`: its messages, participants and links move there, it is closed with
    `merged_into` set (mail threaded to it later arrives on the target)."""
    _may_work(actor)
    ticket_require_visible(user=actor, ticket=source)
    ticket_require_visible(user=actor, ticket=target)
    if source.pk == target.pk:
        raise ValidationError({"target": _("A ticket is not merged into itself.")})
    first, second = sorted([source.pk, target.pk])
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update(of=("self",))
        .filter(pk__in=[first, second])
        .select_related("queue")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.merged_into_id is not None:
        raise ValidationError(
            {"source": _("%(reference)s was merged already.") % {"reference": source.reference}}
        )
    if target.merged_into_id is not None:
        raise ValidationError(
            {"target": _("%(reference)s was merged into another ticket.") % {"reference": target.reference}}
        )
    now = timezone.now()
    TicketMessage.objects.filter(ticket=source).update(ticket=target)
    for participant in source.participants.all():
        _participant(target, participant.email, participant.name)
    before = snapshot(source, Ticket.AUDITED_FIELDS)
    source.merged_into = target
    _set_status(source, TicketStatus.CLOSED, actor=actor, now=now)
    event(source, EventKind.MERGED, actor=actor, at=now, into=target.number)
    sla.ticket_sla_update(source, now=now, actor=actor, reason="merged")
    _save(source, before, actor)
    target_before = snapshot(target, Ticket.AUDITED_FIELDS)
    event(target, EventKind.MERGED, actor=actor, at=now, merged=source.number)
    return _save(target, target_before, actor)


@transaction.atomic
def ticket_split(*, ticket: Ticket, message: TicketMessage, actor: User, subject: str = "") -> Ticket:
    """Move one customer message to a new ticket of its sender, linked to the old one as split from it
    (a second question asked in a reply)."""
    _may_work(actor)
    ticket_require_visible(user=actor, ticket=ticket)
    if message.ticket_id != ticket.pk:
        raise ValidationError({"message": _("The message is not on this ticket.")})
    if not message.public or message.kind in (MessageKind.REPLY, MessageKind.NOTE):
        raise ValidationError({"message": _("Only a customer's message is split off.")})
    if ticket.messages.order_by("created_at", "id").first() == message:
        raise ValidationError({"message": _("The first message is the ticket itself.")})
    current = _locked(ticket)
    now = timezone.now()
    new = Ticket.objects.create(
        number=_next_number(),
        subject=" ".join((subject or message.subject or current.subject).split())[:255],
        type=current.type,
        priority=current.priority,
        category=current.category,
        queue=current.queue,
        channel=current.channel,
        company=current.company,
        contact=message.contact or current.contact,
        requester_email=message.sender_email,
        requester_name=message.sender_name,
        language=current.language,
        created_by=actor,
        created_at=message.created_at,
        updated_at=now,
        last_customer_message_at=message.created_at,
    )
    TicketMessage.objects.filter(pk=message.pk).update(
        ticket=new, threading=f"split from {current.reference}"
    )
    if message.sender_email:
        _participant(new, message.sender_email, message.sender_name, ParticipantRole.REQUESTER)
    event(
        new, EventKind.CREATED, actor=actor, at=now, channel=new.channel, queue=new.queue_id, routing="split"
    )
    event(current, EventKind.SPLIT, actor=actor, at=now, into=new.number)
    TicketLink.objects.create(from_ticket=new, to_ticket=current, kind=LinkKind.SPLIT_FROM, created_by=actor)
    sla.ticket_sla_update(new, now=now, actor=actor, reason="split")
    _index(new)
    new.save()
    audit_log(instance=new, action=AuditAction.CREATE, actor=actor, changes={})
    return new


# --- macros ----------------------------------------------------------------------------------------------


def macro_context(ticket: Ticket, agent: User) -> dict[str, Any]:
    return {
        "ticket": {
            "number": ticket.number,
            "reference": ticket.reference,
            "subject": ticket.subject,
            "url": ticket_url(ticket),
        },
        "contact": {
            "name": ticket.contact.full_name if ticket.contact else ticket.requester_name,
            "email": ticket.requester_email,
        },
        "company": {"name": ticket.company.name if ticket.company else ""},
        "agent": {"name": agent.get_full_name() or agent.username, "email": agent.email},
    }


def macro_text(*, macro: Macro, ticket: Ticket, agent: User) -> str:
    """The macro's reply in the ticket's language (else English, else its first text), variables filled."""
    texts = {t.language: t.body for t in macro.texts.all()}
    body = texts.get(ticket.language) or texts.get("en") or next(iter(texts.values()), "")
    try:
        return Template(body).render(Context(macro_context(ticket, agent), autoescape=False))
    except TemplateSyntaxError as error:
        raise ValidationError(
            {"macro": _("The macro's text is not valid: %(error)s") % {"error": error}}
        ) from error


def macro_fields(*, macro: Macro, actor: User) -> dict[str, Any]:
    """The ticket fields a macro sets, as ticket_update takes them."""
    from klient.core.models import User as UserModel

    fields: dict[str, Any] = {}
    for name, value in (macro.actions or {}).items():
        if name in ("status", "priority", "type"):
            fields[name] = value
        elif name == "category":
            fields[name] = Category.objects.filter(pk=value).first()
        elif name == "queue":
            queue = Queue.objects.filter(pk=value).first()
            if queue is None:
                raise ValidationError(
                    {"macro": _("The macro's queue %(queue)s does not exist.") % {"queue": value}}
                )
            fields[name] = queue
        elif name == "assignee":
            fields[name] = actor if value == "me" else UserModel.objects.filter(pk=value).first()
    return fields


@transaction.atomic
def macro_apply(
    *,
    ticket: Ticket,
    macro: Macro,
    actor: User,
    body: str = "",
    send: bool = True,
    public: bool = True,
    status: str = "",
    files: Sequence[FileInput] = (),
    version: int | None = None,
) -> Ticket:
    """Apply a macro: send its reply (or `body`, the agent's edit of it) as a public reply or an internal
    note, and set its fields; `status` chosen by the agent wins over the macro's."""
    _may_work(actor)
    fields = macro_fields(macro=macro, actor=actor)
    status = status or fields.pop("status", "")
    fields.pop("status", None)
    text = body or macro_text(macro=macro, ticket=ticket, agent=actor)
    if send and text.strip() and public:
        ticket_reply(ticket=ticket, actor=actor, body=text, status=status, files=files, version=version)
    else:
        if send and text.strip():
            ticket_note(ticket=ticket, actor=actor, body=text, files=files)
        if status:
            fields["status"] = status
    if fields:
        ticket = ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), actor=actor, **fields)
    return Ticket.objects.get(pk=ticket.pk)


# --- participants ----------------------------------------------------------------------------------------


@transaction.atomic
def participant_add(*, ticket: Ticket, actor: User, email: str, name: str = "") -> TicketParticipant:
    """Put an address in copy of the ticket's public replies."""
    _may_work(actor)
    ticket_require_visible(user=actor, ticket=ticket)
    address = normal_email(email)
    try:
        from django.core.validators import validate_email

        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    if TicketParticipant.objects.filter(ticket=ticket, email=address).exists():
        raise ValidationError({"email": _("%(email)s is on the ticket already.") % {"email": address}})
    _participant(ticket, address, name)
    participant = TicketParticipant.objects.get(ticket=ticket, email=address)
    audit_log(
        instance=ticket, action=AuditAction.UPDATE, actor=actor, changes={"cc": {"from": None, "to": address}}
    )
    return participant


@transaction.atomic
def participant_remove(*, participant: TicketParticipant, actor: User) -> None:
    """Take an address in copy off the ticket (the requester stays)."""
    _may_work(actor)
    ticket_require_visible(user=actor, ticket=participant.ticket)
    if participant.role == ParticipantRole.REQUESTER:
        raise ValidationError({"email": _("The requester stays on the ticket.")})
    audit_log(
        instance=participant.ticket,
        action=AuditAction.UPDATE,
        actor=actor,
        changes={"cc": {"from": participant.email, "to": None}},
    )
    participant.delete()


# --- setup: queues, routing rules, categories, macros -----------------------------------------------------

SETUP_PERMISSION = "service.change_queue"


def _may_set_up(actor: User, permission: str = SETUP_PERMISSION) -> None:
    if not (actor.is_active and actor.has_perm(permission)):
        raise NotAllowed(_("You may not change the service desk's setup."))


def _saved(instance: Any, fields: list[str], data: dict[str, Any], actor: User) -> Any:
    """Set the fields of a setup record, save it and write the audit entry."""
    creating = instance.pk is None
    before = snapshot(instance, fields) if not creating else {}
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    if creating:
        audit_log(instance=instance, action=AuditAction.CREATE, actor=actor, changes={})
    else:
        changes = diff(before, snapshot(instance, fields))
        if changes:
            audit_log(instance=instance, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return instance


QUEUE_FIELDS = [
    "name",
    "email",
    "lead",
    "assignment",
    "reassign_on_breach",
    "sla_policy",
    "acknowledge",
    "is_active",
]


@transaction.atomic
def queue_save(
    *, actor: User, queue: Queue | None = None, members: dict[int, bool] | None = None, **data: Any
) -> Queue:
    """Create or change a queue; `members` ({user id: takes new tickets}) replaces its members."""
    _may_set_up(actor)
    queue = _saved(queue or Queue(), QUEUE_FIELDS, data, actor)
    if members is not None:
        QueueMember.objects.filter(queue=queue).exclude(user_id__in=list(members)).delete()
        for user_id, available in members.items():
            QueueMember.objects.update_or_create(
                queue=queue, user_id=user_id, defaults={"is_available": available}
            )
    return queue


RULE_FIELDS = [
    "name",
    "order",
    "queue",
    "recipient",
    "category",
    "company",
    "key_account",
    "language",
    "set_priority",
    "is_active",
]


@transaction.atomic
def routing_rule_save(*, actor: User, rule: RoutingRule | None = None, **data: Any) -> RoutingRule:
    """Create or change a routing rule."""
    _may_set_up(actor, "service.change_routingrule")
    if data.get("recipient"):
        data["recipient"] = normal_email(data["recipient"])
    return _saved(rule or RoutingRule(), RULE_FIELDS, data, actor)


@transaction.atomic
def category_save(*, actor: User, category: Category | None = None, **data: Any) -> Category:
    """Create or change a ticket category."""
    _may_set_up(actor, "service.change_category")
    return _saved(category or Category(), ["name", "is_active"], data, actor)


MACRO_ACTIONS = ("status", "priority", "type", "category", "queue", "assignee")


@transaction.atomic
def macro_save(
    *,
    actor: User,
    name: str,
    texts: dict[str, str],
    actions: dict[str, Any],
    is_active: bool = True,
    macro: Macro | None = None,
) -> Macro:
    """Create or change a macro: its texts per language (an empty one is removed) and the fields it sets."""
    _may_set_up(actor, "service.change_macro")
    errors: dict[str, str] = {}
    unknown = set(actions) - set(MACRO_ACTIONS)
    if unknown:
        errors["actions"] = _("A macro cannot set %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
    if actions.get("status") and actions["status"] not in TicketStatus.values:
        errors["status"] = _("Unknown status.")
    if actions.get("priority") and actions["priority"] not in Priority.values:
        errors["priority"] = _("Unknown priority.")
    if actions.get("type") and actions["type"] not in TicketType.values:
        errors["type"] = _("Unknown ticket type.")
    texts = {language: body for language, body in texts.items() if body.strip()}
    if not texts:
        errors["texts"] = _("Write the macro's text in at least one language.")
    for language, body in texts.items():
        try:
            Template(body)
        except TemplateSyntaxError as error:
            errors[f"text_{language}"] = _("The text is not valid: %(error)s") % {"error": error}
    if errors:
        raise ValidationError(errors)
    actions = {key: value for key, value in actions.items() if value not in ("", None)}
    macro = _saved(
        macro or Macro(created_by=actor),
        ["name", "actions", "is_active"],
        {"name": name, "actions": actions, "is_active": is_active},
        actor,
    )
    assert macro is not None
    from klient.service.models import MacroText

    MacroText.objects.filter(macro=macro).exclude(language__in=list(texts)).delete()
    for language, body in texts.items():
        MacroText.objects.update_or_create(macro=macro, language=language, defaults={"body": body})
    return macro
