"""Reads of the catalogue: products (searched by SKU or any of their names), stock, prices and currency
conversion."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from klient.catalog.models import (
    Analog,
    CustomerPrice,
    ExchangeRate,
    LogisticsRequest,
    Price,
    PriceList,
    Product,
    Stock,
    minor_unit,
)
from klient.core.search import fold

# Ids or keys per query when many are read (SQLite takes a limited number of parameters).
CHUNK = 500


def product_list(
    *, q: str = "", category_id: int | None = None, active: bool | None = True
) -> QuerySet[Product]:
    """Products whose SKU or any name contains every word of `q` (case and diacritics ignored)."""
    products = Product.objects.select_related("category")
    # A scan of the folded texts: fine for catalogues of thousands; a search index when they grow.
    for word in fold(q).split():
        products = products.filter(search_text__contains=word)
    if category_id is not None:
        products = products.filter(category_id=category_id)
    if active is not None:
        products = products.filter(is_active=active)
    return products


def products_by_sku(skus: Iterable[str]) -> dict[str, Product]:
    """{lower-cased SKU: product} of the products with these SKUs, whatever their case (SKUs are unique
    that way); read in chunks, so any number of SKUs fits a query."""
    wanted = sorted({sku.strip().lower() for sku in skus} - {""})
    found: dict[str, Product] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = Product.objects.annotate(sku_key=Lower("sku")).filter(
            sku_key__in=wanted[start : start + CHUNK]
        )
        found.update({product.sku.lower(): product for product in chunk})
    return found


def with_details(products: QuerySet[Product]) -> QuerySet[Product]:
    """Products with their stock and analogues read in two more queries, whatever their number."""
    return products.prefetch_related(
        Prefetch("stock", queryset=Stock.objects.select_related("warehouse").order_by("warehouse__code")),
        Prefetch("analog_links", queryset=Analog.objects.select_related("analog").order_by("id")),
    )


def analogs_of(product: Product) -> list[tuple[Analog, Product]]:
    """The product's analogues in order, each with its note and the analogue read with its stock (one
    query more, whatever their number); `product` comes from with_details()."""
    links = list(product.analog_links.all())
    found = with_details(Product.objects.filter(pk__in=[link.analog_id for link in links])).in_bulk()
    return [(link, found[link.analog_id]) for link in links if link.analog_id in found]


def product_prices(product: Product) -> QuerySet[Price]:
    """The product's price in each price list, by list name."""
    return Price.objects.filter(product=product).select_related("price_list").order_by("price_list__name")


@dataclass(frozen=True)
class Availability:
    """What the warehouses have of a product together, and the earliest restock expected."""

    available: Decimal
    restock_date: datetime.date | None


def availability(product: Product) -> Availability:
    """From the product's stock rows (prefetched or read)."""
    rows = list(product.stock.all())
    total = sum((row.available for row in rows), Decimal(0))
    dates = [row.restock_date for row in rows if row.restock_date]
    return Availability(total, min(dates) if dates else None)


@dataclass
class LineStock:
    """What the warehouses have of a document line's product: enough for the line or not, when more
    comes, and, when it is short, the analogues with their stock (each with what they have)."""

    available: Decimal
    restock_date: datetime.date | None
    is_service: bool
    is_short: bool
    analogs: list[tuple[Product, Availability, str]] = field(default_factory=list)
    # The client's unit price of each analogue in the document's currency (before its discount), by id.
    analog_prices: dict[int, Decimal] = field(default_factory=dict)


class DocumentLine(Protocol):
    """A line of a quote, contract or order: its id, product and quantity."""

    @property
    def pk(self) -> Any: ...

    @property
    def product_id(self) -> int | None: ...

    @property
    def quantity(self) -> Decimal: ...


def lines_stock(
    lines: Iterable[DocumentLine],
    *,
    company: Any = None,
    currency: str = "",
    on: datetime.date | None = None,
) -> dict[int, LineStock]:
    """{line id: LineStock} for the lines with a product, in a constant number of queries whatever their
    number; with the client (`company`, the document's `currency` and day `on`), the analogues of a short
    line come with the client's price in that currency."""
    lines = [line for line in lines if line.product_id is not None]
    products = with_details(Product.objects.filter(pk__in={line.product_id for line in lines})).in_bulk()
    analog_ids = {link.analog_id for product in products.values() for link in product.analog_links.all()}
    analogs = (
        with_details(Product.objects.filter(pk__in=analog_ids, is_active=True)).in_bulk()
        if analog_ids
        else {}
    )
    result: dict[int, LineStock] = {}
    for line in lines:
        product = products[line.product_id]
        stock = availability(product)
        short = not product.is_service and stock.available < line.quantity
        entry = LineStock(stock.available, stock.restock_date, product.is_service, short)
        if short:
            for link in product.analog_links.all():
                analog = analogs.get(link.analog_id)
                if analog is not None:
                    entry.analogs.append((analog, availability(analog), link.note))
        result[line.pk] = entry
    offered = {analog.pk: analog for entry in result.values() for analog, _stock, _note in entry.analogs}
    if company is not None and on is not None and offered:
        converted: dict[int, Decimal] = {}
        for product_id, price in client_prices(company=company, products=offered.values(), on=on).items():
            try:
                converted[product_id] = convert_unit_price(price.amount, price.currency, currency, on)
            except ValidationError:
                continue  # no rate for the price's currency: the analogue is offered without a price
        for entry in result.values():
            entry.analog_prices = {
                analog.pk: converted[analog.pk]
                for analog, _stock, _note in entry.analogs
                if analog.pk in converted
            }
    return result


