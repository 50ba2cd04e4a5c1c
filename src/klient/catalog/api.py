"""The catalogue in the API: products (with stock and analogues), price lists with their prices, exchange
rates. Amounts, quantities and rates are decimal strings."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, WithJsonSchema

from klient.activities.api import IsoDate
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError, HistoryEntry, history_entry_out
from klient.catalog.importing import stock_rows_apply
from klient.catalog.models import (
    CustomerPrice,
    ExchangeRate,
    LogisticsRequest,
    Price,
    PriceList,
    Product,
    Warehouse,
)
from klient.catalog.selectors import (
    availability,
    client_price,
    customer_prices_of,
    logistics_request_list,
    price_list_prices,
    product_list,
    with_details,
)
from klient.catalog.services import (
    customer_price_delete,
    customer_price_set,
    exchange_rate_set,
    logistics_request_create,
    logistics_request_update,
    price_list_create,
    price_list_update,
    product_create,
    product_update,
    restock_notice_create,
    stock_set,
)
from klient.core.audit import history_for
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, RecordId, not_found, reader
from klient.customers.models import Company
from klient.customers.selectors import can_see_commercial_terms, company_get

router = Router(tags=["catalogue"])

VIEW = "catalog.view_product"
UnitCode = Literal["pcs", "kg", "t", "m", "m2", "m3", "l", "pack", "pallet", "h", "day", "month", "service"]


def _decimal_text(value: Any) -> Any:
    # Decimals travel as strings ("12.50"); an integer is taken too. A float is refused: 0.1 is not exact.
    if isinstance(value, (bool, float)):
        raise ValueError(_('Give the number as a string, e.g. "12.50".'))
    if isinstance(value, int):
        return str(value)
    return value


DecimalText = Annotated[
    str,
    BeforeValidator(_decimal_text),
    WithJsonSchema(
        {"anyOf": [{"type": "string"}, {"type": "integer"}], "description": 'A decimal, e.g. "12.50"'}
    ),
]


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as the API writes it: no exponent, no trailing zeros ("20", "12.5", "0.125")."""
    if value is None:
        return None
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


class AnalogIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: RecordId
    note: str = Field("", max_length=200)


class AnalogOut(Schema):
    product: int
    sku: str
    name: str
    note: str


class WarehouseStockOut(Schema):
    warehouse: str = Field(description="Code of the warehouse")
    available: str
    restock_date: datetime.date | None


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    names: dict[str, str] = Field(description="The name in other languages, by language code")
    description: str
    descriptions: dict[str, str]
    category: str | None
    unit: str
    vat_rate: str = Field(description='Percent, e.g. "20"')
    is_service: bool
    is_active: bool
    stock: str = Field(description="Available in all warehouses together")
    restock_date: datetime.date | None = Field(description="The earliest restock expected")
    warehouses: list[WarehouseStockOut]
    analogs: list[AnalogOut] = Field(description="Products that can replace this one")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ProductPage(Schema):
    items: list[ProductOut]
    next: str | None


# The default of a field that takes no null: left out of a request, it is not set (exclude_unset).
UNSET: Any = None


class ProductFields(Schema):
    # Fields that cannot be empty take no null (left out, they keep their value).
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(UNSET, min_length=1, max_length=64)
    name: str = Field(UNSET, min_length=1, max_length=200)
    names: dict[str, str] = Field(UNSET, description='By language code, e.g. {"hy": "…", "zh-hans": "…"}')
    description: str = Field(UNSET, max_length=20_000)
    descriptions: dict[str, str] = Field(UNSET)
    category: str | None = Field(None, max_length=100, description="Category name (made if new); null: none")
    unit: UnitCode = Field(UNSET)
    vat_rate: DecimalText = Field(UNSET, description='Percent, e.g. "20"')
    is_service: StrictBool = Field(UNSET)
    is_active: StrictBool = Field(UNSET)
    analogs: list[RecordId | AnalogIn] = Field(UNSET, description="Ids (or {product, note}) of analogues")


class ProductIn(ProductFields):
    sku: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    stock: DecimalText | None = Field(None, description="Available in the main warehouse")
    restock_date: IsoDate | None = None


class ProductPatch(ProductFields):
    version: StrictInt = Field(..., description="The version you read (409 if stale)")


class StockIn(Schema):
    model_config = ConfigDict(extra="forbid")

    available: DecimalText
    restock_date: IsoDate | None = None
    warehouse: str | None = Field(None, description="Warehouse code; the main one by default")


