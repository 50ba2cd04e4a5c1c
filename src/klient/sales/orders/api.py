"""Orders in the API: make one from an accepted quote, read and list them, change the status, promised
date and delay (a delay tells the customer), the ERP's bulk feed, history, and sending a key account its
current rates. Amounts are decimal strings with the currency's decimals."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool, StrictInt

from klient.activities.api import IsoDate
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError, HistoryEntry, history_entry_out
from klient.catalog.api import DecimalText, decimal_text
from klient.catalog.models import Product
from klient.core.audit import history_for
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, RecordId, not_found, reader
from klient.customers.models import Company, Contact
from klient.sales.contracts.models import Contract
from klient.sales.orders.importing import orders_import_rows
from klient.sales.orders.models import Order, OrderDelayNotice, OrderLine
from klient.sales.orders.selectors import order_delay_notices, order_get, order_list
from klient.sales.orders.services import (
    OrderLineInput,
    order_create_from_contract,
    order_create_from_quote,
    order_update,
    rates_send,
)
from klient.sales.quotes.models import Quote
from klient.sales.quotes.services import money_round

router = Router(tags=["orders"])

VIEW = "orders.view_order"
UNSET: Any = None
StatusCode = Literal["confirmed", "in_production", "shipped", "delivered", "cancelled"]


class OrderLineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: RecordId
    quantity: DecimalText = Field(description='e.g. "3" or "2.5"')


class OrderIn(Schema):
    model_config = ConfigDict(extra="forbid")

    quote: RecordId | None = Field(None, description="An accepted quote without an order")
    contract: RecordId | None = Field(None, description="Or a signed or active contract")
    lines: list[OrderLineIn] = Field(
        [],
        max_length=1000,
        description="Under a contract: what is ordered, at the client's prices with the contract's "
        "discount; the contract's own lines when left out",
    )
    promised_date: IsoDate | None = Field(None, description="In 14 days when left out")


class OrderPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read (409 if stale)")
    status: StatusCode = Field(UNSET)
    promised_date: IsoDate = Field(UNSET, description="Later than before: the customer is told")
    delay_reason: str = Field(UNSET, max_length=2000)
    is_delayed: StrictBool = Field(UNSET, description="Turned on: the customer is told")
    external_id: str = Field(UNSET, max_length=100)


class OrderLineOut(Schema):
    position: int
    product: int
    sku: str
    name: str
    unit: str
    quantity: str
    unit_price: str
    discount_percent: str
    tax_rate: str
    line_subtotal: str
    line_tax: str


class DelayNoticeOut(Schema):
    id: int
    old_date: datetime.date | None
    new_date: datetime.date
    reason: str
    contact: int | None
    message: int | None = Field(description="The outbox message; null when nothing was sent")
    failure: str = Field(description="Why nothing was sent")
    created_at: datetime.datetime


class OrderOut(Schema):
    id: int
    number: str
    quote: int | None
    contract: int | None
    company: int
    contact: int | None
    currency: str
    subtotal: str
    tax_total: str
    total: str
    status: StatusCode
    is_delayed: bool
    promised_date: datetime.date
    delay_reason: str
    external_id: str
    owner: str
    lines: list[OrderLineOut]
    delay_notices: list[DelayNoticeOut]
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class OrderSummary(Schema):
    id: int
    number: str
    company: int
    company_name: str
    status: StatusCode
    is_delayed: bool
    promised_date: datetime.date
    currency: str
    total: str
    external_id: str
    version: int


class OrderPage(Schema):
    items: list[OrderSummary]
    next: str | None


def _money(value: Any, currency: str) -> str:
    return str(money_round(value, currency))


def _line_out(line: OrderLine, currency: str) -> dict[str, Any]:
    return {
        "position": line.position,
        "product": line.product_id,
        "sku": line.sku,
        "name": line.name,
        "unit": line.unit,
        "quantity": decimal_text(line.quantity),
        "unit_price": decimal_text(line.unit_price),
        "discount_percent": decimal_text(line.discount_percent),
        "tax_rate": decimal_text(line.tax_rate),
        "line_subtotal": _money(line.line_subtotal, currency),
        "line_tax": _money(line.line_tax, currency),
    }


def _notice_out(notice: OrderDelayNotice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "old_date": notice.old_date,
        "new_date": notice.new_date,
        "reason": notice.reason,
        "contact": notice.contact_id,
        "message": notice.message_id,
        "failure": notice.failure,
        "created_at": notice.created_at,
    }


def order_out(order: Order) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "quote": order.quote_id,
        "contract": order.contract_id,
        "company": order.company_id,
        "contact": order.contact_id,
        "currency": order.currency,
        "subtotal": _money(order.subtotal, order.currency),
        "tax_total": _money(order.tax_total, order.currency),
        "total": _money(order.total, order.currency),
        "status": order.status,
        "is_delayed": order.is_delayed,
        "promised_date": order.promised_date,
        "delay_reason": order.delay_reason,
        "external_id": order.external_id,
        "owner": order.owner.username,
        "lines": [_line_out(line, order.currency) for line in order.lines.all()],
        "delay_notices": [_notice_out(notice) for notice in order_delay_notices(order)],
        "version": order.version,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


@router.get("/orders", response={200: OrderPage, **ERRORS}, summary="List orders, newest first")
def orders_list(
    request: HttpRequest,
    q: str = "",
    status: StatusCode | None = None,
    company: int | None = Query(None, ge=1, le=MAX_ID),
    delayed: bool | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, VIEW)
    orders = order_list(user=user, status=status or "", company_id=company, is_delayed=delayed, q=q)
    page = keyset_paginate(orders, ordering=["-created_at", "-id"], cursor=cursor, limit=limit)
    return page_response(
        {
            "items": [
                {
                    "id": order.pk,
                    "number": order.number,
                    "company": order.company_id,
                    "company_name": order.company.name,
                    "status": order.status,
                    "is_delayed": order.is_delayed,
                    "promised_date": order.promised_date,
                    "currency": order.currency,
                    "total": _money(order.total, order.currency),
                    "external_id": order.external_id,
                    "version": order.version,
                }
                for order in page.items
            ],
            "next": page.next_cursor,
        }
    )


@router.post(
    "/orders", response={201: OrderOut, **ERRORS}, summary="Make the order of an accepted quote or a contract"
)
def orders_create(request: HttpRequest, payload: OrderIn) -> Status:
    user = reader(request, "orders.add_order")
    if (payload.quote is None) == (payload.contract is None):
        raise ValidationError({"quote": _("Give either a quote or a contract.")})
    if payload.contract is not None:
        contract = (
            Contract.objects.visible_to(user).select_related("company").filter(pk=payload.contract).first()
        )
        if contract is None:
            return not_found("contract", _("No contract with this id, or you may not see it."))
        order = order_create_from_contract(
            contract=contract,
            actor=user,
            promised_date=payload.promised_date,
            lines=_order_lines([line.model_dump() for line in payload.lines]),
        )
        return Status(201, order_out(order_get(user=user, pk=order.pk)))
    if payload.lines:
        raise ValidationError({"lines": _("An order of a quote takes the quote's lines.")})
    quote = Quote.objects.visible_to(user).select_related("company").filter(pk=payload.quote or 0).first()
    if quote is None:
        return not_found("quote", _("No quote with this id, or you may not see it."))
    order = order_create_from_quote(quote=quote, actor=user, promised_date=payload.promised_date)
    return Status(201, order_out(order_get(user=user, pk=order.pk)))


def _order_lines(lines: list[dict[str, Any]]) -> list[OrderLineInput]:
    """OrderLineInputs for the products of the lines (one query); an unknown product names its line."""
    products = Product.objects.in_bulk({line["product"] for line in lines})
    errors = {
        f"lines[{index}].product": _("No product with this id.")
        for index, line in enumerate(lines)
        if line["product"] not in products
    }
    if errors:
        raise ValidationError(errors)
    return [OrderLineInput(product=products[line["product"]], quantity=line["quantity"]) for line in lines]


class OrderImportRowIn(Schema):
    model_config = ConfigDict(extra="forbid")

    number: str = Field("", max_length=30)
    external_id: str = Field("", max_length=100)
    status: str = Field("", max_length=20)
    promised_date: str = Field("", max_length=20, description="YYYY-MM-DD or DD.MM.YYYY")
    delay_reason: str = Field("", max_length=2000)
    is_delayed: StrictBool | None = None


class OrderImportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    items: list[OrderImportRowIn] = Field(..., min_length=1, max_length=10_000)
    dry_run: StrictBool = False


class OrderImportErrorOut(Schema):
    row: int = Field(description="Index of the item, from 0")
    field: str
    message: str


class OrderImportOut(Schema):
    rows: int
    updated: int
    unchanged: int
    rejected: int
    dry_run: bool
    errors: list[OrderImportErrorOut]


@router.post(
    "/orders/import",
    response={200: OrderImportOut, **ERRORS},
    summary="Update many orders by number or ERP id (an ERP's feed); rejected items name index and field",
)
def orders_import(request: HttpRequest, payload: OrderImportIn) -> dict[str, Any]:
    user = reader(request, "orders.change_order")
    rows = [(index, item.dict()) for index, item in enumerate(payload.items)]
    summary = orders_import_rows(actor=user, rows=rows, dry_run=payload.dry_run).as_dict()
    summary.pop("kind")
    return summary


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS}, summary="Read an order")
def orders_read(request: HttpRequest, order_id: int) -> dict[str, Any]:
    user = reader(request, VIEW)
    return order_out(order_get(user=user, pk=order_id))


@router.patch(
    "/orders/{order_id}",
    response={200: OrderOut, 409: ConflictError, **ERRORS},
    summary="Change an order's status, promised date or delay (a delay emails the customer once)",
)
def orders_update(request: HttpRequest, order_id: int, payload: OrderPatch) -> dict[str, Any]:
    user = reader(request, "orders.change_order")
    order = order_get(user=user, pk=order_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    order_update(order=order, actor=user, version=version, **data)
    return order_out(order_get(user=user, pk=order_id))


class OrderHistoryPage(Schema):
    items: list[HistoryEntry]
    next: str | None


@router.get(
    "/orders/{order_id}/history", response={200: OrderHistoryPage, **ERRORS}, summary="An order's history"
)
def orders_history(
    request: HttpRequest,
    order_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    user = reader(request, VIEW)
    order_get(user=user, pk=order_id)
    page = keyset_paginate(history_for(Order, order_id), ordering=["-at", "-id"], cursor=cursor, limit=limit)
    return {"items": [history_entry_out(entry) for entry in page.items], "next": page.next_cursor}


class RatesIn(Schema):
    model_config = ConfigDict(extra="forbid")

    contact: RecordId


class RatesOut(Schema):
    message: int = Field(description="The outbox message")
    to_email: str
    language: str


@router.post(
    "/companies/{company_id}/send-rates",
    response={200: RatesOut, **ERRORS},
    summary="Email a key account's contact their current prices",
)
def companies_send_rates(request: HttpRequest, company_id: int, payload: RatesIn) -> Any:
    user = reader(request, "customers.view_commercial_terms")
    company = Company.objects.visible_to(user).select_related("price_type").filter(pk=company_id).first()
    if company is None:
        return not_found("company", _("No company with this id, or you may not see it."))
    contact = Contact.objects.filter(pk=payload.contact, company=company).first()
    if contact is None:
        raise ValidationError({"contact": _("No contact of this company has this id.")})
    message = rates_send(company=company, actor=user, contact=contact)
    return {"message": message.pk, "to_email": message.to_email, "language": message.language}
