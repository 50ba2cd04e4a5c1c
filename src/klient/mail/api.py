"""The mail API: send an email to a contact, read the outbox, create and follow mailings."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from klient.api.responses import page_response
from klient.api.schemas import ERRORS
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, RecordId, not_found, reader
from klient.customers.filters import CompanyFilter
from klient.customers.models import Company, Contact
from klient.mail.models import Mailing, MailTemplate, OutboxMessage, OutboxStatus
from klient.mail.selectors import mailing_list, mailing_progress, outbox_list
from klient.mail.services import SEND_PERMISSION, mail_template_send, mail_to_contact, mailing_create

router = Router(tags=["mail"])

PurposeCode = Literal["", "proposal", "greeting", "invitation", "other"]
StatusCode = Literal["queued", "sending", "sent", "failed"]


class MailIn(Schema):
    """A message to a contact: a template's code, or a subject and a body."""

    model_config = ConfigDict(extra="forbid")

    contact_id: RecordId
    template: str | None = Field(None, max_length=50, description="Code of a mail template, e.g. `proposal`")
    context: dict[str, str] = Field(
        {}, description='More template variables, e.g. {"occasion": "Teachers\' Day"}'
    )
    subject: str | None = Field(None, max_length=200, description="Without a template")
    body: str | None = Field(None, max_length=100_000, description="Without a template; plain text")
    purpose: PurposeCode = Field(
        "", description="proposal, greeting, invitation or other; the template's by default"
    )
    key: str = Field(
        "",
        max_length=150,
        description="Idempotency key: a repeated request with it answers the first message",
    )


class OutboxMessageOut(Schema):
    id: int
    status: str = Field(description="queued, sending, sent or failed")
    to: str
    to_name: str
    subject: str
    purpose: str
    language: str
    contact: int | None
    company: int | None
    sender: str | None = Field(description="Username")
    mailing: int | None
    activity: int | None = Field(description="The email activity on the company's timeline")
    attempts: int
    next_attempt_at: datetime.datetime
    last_error: str
    created_at: datetime.datetime
    sent_at: datetime.datetime | None
    message_id: str = Field(description="The Message-ID header; the same on every attempt")


class OutboxPage(Schema):
    items: list[OutboxMessageOut]
    next: str | None


class MailingIn(Schema):
    """A mailing: a template to the companies named by ids and/or by the company list's filters."""

    model_config = ConfigDict(extra="forbid")

    template: str = Field("proposal", max_length=50)
    companies: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        [], max_length=5000, description="Company ids (every one must be visible to you)"
    )
    filter: dict[str, str | list[str]] = Field(
        {}, description='The company list\'s filters, as GET /companies takes them, e.g. {"tag": ["expo"]}'
    )


class SkippedCompany(Schema):
    company: int
    name: str
    reason: str = Field(description="no_address or unsubscribed")


class MailingOut(Schema):
    id: int
    template: str
    created_by: str
    created_at: datetime.datetime
    rate_per_minute: int
    company_count: int
    queued_count: int
    skipped: dict[str, int] = Field(description="Companies left out, by reason")
    skipped_companies: list[SkippedCompany]
    progress: dict[str, int | bool] = Field(description="Messages queued, sending, sent, failed, total")


class MailingPage(Schema):
    items: list[MailingOut]
    next: str | None


def message_out(message: OutboxMessage) -> dict[str, Any]:
    """An outbox message as the API shows it."""
    return {
        "id": message.pk,
        "status": message.status,
        "to": message.to_email,
        "to_name": message.to_name,
        "subject": message.subject,
        "purpose": message.purpose,
        "language": message.language,
        "contact": message.contact_id,
        "company": message.company_id,
        "sender": message.sender.username if message.sender else None,
        "mailing": message.mailing_id,
        "activity": message.activity_id,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at,
        "last_error": message.last_error,
        "created_at": message.created_at,
        "sent_at": message.sent_at,
        "message_id": message.message_id,
    }


def mailing_out(mailing: Mailing) -> dict[str, Any]:
    """A mailing as the API shows it, with its progress."""
    return {
        "id": mailing.pk,
        "template": mailing.template.code,
        "created_by": mailing.created_by.username,
        "created_at": mailing.created_at,
        "rate_per_minute": mailing.rate_per_minute,
        "company_count": mailing.company_count,
        "queued_count": mailing.queued_count,
        "skipped": mailing.skipped,
        "skipped_companies": mailing.skipped_companies,
        "progress": mailing_progress(mailing=mailing),
    }


