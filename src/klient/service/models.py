"""Tables of the service desk: queues and their members and routing rules, business calendars and SLA
policies, tickets with their messages, participants, attachments, links and events, the raw inbound mail
(stored before anything else, quarantined when it cannot be processed), the IMAP mailboxes polled for
it, and macros (canned responses that may also set fields)."""

from __future__ import annotations

import datetime
import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from klient.core.models import VersionedModel, validate_language, validate_timezone
from klient.core.visibility import company_visibility_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from klient.core.models import User


# --- choices -------------------------------------------------------------------------------------------


class TicketType(models.TextChoices):
    QUESTION = "question", _("Question")
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Service request")
    COMPLAINT = "complaint", _("Complaint")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketStatus(models.TextChoices):
    """Where a ticket is. The resolution clock stops while the customer is to answer (pending customer)
    and once the ticket is resolved or closed."""

    NEW = "new", pgettext_lazy("ticket status", "New")
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    PENDING_CUSTOMER = "pending_customer", _("Pending customer")
    PENDING_INTERNAL = "pending_internal", _("Pending internal")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


# Statuses of a ticket still to be worked on (the queue's and the backlog's).
OPEN_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.PENDING_CUSTOMER,
    TicketStatus.PENDING_INTERNAL,
)
DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    WEB_FORM = "web_form", _("Web form")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class SlaStatus(models.TextChoices):
    """How the ticket stands against its targets: no policy applies, within target, past 75 % of a
    target (warning), past a target (breached), clock stopped while pending the customer, or done."""

    NONE = "none", _("No target")
    OK = "ok", _("Within target")
    WARNING = "warning", _("Nearly due")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")


class Assignment(models.TextChoices):
    """How a queue gives out new tickets: not at all (members claim them), in turn, or to the available
    member with the fewest open tickets."""

    MANUAL = "manual", _("Members claim tickets")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded member")


# --- calendars and SLA policies ------------------------------------------------------------------------


class BusinessCalendar(models.Model):
    """When the desk works: a time zone, opening hours per weekday (`hours`, {"mon": [["09:00", "13:00"],
    ["14:00", "18:00"]], …}: several intervals make split shifts; a day left out is closed), the public
    holidays of a country (and optionally a subdivision) from the `holidays` package, and extra closed
    days (`closed_days`, ISO dates)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    hours = models.JSONField(_("opening hours"), default=dict)
    holiday_country = models.CharField(_("public holidays of"), max_length=2, blank=True)
    holiday_subdivision = models.CharField(_("region"), max_length=10, blank=True)
    closed_days = models.JSONField(_("extra closed days"), default=list, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Service-level targets in business time of a calendar, per priority (its targets). A policy applies
    to the tickets its conditions match (`conditions`: {"queues": [ids], "types": [...], "companies":
    [ids], "key_account": true, "channels": [...]}, each left out matching all); the first matching policy
    by `order` wins, else the default policy."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="policies"
    )
    is_default = models.BooleanField(_("default"), default=False)
    order = models.PositiveIntegerField(pgettext_lazy("sort order", "order"), default=100)
    conditions = models.JSONField(_("applies to"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """A policy's targets for one priority, in business minutes; a target left empty is not measured."""

    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="targets"
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response (minutes)"), null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(_("next response (minutes)"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"), null=True, blank=True)

    class Meta:
        ordering = ["policy", "priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_priority_once")
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.priority}"


# --- queues ----------------------------------------------------------------------------------------------


