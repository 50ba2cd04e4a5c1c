"""Reads of the catalogue: products (searched by SKU or any of their names), stock, prices and currency
conversion."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from klient.catalog.models import Analog, ExchangeRate, Price, PriceList, Product, Stock, minor_unit
from klient.core.search import fold


def product_list(
    *, q: str = "", category_id: int | None = None, active: bool | None = True
) -> QuerySet[Product]:
    """Products whose SKU or any name contains every word of `q` (case and diacritics ignored)."""
    products = Product.objects.select_related("category")
    for word in fold(q).split():
        products = products.filter(search_text__contains=word)
    if category_id is not None:
        products = products.filter(category_id=category_id)
    if active is not None:
        products = products.filter(is_active=active)
    return products


def with_details(products: QuerySet[Product]) -> QuerySet[Product]:
    """Products with their stock and analogues read in two more queries, whatever their number."""
    return products.prefetch_related(
        Prefetch("stock", queryset=Stock.objects.select_related("warehouse").order_by("warehouse__code")),
        Prefetch("analog_links", queryset=Analog.objects.select_related("analog").order_by("id")),
    )


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


def price_list_prices(price_list: PriceList) -> QuerySet[Price]:
    return price_list.prices.select_related("product").order_by("product__name", "product__id")


def price_in(price_list: PriceList, product: Product, on: datetime.date) -> Decimal | None:
    """The product's price in the list on a day; None when the list has none or is not valid that day."""
    if not price_list.is_active:
        return None
    if (price_list.valid_from and on < price_list.valid_from) or (
        price_list.valid_until and on > price_list.valid_until
    ):
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


def search_q(q: str) -> Q:
    """The condition of product_list's search, for other apps' lists of products."""
    condition = Q()
    for word in fold(q).split():
        condition &= Q(search_text__contains=word)
    return condition