@router.post(
    "/mail",
    response={200: OutboxMessageOut, 201: OutboxMessageOut, **ERRORS},
    summary="Queue an email to a contact (201; 200 when the key was used before)",
)
def mail_send(request: HttpRequest, payload: MailIn) -> Status:
    user = reader(request, SEND_PERMISSION)
    contact = Contact.objects.visible_to(user).select_related("company").filter(pk=payload.contact_id).first()
    if contact is None:
        return not_found("contact_id", _("No contact with this id, or you may not see it."))
    # Keys are the caller's own: another user's key names another message.
    key = f"api:{user.pk}:{payload.key}" if payload.key else ""
    if key and (existing := OutboxMessage.objects.filter(key=key).first()) is not None:
        return Status(200, message_out(existing))
    if payload.template:
        message = mail_template_send(
            actor=user,
            contact=contact,
            code=payload.template,
            context=payload.context,
            purpose=payload.purpose,
            key=key,
        )
    else:
        errors = {}
        if not (payload.subject or "").strip():
            errors["subject"] = _("Give a subject, or a template.")
        if not (payload.body or "").strip():
            errors["body"] = _("Give a body, or a template.")
        if errors:
            raise ValidationError(errors)
        message = mail_to_contact(
            actor=user,
            contact=contact,
            subject=payload.subject or "",
            body=payload.body or "",
            purpose=payload.purpose,
            key=key,
        )
    return Status(201, message_out(message))


@router.get(
    "/mail/outbox",
    response={200: OutboxPage, **ERRORS},
    summary="Your messages with their status, newest first (managers: your team's too)",
)
def mail_outbox(
    request: HttpRequest,
    status: StatusCode | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, "mail.view_outboxmessage")
    page = keyset_paginate(
        outbox_list(user=user, status=status), ordering=["-created_at", "-id"], cursor=cursor, limit=limit
    )
    return page_response({"items": [message_out(item) for item in page.items], "next": page.next_cursor})


@router.get("/mail/outbox/{message_id}", response={200: OutboxMessageOut, **ERRORS}, summary="Read a message")
def mail_outbox_read(request: HttpRequest, message_id: int) -> dict[str, Any]:
    user = reader(request, "mail.view_outboxmessage")
    return message_out(outbox_list(user=user).get(pk=message_id))


def _companies(user: Any, payload: MailingIn) -> tuple[Any, str]:
    """The visible companies a mailing request names, and the selection as a query string."""
    query = QueryDict(mutable=True)
    for name, value in payload.filter.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    company_filter = CompanyFilter.from_query(query)
    company_filter.ids = sorted({*company_filter.ids, *payload.companies})
    if not company_filter.is_filtering:
        raise ValidationError({"companies": _("Name the companies: ids or filters.")})
    return (
        company_filter.apply(Company.objects.visible_to(user), username=user.username),
        company_filter.to_query(),
    )


@router.post(
    "/mailings",
    response={201: MailingOut, **ERRORS},
    summary="Send a template to many companies, one message each, throttled (404 naming `companies` "
    "when one of the ids is not visible to you)",
)
def mailings_create(request: HttpRequest, payload: MailingIn) -> Status:
    user = reader(request, "mail.add_mailing")
    if payload.companies:
        visible = set(
            Company.objects.visible_to(user).filter(pk__in=payload.companies).values_list("pk", flat=True)
        )
        if set(payload.companies) - visible:
            return not_found("companies", _("One of the companies does not exist, or you may not see it."))
    template = MailTemplate.objects.filter(code=payload.template, is_active=True).first()
    if template is None:
        raise ValidationError({"template": _("No mail template “%(code)s”.") % {"code": payload.template}})
    companies, selection = _companies(user, payload)
    mailing = mailing_create(actor=user, template=template, companies=companies, selection=selection)
    return Status(201, mailing_out(mailing))


@router.get("/mailings", response={200: MailingPage, **ERRORS}, summary="Your mailings, newest first")
def mailings_list(
    request: HttpRequest,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, "mail.view_mailing")
    page = keyset_paginate(
        mailing_list(user=user), ordering=["-created_at", "-id"], cursor=cursor, limit=limit
    )
    return page_response({"items": [mailing_out(item) for item in page.items], "next": page.next_cursor})


@router.get(
    "/mailings/{mailing_id}", response={200: MailingOut, **ERRORS}, summary="A mailing and its progress"
)
def mailings_read(request: HttpRequest, mailing_id: int) -> dict[str, Any]:
    user = reader(request, "mail.view_mailing")
    return mailing_out(mailing_list(user=user).get(pk=mailing_id))


__all__ = ["OutboxStatus", "router"]