class Queue(models.Model):
    """A team's inbox of tickets: its members, its lead (told of breaches), how it assigns new tickets,
    the address mail to it arrives at, and optionally its own calendar and SLA policy. One queue is the
    default: mail nothing else routes goes there."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    email = models.EmailField(_("address"), blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_queues",
    )
    members: models.ManyToManyField[User, QueueMember] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), through="QueueMember", related_name="queues"
    )
    assignment = models.CharField(
        _("assignment"), max_length=15, choices=Assignment.choices, default=Assignment.MANUAL
    )
    # Escalation at a breach may also hand the ticket to the lead.
    reassign_on_breach = models.BooleanField(_("reassign to the lead at a breach"), default=False)
    sla_policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="queues",
    )
    # Acknowledge new tickets by email (at most ACK_PER_SENDER_PER_HOUR per sender).
    acknowledge = models.BooleanField(_("acknowledge new tickets"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class QueueMember(models.Model):
    """A user in a queue; `last_assigned_at` is the round robin's turn (oldest first)."""

    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="queue_memberships",
    )
    is_available = models.BooleanField(_("takes new tickets"), default=True)
    last_assigned_at = models.DateTimeField(_("last given a ticket"), null=True, blank=True)

    class Meta:
        ordering = ["queue", "user"]
        verbose_name = _("queue member")
        verbose_name_plural = _("queue members")
        constraints = [models.UniqueConstraint(fields=["queue", "user"], name="queue_member_once")]

    def __str__(self) -> str:
        return f"{self.queue}: {self.user}"


