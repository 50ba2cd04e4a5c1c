"""Quotes in the API: write, change, approve, send and revise commercial proposals, their PDF and history,
and the customer's answer through the public link (no sign-in). Amounts are decimal strings; totals have
the currency's decimals ("1234.50", "1200" in JPY)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictInt

from klient.activities.api import IsoDate
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError, HistoryEntry, history_entry_out
from klient.catalog.api import DecimalText, decimal_text
from klient.catalog.models import Product
from klient.catalog.selectors import LineStock, lines_stock
from klient.core.audit import history_for
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, RecordId, not_found, reader
from klient.customers.models import Company, Contact
from klient.sales.models import Deal
from klient.sales.quotes.models import MassProposal, MassProposalReason, Quote, QuoteLine
from klient.sales.quotes.selectors import mass_proposal_get, quote_get, quote_list
from klient.sales.quotes.services import (
    MASS_PROPOSAL_MAX_COMPANIES,
    LineInput,
    mass_proposal_create,
    money_round,
    needs_approval,
    public_url,
    quote_answer,
    quote_approve,
    quote_create,
    quote_request_approval,
    quote_revise,
    quote_send,
    quote_update,
)

router = Router(tags=["quotes"])
public_router = Router(tags=["quotes"], auth=None)

VIEW = "quotes.view_quote"
UNSET: Any = None
StatusCode = Literal["draft", "approval", "sent", "accepted", "declined", "superseded"]


class QuoteLineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: RecordId
    quantity: DecimalText = Field(description='e.g. "3" or "2.5"')
    discount_percent: DecimalText | None = Field(None, description="The client's discount when left out")
    unit_price: DecimalText | None = Field(
        None, description="Per unit before VAT in the quote's currency; the client's price when left out"
    )


class QuoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    company: RecordId
    contact: RecordId | None = None
    deal: RecordId | None = None
    language: str = Field("", max_length=10, description="The contact's or the company's when left out")
    currency: str = Field("", max_length=3, description="The company's document currency when left out")
    valid_until: IsoDate | None = None
    introduction: str = Field("", max_length=5000)
    lines: list[QuoteLineIn] = Field(..., min_length=1, max_length=1000)


class QuotePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read (409 if stale)")
    contact: RecordId | None = None
    deal: RecordId | None = None
    language: str = Field(UNSET, min_length=2, max_length=10)
    currency: str = Field(UNSET, min_length=3, max_length=3)
    valid_until: IsoDate = Field(UNSET)
    introduction: str = Field(UNSET, max_length=5000)
    lines: list[QuoteLineIn] = Field(
        UNSET, min_length=1, max_length=1000, description="Replace all the lines"
    )


class QuoteLineAnalogOut(Schema):
    product: int
    sku: str
    name: str
    available: str
    restock_date: datetime.date | None
    note: str
    unit_price: str | None = Field(description="The client's price in the quote's currency, before discount")


class QuoteLineAvailabilityOut(Schema):
    available: str = Field(description="What the warehouses have together")
    restock_date: datetime.date | None = Field(description="When more is expected")
    is_short: bool = Field(description="Less than the line's quantity (never for a service)")
    analogs: list[QuoteLineAnalogOut] = Field(description="For a short line: products that can replace it")


class QuoteLineOut(Schema):
    id: int
    position: int
    product: int
    sku: str
    name: str
    unit: str
    quantity: str
    unit_price: str
    price_source: Literal["customer_price", "price_list", "manual"]
    discount_percent: str
    tax_rate: str
    line_subtotal: str
    line_tax: str
    availability: QuoteLineAvailabilityOut


class QuoteOut(Schema):
    id: int
    number: str
    revision: int
    label: str
    company: int
    contact: int | None
    deal: int | None
    language: str
    currency: str
    price_type: int | None
    issued_on: datetime.date
    valid_until: datetime.date
    introduction: str
    status: StatusCode
    lines: list[QuoteLineOut]
    subtotal: str
    tax_total: str
    total: str
    max_discount: str
    needs_approval: bool
    approved_by: str | None
    approved_at: datetime.datetime | None
    owner: str
    public_url: str
    sent_at: datetime.datetime | None
    first_viewed_at: datetime.datetime | None
    view_count: int
    answered_at: datetime.datetime | None
    answer_comment: str
    previous: int | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class QuoteSummary(Schema):
    id: int
    label: str
    company: int
    company_name: str
    status: StatusCode
    currency: str
    total: str
    valid_until: datetime.date
    owner: str
    version: int


class QuotePage(Schema):
    items: list[QuoteSummary]
    next: str | None


def _money(value: Decimal, currency: str) -> str:
    return str(money_round(value, currency))


def _availability(stock: LineStock) -> dict[str, Any]:
    return {
        "available": decimal_text(stock.available),
        "restock_date": stock.restock_date,
        "is_short": stock.is_short,
        "analogs": [
            {
                "product": product.pk,
                "sku": product.sku,
                "name": product.name,
                "available": decimal_text(found.available),
                "restock_date": found.restock_date,
                "note": note,
                "unit_price": decimal_text(stock.analog_prices.get(product.pk)),
            }
            for product, found, note in stock.analogs
        ],
    }


def _line_out(line: QuoteLine, currency: str, stock: LineStock) -> dict[str, Any]:
    return {
        "id": line.pk,
        "position": line.position,
        "product": line.product_id,
        "sku": line.sku,
        "name": line.name,
        "unit": line.unit,
        "quantity": decimal_text(line.quantity),
        "unit_price": decimal_text(line.unit_price),
        "price_source": line.price_source,
        "discount_percent": decimal_text(line.discount_percent),
        "tax_rate": decimal_text(line.tax_rate),
        "line_subtotal": _money(line.line_subtotal, currency),
        "line_tax": _money(line.line_tax, currency),
        "availability": _availability(stock),
    }


def quote_out(quote: Quote) -> dict[str, Any]:
    lines = list(quote.lines.all())
    stock = lines_stock(lines, company=quote.company, currency=quote.currency, on=quote.issued_on)
    return {
        "id": quote.pk,
        "number": quote.number,
        "revision": quote.revision,
        "label": quote.label,
        "company": quote.company_id,
        "contact": quote.contact_id,
        "deal": quote.deal_id,
        "language": quote.language,
        "currency": quote.currency,
        "price_type": quote.price_list_id,
        "issued_on": quote.issued_on,
        "valid_until": quote.valid_until,
        "introduction": quote.introduction,
        "status": quote.status,
        "lines": [_line_out(line, quote.currency, stock[line.pk]) for line in lines],
        "subtotal": _money(quote.subtotal, quote.currency),
        "tax_total": _money(quote.tax_total, quote.currency),
        "total": _money(quote.total, quote.currency),
        "max_discount": decimal_text(quote.max_discount),
        "needs_approval": needs_approval(quote),
        "approved_by": quote.approved_by.username if quote.approved_by else None,
        "approved_at": quote.approved_at,
        "owner": quote.owner.username,
        "public_url": public_url(quote),
        "sent_at": quote.sent_at,
        "first_viewed_at": quote.first_viewed_at,
        "view_count": quote.view_count,
        "answered_at": quote.answered_at,
        "answer_comment": quote.answer_comment,
        "previous": quote.previous_id,
        "version": quote.version,
        "created_at": quote.created_at,
        "updated_at": quote.updated_at,
    }


def _quote(user: User, pk: int) -> Quote:
    return quote_get(user=user, pk=pk)


def _line_inputs(lines: list[dict[str, Any]]) -> list[LineInput]:
    """LineInputs for the products of the lines (one query); an unknown product names its line."""
    products = Product.objects.in_bulk({line["product"] for line in lines})
    errors = {
        f"lines[{index}].product": _("No product with this id.")
        for index, line in enumerate(lines)
        if line["product"] not in products
    }
    if errors:
        raise ValidationError(errors)
    return [
        LineInput(
            product=products[line["product"]],
            quantity=line["quantity"],
            discount_percent=line.get("discount_percent"),
            unit_price=line.get("unit_price"),
        )
        for line in lines
    ]


def _references(data: dict[str, Any], company: Company) -> dict[str, Any]:
    if data.get("contact") is not None:
        contact = Contact.objects.filter(pk=data["contact"], company=company).first()
        if contact is None:
            raise ValidationError({"contact": _("No contact of this company has this id.")})
        data["contact"] = contact
    if data.get("deal") is not None:
        deal = Deal.objects.filter(pk=data["deal"], company=company).first()
        if deal is None:
            raise ValidationError({"deal": _("No deal with this company has this id.")})
        data["deal"] = deal
    return data


@router.get("/quotes", response={200: QuotePage, **ERRORS}, summary="List quotes, newest first")
def quotes_list(
    request: HttpRequest,
    q: str = "",
    status: StatusCode | None = None,
    company: int | None = Query(None, ge=1, le=MAX_ID),
    deal: int | None = Query(None, ge=1, le=MAX_ID),
    owner: str = Query("", description="Username, or `me`"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, VIEW)
    owner_id = None
    if owner:
        owner_user = user if owner == "me" else User.objects.filter(username=owner).first()
        owner_id = owner_user.pk if owner_user else 0
    quotes = quote_list(
        user=user, company_id=company, deal_id=deal, status=status or "", owner_id=owner_id, q=q
    )
    page = keyset_paginate(quotes, ordering=["-created_at", "-id"], cursor=cursor, limit=limit)
    return page_response(
        {
            "items": [
                {
                    "id": quote.pk,
                    "label": quote.label,
                    "company": quote.company_id,
                    "company_name": quote.company.name,
                    "status": quote.status,
                    "currency": quote.currency,
                    "total": _money(quote.total, quote.currency),
                    "valid_until": quote.valid_until,
                    "owner": quote.owner.username,
                    "version": quote.version,
                }
                for quote in page.items
            ],
            "next": page.next_cursor,
        }
    )


@router.post("/quotes", response={201: QuoteOut, **ERRORS}, summary="Write a quote to a company")
def quotes_create(request: HttpRequest, payload: QuoteIn) -> Status:
    user = reader(request, "quotes.add_quote")
    data = payload.dict()
    company = (
        Company.objects.visible_to(user).select_related("price_type").filter(pk=data.pop("company")).first()
    )
    if company is None:
        return not_found("company", _("No company with this id, or you may not see it."))
    data = _references(data, company)
    lines = _line_inputs(data.pop("lines"))
    quote = quote_create(actor=user, company=company, lines=lines, **data)
    return Status(201, quote_out(_quote(user, quote.pk)))


# --- mass proposals (before /quotes/{quote_id}, so that "mass" is not read as a quote's id) ------------


class MassProposalLineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: RecordId
    quantity: DecimalText = Field(description='e.g. "3" or "2.5"')
    discount_percent: DecimalText | None = Field(None, description="Each client's own discount when left out")


class MassProposalIn(Schema):
    model_config = ConfigDict(extra="forbid")

    companies: list[RecordId] = Field(..., min_length=1, max_length=MASS_PROPOSAL_MAX_COMPANIES)
    lines: list[MassProposalLineIn] = Field(..., min_length=1, max_length=1000)
    valid_until: IsoDate | None = None
    note: str = Field("", max_length=5000, description="The introduction of every quote")


class MassProposalLineOut(Schema):
    product: int
    sku: str
    quantity: str
    discount_percent: str | None


class MassProposalItemOut(Schema):
    company: int
    company_name: str | None = Field(description="None for an id that names no company you see")
    contact: int | None
    quote: int | None
    quote_label: str | None
    status: Literal["queued", "sent", "skipped", "failed"]
    reason_code: Literal[
        "", "not_visible", "no_address", "unsubscribed", "needs_approval", "invalid", "send_failed"
    ]
    reason: str
    sent_at: datetime.datetime | None


class MassProposalOut(Schema):
    id: int
    created_by: str
    created_at: datetime.datetime
    status: Literal["queued", "sending", "done"]
    lines: list[MassProposalLineOut]
    valid_until: datetime.date | None
    note: str
    rate_per_minute: int
    company_count: int
    queued_count: int
    sent_count: int
    skipped_count: int
    failed_count: int
    finished_at: datetime.datetime | None
    items: list[MassProposalItemOut]


def mass_proposal_out(mass_proposal: MassProposal) -> dict[str, Any]:
    hidden = str(MassProposalReason.NOT_VISIBLE.label)
    return {
        "id": mass_proposal.pk,
        "created_by": mass_proposal.created_by.username,
        "created_at": mass_proposal.created_at,
        "status": mass_proposal.status,
        "lines": mass_proposal.lines,
        "valid_until": mass_proposal.valid_until,
        "note": mass_proposal.note,
        "rate_per_minute": mass_proposal.rate_per_minute,
        "company_count": mass_proposal.company_count,
        "queued_count": mass_proposal.queued_count,
        "sent_count": mass_proposal.sent_count,
        "skipped_count": mass_proposal.skipped_count,
        "failed_count": mass_proposal.failed_count,
        "finished_at": mass_proposal.finished_at,
        "items": [
            {
                "company": item.company_id,
                "company_name": item.company.name,
                "contact": item.contact_id,
                "quote": item.quote_id,
                "quote_label": item.quote.label if item.quote else None,
                "status": item.status,
                "reason_code": item.reason_code,
                "reason": item.reason,
                "sent_at": item.sent_at,
            }
            for item in mass_proposal.items.all()
        ]
        + [
            {
                "company": pk,
                "company_name": None,
                "contact": None,
                "quote": None,
                "quote_label": None,
                "status": "skipped",
                "reason_code": MassProposalReason.NOT_VISIBLE,
                "reason": hidden,
                "sent_at": None,
            }
            for pk in mass_proposal.hidden_companies
        ],
    }


def _mass_proposal(user: User, pk: int) -> MassProposal:
    try:
        return mass_proposal_get(user=user, pk=pk)
    except MassProposal.DoesNotExist:
        raise Http404 from None


@router.post(
    "/quotes/mass",
    response={201: MassProposalOut, **ERRORS},
    summary="Send one offer to many companies: each its own quote at its prices, PDF and email (throttled)",
)
def quotes_mass_create(request: HttpRequest, payload: MassProposalIn) -> Status:
    user = reader(request, "quotes.add_quote")
    data = payload.dict()
    lines = [
        LineInput(product=line.product, quantity=line.quantity, discount_percent=line.discount_percent)
        for line in _line_inputs(data["lines"])
    ]
    mass_proposal = mass_proposal_create(
        actor=user,
        companies=data["companies"],
        lines=lines,
        valid_until=data["valid_until"],
        note=data["note"],
    )
    return Status(201, mass_proposal_out(_mass_proposal(user, mass_proposal.pk)))


@router.get(
    "/quotes/mass/{mass_proposal_id}",
    response={200: MassProposalOut, **ERRORS},
    summary="A mass proposal: each company's quote and what became of it",
)
def quotes_mass_read(request: HttpRequest, mass_proposal_id: int) -> dict[str, Any]:
    user = reader(request, VIEW)
    return mass_proposal_out(_mass_proposal(user, mass_proposal_id))


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **ERRORS}, summary="Read a quote")
def quotes_read(request: HttpRequest, quote_id: int) -> dict[str, Any]:
    user = reader(request, VIEW)
    return quote_out(_quote(user, quote_id))


@router.patch(
    "/quotes/{quote_id}",
    response={200: QuoteOut, 409: ConflictError, **ERRORS},
    summary="Change a quote still being written (lines are replaced and priced again)",
)
def quotes_update(request: HttpRequest, quote_id: int, payload: QuotePatch) -> dict[str, Any]:
    user = reader(request, "quotes.change_quote")
    quote = _quote(user, quote_id)
    data = _references(payload.dict(exclude_unset=True), quote.company)
    version = data.pop("version")
    lines = _line_inputs(data.pop("lines")) if "lines" in data else None
    quote_update(quote=quote, actor=user, version=version, lines=lines, **data)
    return quote_out(_quote(user, quote_id))


@router.post(
    "/quotes/{quote_id}/send",
    response={200: QuoteOut, **ERRORS},
    summary="Email the quote with its PDF to its contact (then it is never changed)",
)
def quotes_send(request: HttpRequest, quote_id: int) -> dict[str, Any]:
    user = reader(request, "quotes.change_quote")
    quote_send(quote=_quote(user, quote_id), actor=user)
    return quote_out(_quote(user, quote_id))


@router.post(
    "/quotes/{quote_id}/request-approval",
    response={200: QuoteOut, **ERRORS},
    summary="Ask a manager to approve the quote's discounts",
)
def quotes_request_approval(request: HttpRequest, quote_id: int) -> dict[str, Any]:
    user = reader(request, "quotes.change_quote")
    quote_request_approval(quote=_quote(user, quote_id), actor=user)
    return quote_out(_quote(user, quote_id))


@router.post(
    "/quotes/{quote_id}/approve", response={200: QuoteOut, **ERRORS}, summary="Approve the quote's discounts"
)
def quotes_approve(request: HttpRequest, quote_id: int) -> dict[str, Any]:
    user = reader(request, "quotes.approve_quote")
    quote_approve(quote=_quote(user, quote_id), actor=user)
    return quote_out(_quote(user, quote_id))


@router.post(
    "/quotes/{quote_id}/revise",
    response={201: QuoteOut, **ERRORS},
    summary="Make a new revision of a sent quote (same number, the next revision)",
)
def quotes_revise(request: HttpRequest, quote_id: int) -> Status:
    user = reader(request, "quotes.add_quote")
    revision = quote_revise(quote=_quote(user, quote_id), actor=user)
    return Status(201, quote_out(_quote(user, revision.pk)))


@router.get(
    "/quotes/{quote_id}/pdf",
    response={200: None, **ERRORS},
    summary="The quote as a PDF in its language",
    openapi_extra={"responses": {200: {"description": "The PDF", "content": {"application/pdf": {}}}}},
)
def quotes_pdf(request: HttpRequest, quote_id: int) -> HttpResponse:
    from klient.sales.quotes.documents import quote_filename, quote_pdf

    user = reader(request, VIEW)
    quote = _quote(user, quote_id)
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote_filename(quote)}"'
    return response


class QuoteHistoryPage(Schema):
    items: list[HistoryEntry]
    next: str | None


@router.get(
    "/quotes/{quote_id}/history", response={200: QuoteHistoryPage, **ERRORS}, summary="A quote's history"
)
def quotes_history(
    request: HttpRequest,
    quote_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    user = reader(request, VIEW)
    _quote(user, quote_id)
    page = keyset_paginate(history_for(Quote, quote_id), ordering=["-at", "-id"], cursor=cursor, limit=limit)
    return {"items": [history_entry_out(entry) for entry in page.items], "next": page.next_cursor}


# --- the customer's answer (no sign-in) ---------------------------------------------------------------


class QuoteAnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field("", max_length=5000)


class QuoteAnswerOut(Schema):
    number: str
    status: StatusCode
    answered_at: datetime.datetime | None
    comment: str


def _answer(token: str, accepted: bool, comment: str) -> dict[str, Any]:
    if len(token) > 64:
        raise Http404
    try:
        quote = quote_answer(token=token, accepted=accepted, comment=comment)
    except Quote.DoesNotExist:
        raise Http404 from None
    return {
        "number": quote.label,
        "status": quote.status,
        "answered_at": quote.answered_at,
        "comment": quote.answer_comment,
    }


@public_router.post(
    "/public/quotes/{token}/accept",
    response={200: QuoteAnswerOut, **ERRORS},
    summary="The customer accepts a quote through its public link (no sign-in)",
)
def public_quotes_accept(request: HttpRequest, token: str, payload: QuoteAnswerIn) -> dict[str, Any]:
    return _answer(token, True, payload.comment)


@public_router.post(
    "/public/quotes/{token}/decline",
    response={200: QuoteAnswerOut, **ERRORS},
    summary="The customer declines a quote through its public link (no sign-in)",
)
def public_quotes_decline(request: HttpRequest, token: str, payload: QuoteAnswerIn) -> dict[str, Any]:
    return _answer(token, False, payload.comment)