def price_list_prices(price_list: PriceList) -> QuerySet[Price]:
    return price_list.prices.select_related("product").order_by("product__name", "product__id")


def price_in(price_list: PriceList, product: Product, on: datetime.date) -> Decimal | None:
    """The product's price in the list on a day; None when the list has none or is not valid that day."""
    if not price_list.is_active or not _list_valid_on(price_list, on):
        return None
    return (
        Price.objects.filter(price_list=price_list, product=product).values_list("amount", flat=True).first()
    )


def rate_on(currency: str, on: datetime.date) -> Decimal:
    """Units of the base currency one unit of `currency` was worth on a day (the latest rate on or
    before it); a ValidationError naming `currency` when none is stored."""
    if currency == settings.BASE_CURRENCY:
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(currency=currency, on__lte=on)
        .order_by("-on")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise ValidationError(
            {
                "currency": _("No exchange rate of %(code)s on or before %(date)s.")
                % {"code": currency, "date": on.isoformat()}
            }
        )
    return rate


def convert(amount: Decimal, source: str, target: str, on: datetime.date) -> Decimal:
    """`amount` of `source` in `target` at the day's rates, rounded half-up to `target`'s minor unit."""
    if source == target:
        return amount
    value = amount * rate_on(source, on) / rate_on(target, on)
    return value.quantize(minor_unit(target), rounding=ROUND_HALF_UP)


def convert_unit_price(amount: Decimal, source: str, target: str, on: datetime.date) -> Decimal:
    """A unit price in another currency at the day's rates, to four decimals (a line's amount is rounded
    to the currency's minor unit only after the quantity and the discount)."""
    if source == target:
        return amount
    value = amount * rate_on(source, on) / rate_on(target, on)
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def customer_prices_of(company: Any) -> QuerySet[CustomerPrice]:
    """The client's special prices and discounts, by product name (callers check commercial terms)."""
    return (
        CustomerPrice.objects.filter(company=company)
        .select_related("product")
        .order_by("product__name", "product__id")
    )


@dataclass(frozen=True)
class ClientPrice:
    """What a client pays for a product by default on a day: `amount` per unit in `currency` before the
    discount, the discount (%) it gets, and where they came from ("customer_price": a special price;
    "price_list": the client's price type, with a special discount or the client's own discount)."""

    amount: Decimal
    currency: str
    discount_percent: Decimal
    source: str


def client_prices(*, company: Any, products: Iterable[Product], on: datetime.date) -> dict[int, ClientPrice]:
    """{product id: ClientPrice} for the products that have a price for the client on the day (two
    queries whatever their number): a special price wins; otherwise the price in the client's price type
    (valid and active that day) with the client's special discount on the product, else the discount
    of its commercial terms. Products with neither are left out."""
    ids = sorted({product.pk for product in products})
    specials: dict[int, CustomerPrice] = {}
    for start in range(0, len(ids), CHUNK):
        for term in CustomerPrice.objects.filter(company=company, product_id__in=ids[start : start + CHUNK]):
            if term.is_valid_on(on):
                specials[term.product_id] = term
    listed: dict[int, Decimal] = {}
    price_list = company.price_type
    if price_list is not None and price_list.is_active and _list_valid_on(price_list, on):
        for start in range(0, len(ids), CHUNK):
            listed.update(
                Price.objects.filter(
                    price_list=price_list, product_id__in=ids[start : start + CHUNK]
                ).values_list("product_id", "amount")
            )
    default_discount = company.discount_percent or Decimal(0)
    found: dict[int, ClientPrice] = {}
    for product_id in ids:
        special = specials.get(product_id)
        if special is not None and special.amount is not None:
            found[product_id] = ClientPrice(special.amount, special.currency, Decimal(0), "customer_price")
        elif product_id in listed and price_list is not None:
            discount = special.discount_percent if special is not None else default_discount
            found[product_id] = ClientPrice(
                listed[product_id], price_list.currency, discount or Decimal(0), "price_list"
            )
    return found


def client_price(*, company: Any, product: Product, on: datetime.date) -> ClientPrice | None:
    """The product's ClientPrice for the client on the day, or None when it has none."""
    return client_prices(company=company, products=[product], on=on).get(product.pk)


def _list_valid_on(price_list: PriceList, on: datetime.date) -> bool:
    return not (price_list.valid_from and on < price_list.valid_from) and not (
        price_list.valid_until and on > price_list.valid_until
    )


def logistics_request_list(*, user: Any, status: str = "", mine: bool = False) -> QuerySet[LogisticsRequest]:
    """Requests the user may see: all for those who answer them, else the user's own and those for the
    companies the user sees; soonest due first."""
    from django.db.models import Q

    from klient.customers.models import Company

    requests = LogisticsRequest.objects.select_related("product", "company", "requested_by", "assignee")
    if not user.has_perm("catalog.change_logisticsrequest"):
        requests = requests.filter(
            Q(requested_by=user) | Q(company_id__in=Company.objects.visible_to(user).values("pk"))
        )
    if mine:
        requests = requests.filter(Q(assignee=user) | Q(requested_by=user))
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("due_date", "id")