class Category(models.Model):
    """What a ticket is about (e.g. Delivery, Invoice, Product defect)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Where a new ticket goes: the first active rule (by `order`) whose conditions all hold sends it to
    its queue (and may set category and priority); a condition left empty holds for every ticket."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(pgettext_lazy("sort order", "order"), default=100)
    queue = models.ForeignKey(Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="rules")
    recipient = models.CharField(_("sent to address"), max_length=254, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    key_account = models.BooleanField(_("key accounts only"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    set_priority = models.CharField(_("set priority"), max_length=10, choices=Priority.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name


# --- tickets ---------------------------------------------------------------------------------------------


class TicketQuerySet(models.QuerySet["Ticket"]):
    """Queries over tickets. A ticket of a company is visible when the company is; a ticket without a
    company (an unknown sender) is visible to the service desk and administrators."""

    def visible_to(self, user: User | AnonymousUser) -> TicketQuerySet:
        condition = company_visibility_q(user, prefix="company__")
        if condition is None:
            return self
        from klient.core.roles import SERVICE_ROLES

        if getattr(user, "role", None) in SERVICE_ROLES:
            return self.filter(condition | models.Q(company__isnull=True))
        return self.filter(condition)


class Ticket(VersionedModel):
    """A customer's request: numbered (the number `mailgate` prints and the API addresses it by), typed,
    prioritised, in a queue, maybe assigned, with the company and contact its requester was matched to,
    the channel it came by, its SLA policy and due times (business time, recomputed by klient.service.sla),
    and for complaints the root cause, corrective action, compensation and due date. `merged_into` points
    at the ticket a merged one now lives in."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    subject = models.CharField(_("subject"), max_length=255)
    type = models.CharField(_("type"), max_length=20, choices=TicketType.choices, default=TicketType.QUESTION)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.PROTECT, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    requester_email = models.EmailField(_("requester's address"), blank=True)
    requester_name = models.CharField(_("requester"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, default="en", validators=[validate_language])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Mail that opened the ticket is automatic (a bounce, an out-of-office): never acknowledged.
    is_automatic = models.BooleanField(_("automatic message"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    # SLA: the policy applied, the due times (null when not measured), when the clock was stopped while
    # pending the customer and the business seconds it has been stopped in all.
    sla_policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sla_status = models.CharField(_("SLA"), max_length=10, choices=SlaStatus.choices, default=SlaStatus.NONE)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    next_response_due = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(
        _("last message from the customer"), null=True, blank=True
    )
    last_agent_reply_at = models.DateTimeField(_("last reply"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock stopped"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("business seconds paused"), default=0)
    warned = models.JSONField(_("warnings sent"), default=list, blank=True)  # ["first_response", ...]
    breached = models.JSONField(_("targets breached"), default=list, blank=True)
    # When the escalation job next has something to do for this ticket (a running target reaching 75 % or
    # its due time); null while no target runs. Kept by klient.service.sla, read by sla_escalate.
    sla_check_at = models.DateTimeField(_("SLA next check"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopened_count = models.PositiveIntegerField(_("reopened"), default=0)
    time_spent_minutes = models.PositiveIntegerField(_("time spent (minutes)"), default=0)
    # Complaints.
    root_cause = models.TextField(_("root cause"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    compensation = models.TextField(_("compensation"), blank=True)
    complaint_due = models.DateField(_("complaint due"), null=True, blank=True)
    # The earliest of the due times (null when none is measured): the queue view's order, kept by the
    # services whenever the due times change (see Ticket.earliest_due).
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True)
    # Subject, requester's name and address folded (no case, no diacritics): what the lists' `q` finds.
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    objects = TicketQuerySet.as_manager()

    AUDITED_FIELDS = [
        "subject",
        "type",
        "priority",
        "category",
        "queue",
        "assignee",
        "status",
        "company",
        "contact",
        "language",
        "root_cause",
        "corrective_action",
        "compensation",
        "complaint_due",
    ]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The queue view: open tickets of a queue, what is due first.
            models.Index(fields=["queue", "status", "resolution_due", "id"], name="ticket_queue_due"),
            models.Index(fields=["assignee", "status", "resolution_due", "id"], name="ticket_assignee_due"),
            models.Index(fields=["status", "-created_at", "-id"], name="ticket_status_created"),
            # The latest resolved tickets (the knowledge base's similar tickets, the reports).
            models.Index(
                fields=["-resolved_at", "-id"],
                name="ticket_resolved",
                condition=models.Q(resolved_at__isnull=False),
            ),
            models.Index(fields=["-created_at", "-id"], name="ticket_created"),
            models.Index(fields=["company", "-created_at"], name="ticket_company"),
            models.Index(fields=["sla_status", "status"], name="ticket_sla"),
            # The escalation job: tickets whose next SLA check has come.
            models.Index(fields=["sla_check_at"], name="ticket_sla_check"),
            models.Index(fields=["queue", "status", "next_due_at", "id"], name="ticket_queue_next_due"),
            models.Index(fields=["assignee", "status", "next_due_at", "id"], name="ticket_assignee_next_due"),
            # The open tickets (the queue view's default) in due order, of all queues, of a queue or of an
            # assignee: one index range instead of one per open status. (Of all queues, only PostgreSQL
            # reads the first in order: SQLite puts NULLs first in an index and sorts for NULLS LAST.)
            models.Index(
                fields=["next_due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_due",
            ),
            models.Index(
                fields=["queue", "next_due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_queue_due",
            ),
            models.Index(
                fields=["assignee", "next_due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_assignee_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TicketStatus.values), name="ticket_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        """The ticket's tag as subjects carry it: T-1234."""
        return f"T-{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def earliest_due(self) -> datetime.datetime | None:
        """The earliest due time of the targets whose clocks run (the queue's "due first" order): first
        response until it is given, next response while awaited, resolution unless the clock is stopped
        (pending the customer, resolved, closed); None when nothing runs."""
        if self.status in DONE_STATUSES:
            return None
        dues = [self.next_response_due]
        if self.first_responded_at is None:
            dues.append(self.first_response_due)
        if self.status != TicketStatus.PENDING_CUSTOMER:
            dues.append(self.resolution_due)
        running = [due for due in dues if due]
        return min(running) if running else None

    def search_words(self) -> str:
        """The text `q` searches: subject, requester's name and address, folded."""
        from klient.core.search import fold

        return fold(" ".join([self.reference, self.subject, self.requester_name, self.requester_email]))


class TicketCounter(models.Model):
    """The last ticket number given (numbers start at 1001)."""

    name = models.CharField(max_length=20, primary_key=True, default="ticket")
    last = models.PositiveIntegerField(default=1000)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")

    def __str__(self) -> str:
        return f"{self.name}: {self.last}"


class ParticipantRole(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    CC = "cc", _("Copy")


class TicketParticipant(models.Model):
    """An address a ticket's public replies go to: the requester and those in copy."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="participants"
    )
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(
        _("role"), max_length=10, choices=ParticipantRole.choices, default=ParticipantRole.CC
    )

    class Meta:
        ordering = ["ticket", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["ticket", "email"], name="ticket_participant_once")]

    def __str__(self) -> str:
        return self.email


class MessageKind(models.TextChoices):
    """Where a message came from or went: mail in, a reply out by mail, an internal note, the portal, the
    web form, a phone call logged by an agent, the API, or the system (an acknowledgement)."""

    EMAIL_IN = "email_in", _("Email received")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")
    PORTAL = "portal", _("Portal")
    WEB_FORM = "web_form", _("Web form")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    SYSTEM = "system", _("Automatic message")


class TicketMessage(models.Model):
    """One message on a ticket: public (the customer sees it) or an internal note; its sender (an agent,
    a contact, or just an address), the text in full and as displayed (quoted reply and signature trimmed),
    the sanitised HTML, its Message-ID and the references it carried, and why it was threaded here."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    public = models.BooleanField(_("public"), default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_messages",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sender_email = models.CharField(pgettext_lazy("mail sender", "from"), max_length=254, blank=True)
    sender_name = models.CharField(_("sender"), max_length=200, blank=True)
    to = models.TextField(_("to"), blank=True)
    cc = models.TextField(_("copy"), blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    # The text as the ticket shows it: the quoted earlier message and the signature trimmed.
    display_text = models.TextField(_("text shown"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    threading = models.CharField(_("threaded by"), max_length=200, blank=True)
    is_automatic = models.BooleanField(_("automatic message"), default=False)
    inbound = models.ForeignKey(
        "InboundMail",
        verbose_name=_("raw message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outbox = models.ForeignKey(
        "mail.OutboxMessage",
        verbose_name=_("sent as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="ticket_message_order"),
            models.Index(fields=["message_id"], name="ticket_message_mid"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.reference}: {self.subject or self.kind}"


class TicketAttachment(models.Model):
    """A file that came with (or was sent with) a message; `content_id` names an inline image that the
    HTML refers to as cid:…; `omitted` notes a file over the size limit that was not kept."""

    message = models.ForeignKey(
        TicketMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="tickets/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(pgettext_lazy("file size", "size"), default=0)
    content_id = models.CharField(_("content ID"), max_length=255, blank=True)
    inline = models.BooleanField(_("inline"), default=False)
    omitted = models.BooleanField(_("left out: too large"), default=False)

    class Meta:
        ordering = ["message", "id"]
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")

    def __str__(self) -> str:
        return self.filename


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    SPLIT_FROM = "split_from", _("Split from")
    FOLLOW_UP = "follow_up", _("Follow-up of")
    DUPLICATE = "duplicate", _("Duplicate of")


class TicketLink(models.Model):
    """A link from one ticket to another (a follow-up from a stranger, a split, a related problem)."""

    from_ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="links_out"
    )
    to_ticket = models.ForeignKey(
        Ticket, verbose_name=_("linked ticket"), on_delete=models.CASCADE, related_name="links_in"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LinkKind.choices, default=LinkKind.RELATED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["from_ticket", "to_ticket", "kind"], name="ticket_link_once"),
            models.CheckConstraint(
                condition=~models.Q(from_ticket=models.F("to_ticket")), name="ticket_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_ticket_id} → {self.to_ticket_id}"


class EventKind(models.TextChoices):
    """What happened to a ticket. Reports are computed from these, so they can be recomputed."""

    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    QUEUE = "queue", _("Moved to another queue")
    ASSIGNED = "assigned", _("Assigned")
    REPLIED = "replied", _("Replied")
    FIRST_RESPONSE = "first_response", _("First response")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    REOPENED = "reopened", _("Reopened")
    RESOLVED = "resolved", pgettext_lazy("ticket event", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket event", "Closed")
    MERGED = "merged", _("Merged")
    SPLIT = "split", _("Split")
    SLA_APPLIED = "sla_applied", _("SLA policy applied")
    SLA_RECOMPUTED = "sla_recomputed", _("Due times recomputed")
    SLA_PAUSED = "sla_paused", _("SLA clock stopped")
    SLA_RESUMED = "sla_resumed", _("SLA clock restarted")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    ESCALATED = "escalated", _("Escalated")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    TIME_SPENT = "time_spent", _("Time spent")
    RATED = "rated", _("Rated")


class TicketEvent(models.Model):
    """Something that happened to a ticket, when and by whom, with its details (`data`: e.g. {"from":
    "open", "to": "pending_customer"}, {"target": "resolution", "due": "…"}, {"minutes": 15})."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [
            models.Index(fields=["ticket", "at", "id"], name="ticket_event_order"),
            models.Index(fields=["kind", "at"], name="ticket_event_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


# --- inbound mail --------------------------------------------------------------------------------------


class InboundStatus(models.TextChoices):
    """Where a raw message is: stored (not yet processed, or its processing died: the sweep takes it up
    again), processed onto a ticket or a timeline, a duplicate of one processed before, or quarantined."""

    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    DUPLICATE = "duplicate", _("Duplicate")
    QUARANTINED = "quarantined", _("Quarantined")


class InboundMailQuerySet(models.QuerySet["InboundMail"]):
    def quarantined(self) -> InboundMailQuerySet:
        """The messages waiting in quarantine for an administrator (without their bytes)."""
        return self.filter(status=InboundStatus.QUARANTINED).defer("raw")


class InboundMail(models.Model):
    """A message as it arrived, byte for byte, stored (and committed) before anything else is done with
    it. `message_key` is its Message-ID, or a digest of the bytes when it has none: the same key is
    processed once. A message that could not be processed stays here, quarantined with the reason, until
    an administrator processes it again; nothing is ever purged automatically."""

    raw = models.BinaryField(_("message"))
    size = models.PositiveIntegerField(pgettext_lazy("file size", "size"), default=0)
    sha256 = models.CharField(_("digest"), max_length=64)
    message_key = models.CharField(_("Message-ID"), max_length=255, db_index=True)
    source = models.CharField(_("source"), max_length=100, blank=True)  # "mailgate", "imap:<mailbox>"
    queue_name = models.CharField(_("queue asked for"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=12, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    reason = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    # What became of it: "created", "appended", "logged", "duplicate", "quarantined".
    outcome = models.CharField(_("outcome"), max_length=12, blank=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    sender = models.CharField(pgettext_lazy("mail sender", "from"), max_length=254, blank=True)

    objects = InboundMailQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        permissions = [("manage_quarantine", _("Can see and process quarantined mail"))]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_status")]

    def __str__(self) -> str:
        return f"{self.message_key} ({self.status})"

    @staticmethod
    def digest(raw: bytes) -> str:
        return hashlib.sha256(raw).hexdigest()


class Mailbox(models.Model):
    """An IMAP mailbox `klient fetchmail` polls: its server, account, folder, the queue its mail goes to,
    and what is done with a message on the server once it is committed here (flagged seen or deleted)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("server"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("IMAPS (TLS)"), default=True)
    username = models.CharField(_("user name"), max_length=200)
    password = models.CharField(_("password"), max_length=200)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
    )
    delete_after = models.BooleanField(_("delete from the server once stored"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name


class LogAddress(models.Model):
    """An address for account managers to BCC: mail to it is logged on the matching contacts' timelines
    instead of opening a ticket."""

    email = models.EmailField(_("address"), unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("log address")
        verbose_name_plural = _("log addresses")

    def __str__(self) -> str:
        return self.email


class Acknowledgement(models.Model):
    """An acknowledgement sent to an address; counted to send at most a few an hour to one sender."""

    email = models.EmailField(_("email"))
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        indexes = [models.Index(fields=["email", "sent_at"], name="ack_sender")]

    def __str__(self) -> str:
        return self.email


# --- macros ---------------------------------------------------------------------------------------------


class Macro(models.Model):
    """A canned response with `{{ variables }}` (ticket, contact, company, agent), written per language in
    its texts, that may also set fields of the ticket (`actions`: {"status": "pending_customer",
    "priority": "high", "type": ..., "category": id, "queue": id, "assignee": "me"|id})."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    actions = models.JSONField(_("also sets"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")

    def __str__(self) -> str:
        return self.name


class MacroText(models.Model):
    """A macro's reply in one language."""

    macro = models.ForeignKey(Macro, verbose_name=_("macro"), on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10, validators=[validate_language])
    body = models.TextField(_("reply"))

    class Meta:
        ordering = ["macro", "language"]
        verbose_name = _("macro text")
        verbose_name_plural = _("macro texts")
        constraints = [models.UniqueConstraint(fields=["macro", "language"], name="macro_text_language_once")]

    def __str__(self) -> str:
        return f"{self.macro} ({self.language})"


class Satisfaction(models.Model):
    """A customer's rating of a resolved ticket (1–5) with a comment, given by the link in the resolution
    email or in the portal; the agent is who had the ticket then."""

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="satisfaction"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    class Meta:
        ordering = ["-asked_at"]
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="satisfaction_rating_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.rating}"
