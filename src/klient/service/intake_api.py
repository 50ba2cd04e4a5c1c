"""The mail quarantine in the API, for administrators (service.manage_quarantine): list the messages that
could not be processed, read one (headers and text preview), and process one again after a fix."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from klient.api.responses import page_response
from klient.api.schemas import ERRORS
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, reader
from klient.service import intake
from klient.service.models import InboundMail

router = Router(tags=["mail intake"])

QUARANTINE = "service.manage_quarantine"


class QuarantinedMail(Schema):
    id: int
    received_at: datetime.datetime
    sender: str
    subject: str
    reason: str
    size: int


class QuarantinePage(Schema):
    items: list[QuarantinedMail]
    next: str | None


class QuarantinedMailDetail(QuarantinedMail):
    message_id: str
    source: str
    queue: str
    attempts: int
    headers: str
    text: str
    parse_error: str


class IntakeOutcome(Schema):
    status: str
    ticket: int | None
    reason: str


def _item(inbound: InboundMail) -> dict[str, object]:
    return {
        "id": inbound.pk,
        "received_at": inbound.received_at,
        "sender": inbound.sender,
        "subject": inbound.subject,
        "reason": inbound.reason,
        "size": inbound.size,
    }


def _quarantined(pk: int) -> InboundMail:
    if not 1 <= pk <= MAX_ID:
        raise InboundMail.DoesNotExist
    return InboundMail.objects.quarantined().get(pk=pk)


@router.get(
    "/mail/quarantine",
    response={200: QuarantinePage, **ERRORS},
    summary="List quarantined mail, newest first",
)
def quarantine_list(
    request: HttpRequest,
    q: str = "",
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    reader(request, QUARANTINE)
    rows = InboundMail.objects.quarantined()
    if q.strip():
        rows = rows.filter(intake.quarantine_search(q.strip()))
    page = keyset_paginate(rows, ordering=["-received_at", "-id"], cursor=cursor, limit=limit)
    return page_response({"items": [_item(row) for row in page.items], "next": page.next_cursor})


@router.get(
    "/mail/quarantine/{inbound_id}",
    response={200: QuarantinedMailDetail, **ERRORS},
    summary="Read a quarantined message",
)
def quarantine_detail(request: HttpRequest, inbound_id: int) -> dict[str, object]:
    reader(request, QUARANTINE)
    inbound = _quarantined(inbound_id)
    return {
        **_item(inbound),
        "message_id": inbound.message_key,
        "source": inbound.source,
        "queue": inbound.queue_name,
        "attempts": inbound.attempts,
        **intake.quarantine_preview(inbound),
    }


@router.post(
    "/mail/quarantine/{inbound_id}/reprocess",
    response={200: IntakeOutcome, **ERRORS},
    summary="Process a quarantined message again",
)
def quarantine_reprocess(request: HttpRequest, inbound_id: int) -> dict[str, object]:
    user = reader(request, QUARANTINE)
    inbound = _quarantined(inbound_id)
    return intake.reprocess(inbound=inbound, actor=user).as_dict()
