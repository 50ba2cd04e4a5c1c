"""Reads of quotes: lists, one quote with its lines, and what the warehouses have of each line's product
(with the analogues of a product out of stock)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from klient.catalog.models import Product
from klient.catalog.selectors import Availability, availability, client_prices, rate_on, with_details
from klient.core.models import User
from klient.core.search import fold
from klient.sales.quotes.models import Quote, QuoteLine


def quote_list(
    *,
    user: User,
    company_id: int | None = None,
    deal_id: int | None = None,
    status: str = "",
    owner_id: int | None = None,
    q: str = "",
) -> QuerySet[Quote]:
    """The quotes the user sees, filtered; `q` matches the number or the company's name."""
    quotes = Quote.objects.visible_to(user).select_related("company", "contact", "owner")
    if company_id is not None:
        quotes = quotes.filter(company_id=company_id)
    if deal_id is not None:
        quotes = quotes.filter(deal_id=deal_id)
    if status:
        quotes = quotes.filter(status=status)
    if owner_id is not None:
        quotes = quotes.filter(owner_id=owner_id)
    for word in fold(q).split():
        quotes = quotes.filter(number__icontains=word) | quotes.filter(company__search_text__contains=word)
    return quotes


def quote_get(*, user: User, pk: int) -> Quote:
    """One visible quote with its lines (in order) and their products; Quote.DoesNotExist otherwise."""
    return (
        Quote.objects.visible_to(user)
        .select_related("company", "contact", "deal", "owner", "approved_by", "price_list", "previous")
        .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.order_by("position")))
        .get(pk=pk)
    )


@dataclass
class LineStock:
    """What the warehouses have of a line's product: enough for the line or not, when more comes, and,
    when it is short, the analogues with their stock (each with what they have)."""

    available: Decimal
    restock_date: object
    is_service: bool
    is_short: bool
    analogs: list[tuple[Product, Availability, str]] = field(default_factory=list)
    # The client's unit price of each analogue in the quote's currency (before its discount), by id.
    analog_prices: dict[int, Decimal] = field(default_factory=dict)


def lines_stock(lines: list[QuoteLine], quote: Quote | None = None) -> dict[int, LineStock]:
    """{line id: LineStock} for the lines, in a constant number of queries whatever their number; with the
    quote, the analogues of a short line come with the client's price in the quote's currency."""
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
    if quote is not None and offered:
        prices = client_prices(company=quote.company, products=offered.values(), on=quote.issued_on)
        converted: dict[int, Decimal] = {}
        for product_id, price in prices.items():
            try:
                converted[product_id] = _convert(
                    price.amount, price.currency, quote.currency, quote.issued_on
                )
            except ValidationError:
                continue  # no rate for the price's currency: the analogue is offered without a price
        for entry in result.values():
            entry.analog_prices = {
                analog.pk: converted[analog.pk]
                for analog, _stock, _note in entry.analogs
                if analog.pk in converted
            }
    return result


def _convert(amount: Decimal, source: str, target: str, on: datetime.date) -> Decimal:
    if source == target:
        return amount
    return (amount * rate_on(source, on) / rate_on(target, on)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
