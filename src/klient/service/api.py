"""Tickets in the API: list (filters, `q`, cursor), open one (with `created_at` to migrate history), read,
change (with the version read: 409 when stale), merge, and a ticket's messages (list, public reply,
internal note). A ticket is addressed by its number, the one `mailgate` prints. `queue` is answered as
the queue's name and taken as a name or an id; assignee, company and contact are ids."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, ConfigDict, Field, StrictInt

from klient.activities.api import IsoDate
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, IsoDatetime, RecordId, not_found, reader
from klient.customers.models import Company, Contact
from klient.service import services
from klient.service.filters import TicketFilter
from klient.service.models import Category, Macro, MessageKind, Queue, Ticket, TicketMessage
from klient.service.selectors import ticket_get, ticket_list

router = Router(tags=["tickets"])

VIEW = "service.view_ticket"
WORK = "service.change_ticket"
ADD = "service.add_ticket"
UNSET: Any = None
StatusCode = Literal["new", "open", "pending_customer", "pending_internal", "resolved", "closed"]
PriorityCode = Literal["low", "normal", "high", "urgent"]
TypeCode = Literal["question", "incident", "service_request", "complaint"]
ChannelCode = Literal["email", "portal", "web_form", "phone", "api"]
SlaCode = Literal["none", "ok", "warning", "breached", "paused", "met"]
QueueRef = StrictInt | str


def _email(value: str) -> str:
    from django.core.validators import validate_email

    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(_("Enter a valid email address.")) from None
    return value.strip().lower()


Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]


class TicketOut(Schema):
    number: int
    subject: str
    status: StatusCode
    priority: PriorityCode
    type: TypeCode
    queue: str = Field(description="The queue's name")
    assignee: int | None = Field(description="The assignee's user id")
    company: int | None
    contact: int | None
    channel: ChannelCode
    created_at: datetime.datetime
    first_response_due: datetime.datetime | None
    resolution_due: datetime.datetime | None
    first_responded_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    sla_status: SlaCode
    version: int = Field(description="Send it back with a change (409 when someone changed it meanwhile)")


class TicketPage(Schema):
    items: list[TicketOut]
    next: str | None


class TicketIn(Schema):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(..., min_length=1, max_length=255)
    body: str = Field(..., min_length=1, max_length=200_000)
    requester_email: Email | None = Field(None, description="Matched to a contact, then a company by domain")
    requester_name: str = Field("", max_length=200)
    company: RecordId | None = None
    contact: RecordId | None = None
    channel: ChannelCode = "api"
    type: TypeCode = "question"
    priority: PriorityCode | None = Field(None, description="Left out: routing's, else normal")
    queue: QueueRef | None = Field(None, description="A queue's name or id; left out: routing decides")
    category: RecordId | None = None
    cc: list[Email] = Field(default_factory=list, max_length=50)
    created_at: IsoDatetime | None = Field(None, description="When it was opened, for migrating history")


class TicketPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read (409 if stale)")
    subject: str = Field(UNSET, min_length=1, max_length=255)
    status: StatusCode = UNSET
    priority: PriorityCode = UNSET
    type: TypeCode = UNSET
    queue: QueueRef = Field(UNSET, description="A queue's name or id")
    category: RecordId | None = None
    assignee: RecordId | None = None
    company: RecordId | None = None
    contact: RecordId | None = None
    language: str = Field(UNSET, min_length=2, max_length=10)
    root_cause: str = Field(UNSET, max_length=20_000)
    corrective_action: str = Field(UNSET, max_length=20_000)
    compensation: str = Field(UNSET, max_length=20_000)
    complaint_due: IsoDate | None = None


class MergeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    into: int = Field(..., ge=1, le=MAX_ID, description="The number of the ticket to merge into")


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    inline: bool
    omitted: bool
    url: str | None


class MessageOut(Schema):
    id: int
    kind: str
    sender: str = Field(description="The sender's address (an agent's for replies and notes)")
    sender_name: str
    public: bool
    body_text: str
    body_html: str = Field(description="Sanitised at intake")
    attachments: list[AttachmentOut]
    threading: str = Field(description="Why the message was put on this ticket")
    created_at: datetime.datetime


class MessagePage(Schema):
    items: list[MessageOut]
    next: str | None


class MessageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(..., min_length=1, max_length=200_000)
    public: bool = Field(True, description="True: a reply mailed to the requester; false: an internal note")
    status: StatusCode | None = Field(
        None, description="Where the ticket goes after a reply (default pending customer)"
    )


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    return {**services.ticket_payload(ticket), "version": ticket.version}


def message_out(message: TicketMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "sender": message.sender_email,
        "sender_name": message.sender_name,
        "public": message.public,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "attachments": [
            {
                "id": attachment.pk,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "inline": attachment.inline,
                "omitted": attachment.omitted,
                "url": None
                if attachment.omitted
                else reverse("service:ticket_attachment", args=[attachment.pk]),
            }
            for attachment in message.attachments.all()
        ],
        "threading": message.threading,
        "created_at": message.created_at,
    }


def _queue(value: int | str) -> Queue:
    queue = (
        Queue.objects.filter(pk=value).first()
        if isinstance(value, int)
        else Queue.objects.filter(name__iexact=value).first()
    )
    if queue is None:
        raise ValidationError({"queue": _("No queue with this name or id.")})
    return queue


def _ticket(user: User, number: int) -> Ticket:
    return ticket_get(user=user, number=number)


@router.get("/tickets", response={200: TicketPage, **ERRORS}, summary="List tickets, newest first")
def tickets_list(
    request: HttpRequest,
    q: str = "",
    queue: str = Query("", description="A queue's name or id, or `mine`"),
    status: Literal["new", "open", "pending_customer", "pending_internal", "resolved", "closed", "unresolved"]
    | None = Query(None, description="A status, or `unresolved` for every status still to be worked on"),
    assignee: str = Query("", description="A user id, `me` or `none`"),
    priority: PriorityCode | None = None,
    type: TypeCode | None = None,
    company: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, VIEW)
    queue_value = queue.strip()
    if queue_value and queue_value != "mine" and not queue_value.isdigit():
        found = Queue.objects.filter(name__iexact=queue_value).values_list("pk", flat=True).first()
        queue_value = str(found or 0)
    ticket_filter = TicketFilter.from_query(
        {
            "q": q,
            "queue": queue_value,
            "status": "open" if status == "unresolved" else status or "",
            "assignee": assignee,
            "priority": priority or "",
            "type": type or "",
            "company": company or "",
        }
    )
    page = keyset_paginate(
        ticket_list(user=user, ticket_filter=ticket_filter),
        ordering=["-created_at", "-id"],
        cursor=cursor,
        limit=limit,
    )
    return page_response({"items": [ticket_out(ticket) for ticket in page.items], "next": page.next_cursor})


@router.post("/tickets", response={201: TicketOut, **ERRORS}, summary="Open a ticket")
def tickets_create(request: HttpRequest, payload: TicketIn) -> Status:
    user = reader(request, ADD)
    if not services.can_work(user):
        return Status(403, {"detail": _("Not allowed."), "errors": []})
    data = payload.dict()
    company = contact = None
    if data.get("company") is not None:
        company = Company.objects.visible_to(user).filter(pk=data["company"]).first()
        if company is None:
            return not_found("company", _("No company with this id, or you may not see it."))
    if data.get("contact") is not None:
        contact = Contact.objects.visible_to(user).filter(pk=data["contact"]).first()
        if contact is None:
            return not_found("contact", _("No contact with this id, or you may not see it."))
    category = None
    if data.get("category") is not None:
        category = Category.objects.filter(pk=data["category"]).first()
        if category is None:
            raise ValidationError({"category": _("No category with this id.")})
    created_at = data.get("created_at")
    if created_at is not None and timezone.is_naive(created_at):
        created_at = timezone.make_aware(created_at, datetime.UTC)
    if created_at is not None and created_at > timezone.now():
        raise ValidationError({"created_at": _("A ticket cannot be opened in the future.")})
    email = data.get("requester_email") or (contact.email if contact else "")
    kind = MessageKind.PHONE if data["channel"] == "phone" else MessageKind.API
    ticket = services.ticket_open(
        message=services.MessageInput(
            kind=kind,
            body_text=data["body"],
            sender_email=email or "",
            sender_name=data.get("requester_name") or (contact.full_name if contact else ""),
            subject=data["subject"],
            cc=[str(address) for address in data.get("cc") or []],
            created_at=created_at,
        ),
        actor=user,
        subject=data["subject"],
        channel=data["channel"],
        company=company,
        contact=contact,
        queue=_queue(data["queue"]) if data.get("queue") is not None else None,
        type=data["type"],
        priority=data.get("priority") or "",
        category=category,
        created_at=created_at,
    )
    return Status(201, ticket_out(_ticket(user, ticket.number)))


@router.get("/tickets/{number}", response={200: TicketOut, **ERRORS}, summary="Read a ticket by its number")
def tickets_read(request: HttpRequest, number: int) -> dict[str, Any]:
    user = reader(request, VIEW)
    return ticket_out(_ticket(user, number))


def _references(data: dict[str, Any], user: User) -> dict[str, Any]:
    if "queue" in data:
        data["queue"] = _queue(data["queue"])
    if data.get("category") is not None:
        data["category"] = Category.objects.filter(pk=data["category"]).first()
        if data["category"] is None:
            raise ValidationError({"category": _("No category with this id.")})
    if data.get("assignee") is not None:
        data["assignee"] = User.objects.filter(pk=data["assignee"]).first()
        if data["assignee"] is None:
            raise ValidationError({"assignee": _("No user with this id.")})
    if data.get("company") is not None:
        data["company"] = Company.objects.visible_to(user).filter(pk=data["company"]).first()
        if data["company"] is None:
            raise ValidationError({"company": _("No company with this id, or you may not see it.")})
    if data.get("contact") is not None:
        data["contact"] = Contact.objects.visible_to(user).filter(pk=data["contact"]).first()
        if data["contact"] is None:
            raise ValidationError({"contact": _("No contact with this id, or you may not see it.")})
    return data


@router.patch(
    "/tickets/{number}",
    response={200: TicketOut, 409: ConflictError, **ERRORS},
    summary="Change a ticket's fields (send the version you read)",
)
def tickets_update(request: HttpRequest, number: int, payload: TicketPatch) -> dict[str, Any]:
    user = reader(request, WORK)
    ticket = _ticket(user, number)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    for name in ("subject", "status", "priority", "type", "queue", "language"):
        if name in data and data[name] is None:
            raise ValidationError({name: _("This field cannot be empty.")})
    data = _references(data, user)
    services.ticket_update(ticket=ticket, actor=user, version=version, **data)
    return ticket_out(_ticket(user, number))


@router.post(
    "/tickets/{number}/merge",
    response={200: TicketOut, **ERRORS},
    summary="Merge the ticket into another (its messages move there; it is closed)",
)
def tickets_merge(request: HttpRequest, number: int, payload: MergeIn) -> Any:
    user = reader(request, WORK)
    source = _ticket(user, number)
    target = Ticket.objects.visible_to(user).filter(number=payload.into).first()
    if target is None:
        return not_found("into", _("No ticket with this number, or you may not see it."))
    merged = services.ticket_merge(source=source, target=target, actor=user)
    return ticket_out(_ticket(user, merged.number))


@router.get(
    "/tickets/{number}/messages",
    response={200: MessagePage, **ERRORS},
    summary="A ticket's messages, oldest first",
)
def ticket_messages_list(
    request: HttpRequest,
    number: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, VIEW)
    ticket = _ticket(user, number)
    messages = TicketMessage.objects.filter(ticket=ticket).prefetch_related("attachments")
    page = keyset_paginate(messages, ordering=["created_at", "id"], cursor=cursor, limit=limit)
    return page_response(
        {"items": [message_out(message) for message in page.items], "next": page.next_cursor}
    )


@router.post(
    "/tickets/{number}/messages",
    response={201: MessageOut, 409: ConflictError, **ERRORS},
    summary="Reply to the requester (public, mailed) or write an internal note",
)
def ticket_messages_create(request: HttpRequest, number: int, payload: MessageIn) -> Status:
    user = reader(request, WORK)
    ticket = _ticket(user, number)
    if payload.public:
        message = services.ticket_reply(
            ticket=ticket, actor=user, body=payload.body, status=payload.status or ""
        )
    else:
        message = services.ticket_note(ticket=ticket, actor=user, body=payload.body)
        if payload.status:
            services.ticket_update(ticket=ticket, actor=user, status=payload.status)
    return Status(201, message_out(TicketMessage.objects.prefetch_related("attachments").get(pk=message.pk)))


class MacroTextOut(Schema):
    language: str
    body: str


class MacroOut(Schema):
    id: int
    name: str
    actions: dict[str, Any] = Field(
        description="The fields it sets: status, priority, type, category, queue, assignee"
    )
    texts: list[MacroTextOut]


class MacroPage(Schema):
    items: list[MacroOut]
    next: str | None


@router.get(
    "/macros", response={200: MacroPage, **ERRORS}, summary="Active macros with their texts per language"
)
def macros_list(request: HttpRequest) -> HttpResponse:
    reader(request, "service.view_macro")
    macros = Macro.objects.filter(is_active=True).prefetch_related("texts").order_by("name")
    return page_response(
        {
            "items": [
                {
                    "id": macro.pk,
                    "name": macro.name,
                    "actions": macro.actions or {},
                    "texts": [{"language": text.language, "body": text.body} for text in macro.texts.all()],
                }
                for macro in macros
            ],
            "next": None,
        }
    )