def product_out(product: Product) -> dict[str, Any]:
    """A product as the API shows it (stock and analogues prefetched by with_details)."""
    stock = availability(product)
    return {
        "id": product.pk,
        "sku": product.sku,
        "name": product.name,
        "names": product.names,
        "description": product.description,
        "descriptions": product.descriptions,
        "category": product.category.name if product.category else None,
        "unit": product.unit,
        "vat_rate": decimal_text(product.vat_rate),
        "is_service": product.is_service,
        "is_active": product.is_active,
        "stock": decimal_text(stock.available),
        "restock_date": stock.restock_date,
        "warehouses": [
            {
                "warehouse": row.warehouse.code,
                "available": decimal_text(row.available),
                "restock_date": row.restock_date,
            }
            for row in product.stock.all()
        ],
        "analogs": [
            {"product": link.analog_id, "sku": link.analog.sku, "name": link.analog.name, "note": link.note}
            for link in product.analog_links.all()
        ],
        "version": product.version,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def _product_get(pk: int) -> Product:
    return with_details(Product.objects.select_related("category")).get(pk=pk)


def _analogs(data: dict[str, Any]) -> list[Any] | None:
    analogs = data.pop("analogs", None)
    return (
        None if analogs is None else [entry if isinstance(entry, int) else dict(entry) for entry in analogs]
    )


@router.get(
    "/products",
    response={200: ProductPage, **ERRORS},
    summary="List products by name (search by SKU or any name)",
)
def products_list(
    request: HttpRequest,
    q: str = "",
    category: int | None = Query(None, ge=1, le=MAX_ID),
    active: bool | None = Query(True, description="false: retired ones; omit for active only"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    reader(request, VIEW)
    products = with_details(product_list(q=q, category_id=category, active=active))
    page = keyset_paginate(products, ordering=["name", "id"], cursor=cursor, limit=limit)
    return page_response({"items": [product_out(item) for item in page.items], "next": page.next_cursor})


@router.post("/products", response={201: ProductOut, **ERRORS}, summary="Add a product or service")
def products_create(request: HttpRequest, payload: ProductIn) -> Status:
    user = reader(request, "catalog.add_product")
    data = payload.dict(exclude_unset=True)
    analogs = _analogs(data)
    product = product_create(actor=user, analogs=analogs, **data)
    return Status(201, product_out(_product_get(product.pk)))


# Before /products/{product_id}: the first route whose path matches answers.
class StockRowIn(Schema):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(..., min_length=1, max_length=64)
    warehouse: str = Field("", description="Warehouse code; the main one when empty")
    available: DecimalText
    restock_date: IsoDate | None = None


class StockBulkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    items: list[StockRowIn] = Field(..., min_length=1, max_length=10_000)
    dry_run: StrictBool = False
    atomic: StrictBool = Field(False, description="Store nothing if any row is rejected")


class StockErrorOut(Schema):
    row: int = Field(description="Index of the item, from 0")
    field: str
    message: str


class StockBulkOut(Schema):
    rows: int
    updated: int
    unchanged: int
    rejected: int
    dry_run: bool
    errors: list[StockErrorOut]


@router.post(
    "/products/stock",
    response={200: StockBulkOut, **ERRORS},
    summary="Set stock of many products by SKU (an ERP's feed); rejected items name their index and field",
)
def products_stock_bulk(request: HttpRequest, payload: StockBulkIn) -> dict[str, Any]:
    user = reader(request, "catalog.change_stock")
    rows = [(index, item.dict()) for index, item in enumerate(payload.items)]
    result = stock_rows_apply(actor=user, rows=rows, dry_run=payload.dry_run, atomic=payload.atomic)
    summary = result.as_dict()
    summary.pop("kind")
    return summary


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS}, summary="Read a product")
def products_read(request: HttpRequest, product_id: int) -> dict[str, Any]:
    reader(request, VIEW)
    return product_out(_product_get(product_id))


@router.patch(
    "/products/{product_id}",
    response={200: ProductOut, 409: ConflictError, **ERRORS},
    summary="Change a product (send the version you read); `analogs` replaces its analogues",
)
def products_update(request: HttpRequest, product_id: int, payload: ProductPatch) -> dict[str, Any]:
    user = reader(request, "catalog.change_product")
    product = _product_get(product_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    analogs = _analogs(data)
    product_update(product=product, actor=user, version=version, analogs=analogs, **data)
    return product_out(_product_get(product_id))


@router.put(
    "/products/{product_id}/stock",
    response={200: ProductOut, **ERRORS},
    summary="Set what a warehouse has of a product and when more comes (logistics)",
)
def products_stock(request: HttpRequest, product_id: int, payload: StockIn) -> Any:
    user = reader(request, "catalog.change_stock")
    product = _product_get(product_id)
    warehouse = None
    if payload.warehouse:
        warehouse = Warehouse.objects.filter(code=payload.warehouse, is_active=True).first()
        if warehouse is None:
            return not_found("warehouse", _("No active warehouse with this code."))
    stock_set(
        actor=user,
        product=product,
        available=payload.available,
        restock_date=payload.restock_date,
        warehouse=warehouse,
    )
    return product_out(_product_get(product_id))


class CatalogHistoryPage(Schema):
    items: list[HistoryEntry]
    next: str | None


def _history(
    model: type[Product] | type[PriceList], pk: int, limit: int, cursor: str | None
) -> dict[str, Any]:
    model.objects.get(pk=pk)  # 404 for an unknown id
    page = keyset_paginate(history_for(model, pk), ordering=["-at", "-id"], cursor=cursor, limit=limit)
    return {"items": [history_entry_out(entry) for entry in page.items], "next": page.next_cursor}


@router.get(
    "/products/{product_id}/history",
    response={200: CatalogHistoryPage, **ERRORS},
    summary="A product's history (fields, analogues, stock), newest first",
)
def products_history(
    request: HttpRequest,
    product_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    reader(request, VIEW)
    return _history(Product, product_id, limit, cursor)


# --- price lists ------------------------------------------------------------------------------------


class PriceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: RecordId
    amount: DecimalText = Field(description='Before VAT, in the list\'s currency, e.g. "12.50"')


class PriceOut(Schema):
    product: int
    sku: str
    amount: str


class PriceListOut(Schema):
    id: int
    name: str
    currency: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    is_active: bool
    prices: list[PriceOut]
    version: int


class PriceListSummary(Schema):
    id: int
    name: str
    currency: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    is_active: bool
    version: int


class PriceListPage(Schema):
    items: list[PriceListSummary]
    next: str | None


class PriceListIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=100)
    currency: str = Field(..., min_length=3, max_length=3, description="ISO 4217, e.g. EUR")
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    is_active: StrictBool = True
    prices: list[PriceIn] = []


class PriceListPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt
    name: str = Field(UNSET, min_length=1, max_length=100)
    currency: str = Field(UNSET, min_length=3, max_length=3)
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    is_active: StrictBool = Field(UNSET)
    prices: list[PriceIn] = Field([], description="Prices added or changed (the others stay)")
    remove: list[RecordId] = Field([], description="Ids of products taken off the list")


def _price_out(price: Price) -> dict[str, Any]:
    return {"product": price.product_id, "sku": price.product.sku, "amount": decimal_text(price.amount)}


def price_list_summary(price_list: PriceList) -> dict[str, Any]:
    return {
        "id": price_list.pk,
        "name": price_list.name,
        "currency": price_list.currency,
        "valid_from": price_list.valid_from,
        "valid_until": price_list.valid_until,
        "is_active": price_list.is_active,
        "version": price_list.version,
    }


def price_list_out(price_list: PriceList) -> dict[str, Any]:
    return {
        **price_list_summary(price_list),
        "prices": [_price_out(price) for price in price_list_prices(price_list)],
    }


@router.get("/price-lists", response={200: PriceListPage, **ERRORS}, summary="List price lists by name")
def price_lists_list(
    request: HttpRequest, limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT), cursor: str | None = None
) -> HttpResponse:
    reader(request, "catalog.view_pricelist")
    page = keyset_paginate(PriceList.objects.all(), ordering=["name", "id"], cursor=cursor, limit=limit)
    return page_response(
        {"items": [price_list_summary(item) for item in page.items], "next": page.next_cursor}
    )


@router.post(
    "/price-lists", response={201: PriceListOut, **ERRORS}, summary="Add a price list with its prices"
)
def price_lists_create(request: HttpRequest, payload: PriceListIn) -> Status:
    user = reader(request, "catalog.add_pricelist")
    data = payload.dict()
    prices = data.pop("prices")
    return Status(201, price_list_out(price_list_create(actor=user, prices=prices, **data)))


@router.get(
    "/price-lists/{price_list_id}",
    response={200: PriceListOut, **ERRORS},
    summary="Read a price list and its prices",
)
def price_lists_read(request: HttpRequest, price_list_id: int) -> dict[str, Any]:
    reader(request, "catalog.view_pricelist")
    return price_list_out(PriceList.objects.get(pk=price_list_id))


@router.patch(
    "/price-lists/{price_list_id}",
    response={200: PriceListOut, 409: ConflictError, **ERRORS},
    summary="Change a price list: fields, prices added or changed, products removed",
)
def price_lists_update(request: HttpRequest, price_list_id: int, payload: PriceListPatch) -> dict[str, Any]:
    user = reader(request, "catalog.change_pricelist")
    price_list = PriceList.objects.get(pk=price_list_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    prices, remove = data.pop("prices", []), data.pop("remove", [])
    updated = price_list_update(
        price_list=price_list, actor=user, version=version, prices=prices, remove=remove, **data
    )
    return price_list_out(updated)


@router.get(
    "/price-lists/{price_list_id}/history",
    response={200: CatalogHistoryPage, **ERRORS},
    summary="A price list's history, newest first",
)
def price_lists_history(
    request: HttpRequest,
    price_list_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    reader(request, "catalog.view_pricelist")
    return _history(PriceList, price_list_id, limit, cursor)


# --- exchange rates ---------------------------------------------------------------------------------


class ExchangeRateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    currency: str = Field(..., min_length=3, max_length=3)
    on: IsoDate
    rate: DecimalText = Field(description="Units of the base currency one unit of `currency` is worth")


class ExchangeRateOut(Schema):
    currency: str
    on: datetime.date
    rate: str


class ExchangeRatePage(Schema):
    items: list[ExchangeRateOut]
    next: str | None


def _rate_out(rate: ExchangeRate) -> dict[str, Any]:
    return {"currency": rate.currency, "on": rate.on, "rate": decimal_text(rate.rate)}


@router.get(
    "/exchange-rates", response={200: ExchangeRatePage, **ERRORS}, summary="Exchange rates, newest first"
)
def exchange_rates_list(
    request: HttpRequest,
    currency: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    reader(request, "catalog.view_exchangerate")
    rates = ExchangeRate.objects.all()
    if currency:
        rates = rates.filter(currency=currency.upper())
    page = keyset_paginate(rates, ordering=["-on", "currency", "id"], cursor=cursor, limit=limit)
    return page_response({"items": [_rate_out(item) for item in page.items], "next": page.next_cursor})


@router.post(
    "/exchange-rates", response={201: ExchangeRateOut, **ERRORS}, summary="Record a day's exchange rate"
)
def exchange_rates_create(request: HttpRequest, payload: ExchangeRateIn) -> Status:
    user = reader(request, "catalog.add_exchangerate")
    return Status(
        201,
        _rate_out(exchange_rate_set(actor=user, currency=payload.currency, on=payload.on, rate=payload.rate)),
    )


# --- a client's special prices -------------------------------------------------------------------------


class CustomerPriceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    amount: DecimalText | None = Field(None, description="A fixed price per unit before VAT")
    currency: str = Field("", max_length=3, description="ISO 4217 code of the fixed price")
    discount_percent: DecimalText | None = Field(None, description="Or a discount on the list price, %")
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    note: str = Field("", max_length=200)


class CustomerPriceOut(Schema):
    id: int
    product: int
    sku: str
    name: str
    amount: str | None
    currency: str
    discount_percent: str | None
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    note: str
    version: int


class CustomerPricePage(Schema):
    items: list[CustomerPriceOut]
    next: None = None


class ClientPriceOut(Schema):
    product: int
    on: datetime.date
    amount: str = Field(description="Per unit before the discount and VAT")
    currency: str
    discount_percent: str
    net_amount: str = Field(description="Per unit after the discount, before VAT, to 4 decimals")
    source: Literal["customer_price", "price_list"]


def customer_price_out(term: CustomerPrice) -> dict[str, Any]:
    return {
        "id": term.pk,
        "product": term.product_id,
        "sku": term.product.sku,
        "name": term.product.name,
        "amount": decimal_text(term.amount),
        "currency": term.currency,
        "discount_percent": decimal_text(term.discount_percent),
        "valid_from": term.valid_from,
        "valid_until": term.valid_until,
        "note": term.note,
        "version": term.version,
    }


def _terms_company(request: HttpRequest, company_id: int) -> tuple[User, Company]:
    """The caller (with commercial terms) and the company, which they must see (404 otherwise)."""
    user = reader(request, "catalog.view_customerprice")
    if not can_see_commercial_terms(user):
        raise PermissionDenied
    try:
        return user, company_get(user=user, pk=company_id)
    except Company.DoesNotExist:
        raise Http404 from None


@router.get(
    "/companies/{company_id}/prices",
    response={200: CustomerPricePage, **ERRORS},
    summary="A client's special prices and discounts, by product name",
)
def customer_prices_list(request: HttpRequest, company_id: int) -> dict[str, Any]:
    _user, company = _terms_company(request, company_id)
    return {"items": [customer_price_out(term) for term in customer_prices_of(company)], "next": None}


@router.put(
    "/companies/{company_id}/prices/{product_id}",
    response={200: CustomerPriceOut, **ERRORS},
    summary="Give a client a special price or discount on a product (replacing the one it had)",
)
def customer_prices_set(
    request: HttpRequest, company_id: int, product_id: int, payload: CustomerPriceIn
) -> dict[str, Any]:
    user, company = _terms_company(request, company_id)
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise Http404
    term = customer_price_set(company=company, product=product, actor=user, **payload.dict())
    return customer_price_out(term)


@router.delete(
    "/companies/{company_id}/prices/{product_id}",
    response={204: None, **ERRORS},
    summary="Take a client's special price or discount on a product away",
)
def customer_prices_delete(request: HttpRequest, company_id: int, product_id: int) -> Status:
    user, company = _terms_company(request, company_id)
    term = (
        CustomerPrice.objects.filter(company=company, product_id=product_id).select_related("product").first()
    )
    if term is None:
        raise Http404
    customer_price_delete(term=term, actor=user)
    return Status(204, None)


@router.get(
    "/companies/{company_id}/prices/{product_id}",
    response={200: ClientPriceOut, **ERRORS},
    summary="What the client pays for a product on a day (a special price, else its price type's)",
)
def customer_prices_resolve(
    request: HttpRequest, company_id: int, product_id: int, on: IsoDate | None = None
) -> dict[str, Any]:
    _user, company = _terms_company(request, company_id)
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise Http404
    day = on or timezone.localdate()
    price = client_price(company=company, product=product, on=day)
    if price is None:
        raise ValidationError(
            {
                "product": _("The client has no price for this product on %(date)s.")
                % {"date": day.isoformat()}
            }
        )
    net = price.amount * (100 - price.discount_percent) / 100
    return {
        "product": product.pk,
        "on": day,
        "amount": decimal_text(price.amount),
        "currency": price.currency,
        "discount_percent": decimal_text(price.discount_percent),
        "net_amount": decimal_text(net.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
        "source": price.source,
    }


# --- out of stock: logistics requests and restock notices ----------------------------------------------


class LogisticsRequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: RecordId
    quantity: DecimalText
    company: RecordId | None = None
    due_date: IsoDate | None = Field(None, description="In two days when left out")
    note: str = Field("", max_length=5000)
    source: str = Field("", max_length=100, description="What it is for, e.g. a quote's number")


class LogisticsRequestPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read (409 if stale)")
    status: Literal["open", "in_progress", "done", "cancelled"] = Field(UNSET)
    answer: str = Field(UNSET, max_length=5000)
    due_date: IsoDate = Field(UNSET)
    assignee: str = Field(UNSET, max_length=150, description="Username of someone in logistics")


class LogisticsRequestOut(Schema):
    id: int
    product: int
    sku: str
    quantity: str
    company: int | None
    source: str
    due_date: datetime.date
    note: str
    status: Literal["open", "in_progress", "done", "cancelled"]
    answer: str
    requested_by: str
    assignee: str | None
    resolved_at: datetime.datetime | None
    version: int
    created_at: datetime.datetime


class LogisticsRequestPage(Schema):
    items: list[LogisticsRequestOut]
    next: str | None


def logistics_request_out(request: LogisticsRequest) -> dict[str, Any]:
    return {
        "id": request.pk,
        "product": request.product_id,
        "sku": request.product.sku,
        "quantity": decimal_text(request.quantity),
        "company": request.company_id,
        "source": request.source,
        "due_date": request.due_date,
        "note": request.note,
        "status": request.status,
        "answer": request.answer,
        "requested_by": request.requested_by.username,
        "assignee": request.assignee.username if request.assignee else None,
        "resolved_at": request.resolved_at,
        "version": request.version,
        "created_at": request.created_at,
    }


def _logistics_request(user: User, pk: int) -> LogisticsRequest:
    return logistics_request_list(user=user).get(pk=pk)


@router.get(
    "/logistics-requests",
    response={200: LogisticsRequestPage, **ERRORS},
    summary="Logistics requests, soonest due first",
)
def logistics_requests_list(
    request: HttpRequest,
    status: Literal["open", "in_progress", "done", "cancelled"] | None = None,
    mine: bool = False,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, "catalog.view_logisticsrequest")
    requests = logistics_request_list(user=user, status=status or "", mine=mine)
    page = keyset_paginate(requests, ordering=["due_date", "id"], cursor=cursor, limit=limit)
    return page_response(
        {"items": [logistics_request_out(item) for item in page.items], "next": page.next_cursor}
    )


@router.post(
    "/logistics-requests",
    response={201: LogisticsRequestOut, **ERRORS},
    summary="Ask logistics for a product the warehouses lack",
)
def logistics_requests_create(request: HttpRequest, payload: LogisticsRequestIn) -> Status:
    user = reader(request, "catalog.add_logisticsrequest")
    product = Product.objects.filter(pk=payload.product).first()
    if product is None:
        return not_found("product", _("No product with this id."))
    company = None
    if payload.company is not None:
        company = Company.objects.visible_to(user).filter(pk=payload.company).first()
        if company is None:
            return not_found("company", _("No company with this id, or you may not see it."))
    created = logistics_request_create(
        actor=user,
        product=product,
        quantity=payload.quantity,
        company=company,
        due_date=payload.due_date,
        note=payload.note,
        source=payload.source,
    )
    return Status(201, logistics_request_out(_logistics_request(user, created.pk)))


@router.get(
    "/logistics-requests/{request_id}",
    response={200: LogisticsRequestOut, **ERRORS},
    summary="Read a logistics request",
)
def logistics_requests_read(request: HttpRequest, request_id: int) -> dict[str, Any]:
    user = reader(request, "catalog.view_logisticsrequest")
    return logistics_request_out(_logistics_request(user, request_id))


@router.patch(
    "/logistics-requests/{request_id}",
    response={200: LogisticsRequestOut, 409: ConflictError, **ERRORS},
    summary="Answer a logistics request: status, answer, due date, who has it",
)
def logistics_requests_update(
    request: HttpRequest, request_id: int, payload: LogisticsRequestPatch
) -> dict[str, Any]:
    user = reader(request, "catalog.change_logisticsrequest")
    current = _logistics_request(user, request_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if "assignee" in data:
        assignee = User.objects.filter(username=data["assignee"], is_active=True).first()
        if assignee is None:
            raise ValidationError(
                {"assignee": _("No active user named “%(name)s”.") % {"name": data["assignee"]}}
            )
        data["assignee"] = assignee
    logistics_request_update(request=current, actor=user, version=version, **data)
    return logistics_request_out(_logistics_request(user, request_id))


class RestockNoticeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: RecordId
    contact: RecordId


class RestockNoticeOut(Schema):
    id: int
    product: int
    contact: int
    created_at: datetime.datetime
    sent_at: datetime.datetime | None


@router.post(
    "/restock-notices",
    response={201: RestockNoticeOut, **ERRORS},
    summary="Email a contact, in their language, as soon as a product is in stock again",
)
def restock_notices_create(request: HttpRequest, payload: RestockNoticeIn) -> Status:
    from klient.customers.models import Contact

    user = reader(request, "catalog.add_restocknotice")
    product = Product.objects.filter(pk=payload.product).first()
    if product is None:
        return not_found("product", _("No product with this id."))
    contact = Contact.objects.visible_to(user).select_related("company").filter(pk=payload.contact).first()
    if contact is None:
        return not_found("contact", _("No contact with this id, or you may not see it."))
    notice = restock_notice_create(actor=user, product=product, contact=contact)
    return Status(
        201,
        {
            "id": notice.pk,
            "product": notice.product_id,
            "contact": notice.contact_id,
            "created_at": notice.created_at,
            "sent_at": notice.sent_at,
        },
    )
