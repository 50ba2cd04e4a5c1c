"""The demo catalogue: about 300 products and services named in the six languages, with stock in two
warehouses (some out of stock, with a restock date), analogues between neighbouring sizes, the price
lists the demo companies name as their price types (Retail in PLN, Wholesale in EUR, Dealer in USD) and
a month of exchange rates.

Deterministic (a fixed random seed) and idempotent: products carry SKUs DEMO-…, and nothing is made
again once they exist.
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from klient.catalog.models import (
    Analog,
    Category,
    ExchangeRate,
    Price,
    PriceList,
    Product,
    Stock,
    Unit,
    Warehouse,
)
from klient.catalog.services import default_warehouse, product_search_text
from klient.core.audit import diff, snapshot
from klient.core.models import AuditAction, AuditEntry, User

SKU_PREFIX = "DEMO-"

# (category, {language: name}, unit, VAT %, base price in EUR, is a service)
FAMILIES = [
    (
        "Pallets",
        {"en": "Pallet", "pl": "Paleta", "bs": "Paleta", "hy": "Պալետ", "zh-hans": "托盘", "ru": "Поддон"},
        Unit.PIECE,
        "23",
        "9.50",
        False,
    ),
    (
        "Boxes",
        {
            "en": "Cardboard box",
            "pl": "Karton",
            "bs": "Kartonska kutija",
            "hy": "Ստվարաթղթե տուփ",
            "zh-hans": "纸箱",
            "ru": "Картонная коробка",
        },
        Unit.PIECE,
        "23",
        "0.85",
        False,
    ),
    (
        "Stretch film",
        {
            "en": "Stretch film",
            "pl": "Folia stretch",
            "bs": "Stretch folija",
            "hy": "Ձգվող թաղանթ",
            "zh-hans": "缠绕膜",
            "ru": "Стретч-плёнка",
        },
        Unit.KILOGRAM,
        "23",
        "2.40",
        False,
    ),
    (
        "Labels",
        {
            "en": "Labels",
            "pl": "Etykiety",
            "bs": "Etikete",
            "hy": "Պիտակներ",
            "zh-hans": "标签",
            "ru": "Этикетки",
        },
        Unit.PACK,
        "8",
        "4.20",
        False,
    ),
    (
        "Tape",
        {
            "en": "Packing tape",
            "pl": "Taśma pakowa",
            "bs": "Ljepljiva traka",
            "hy": "Փաթեթավորման ժապավեն",
            "zh-hans": "封箱胶带",
            "ru": "Упаковочная лента",
        },
        Unit.PIECE,
        "23",
        "1.10",
        False,
    ),
    (
        "Services",
        {
            "en": "Packing service",
            "pl": "Usługa pakowania",
            "bs": "Usluga pakovanja",
            "hy": "Փաթեթավորման ծառայություն",
            "zh-hans": "包装服务",
            "ru": "Услуга упаковки",
        },
        Unit.HOUR,
        "23",
        "35.00",
        True,
    ),
]
# Each family comes in these variants (a size or grade), one product each.
VARIANTS = 50
CURRENCY_LISTS = [
    ("Retail", "PLN", Decimal("4.30")),
    ("Wholesale", "EUR", Decimal("0.92")),
    ("Dealer", "USD", Decimal("0.95")),
]
# Units of EUR one unit of the currency was worth, roughly, for a month of demo rates.
RATES = {
    "PLN": Decimal("0.2320"),
    "USD": Decimal("0.9200"),
    "RUB": Decimal("0.0101"),
    "AMD": Decimal("0.0024"),
    "CNY": Decimal("0.1270"),
    "BAM": Decimal("0.5113"),
}


def demo_price_lists() -> list[PriceList]:
    """The demo price types (Retail in PLN, Wholesale in EUR, Dealer in USD), made when missing."""
    return [
        PriceList.objects.get_or_create(name=name, defaults={"currency": currency})[0]
        for name, currency, _factor in CURRENCY_LISTS
    ]


@transaction.atomic
def demo_catalog_load(actor: User) -> int:
    """The demo catalogue, unless it exists; returns how many products were made."""
    if Product.objects.filter(sku__startswith=SKU_PREFIX).exists():
        return 0
    rng = random.Random(2028)  # noqa: S311 - demo data, not secrets
    main = default_warehouse()
    south, _made = Warehouse.objects.get_or_create(code="south", defaults={"name": "South"})
    today = timezone.localdate()
    products: list[Product] = []
    bases: list[Decimal] = []
    for family_index, (category_name, names, unit, vat, base, is_service) in enumerate(FAMILIES):
        category, _made = Category.objects.get_or_create(
            name=category_name,
            defaults={"names": {code: text for code, text in names.items() if code != "en"}},
        )
        for variant in range(1, VARIANTS + 1):
            size = f"{variant * 10}"
            product = Product(
                sku=f"{SKU_PREFIX}{family_index + 1}{variant:03d}",
                name=f"{names['en']} {size}",
                names={code: f"{text} {size}" for code, text in names.items() if code != "en"},
                category=category,
                unit=unit,
                vat_rate=Decimal(vat),
                is_service=is_service,
            )
            product.search_text = product_search_text(product)
            products.append(product)
            bases.append((Decimal(base) * (1 + Decimal(variant) / 25)).quantize(Decimal("0.01")))
    Product.objects.bulk_create(products)
    saved = {product.sku: product for product in Product.objects.filter(sku__startswith=SKU_PREFIX)}
    products = [saved[product.sku] for product in products]
    stock, analogs = [], []
    for index, product in enumerate(products):
        if product.is_service:
            continue
        # One in eight is out of stock in the main warehouse, with a restock date in the next weeks.
        out = rng.random() < 0.125
        restock = today + datetime.timedelta(days=rng.randint(3, 30)) if out else None
        stock.append(
            Stock(
                product=product,
                warehouse=main,
                available=Decimal(0 if out else rng.randint(5, 900)),
                restock_date=restock,
            )
        )
        if rng.random() < 0.5:
            stock.append(Stock(product=product, warehouse=south, available=Decimal(rng.randint(0, 200))))
        # The next size up replaces a product (same family).
        following = products[index + 1] if index + 1 < len(products) else None
        if following is not None and following.category_id == product.category_id:
            analogs.append(Analog(product=product, analog=following, note="next size"))
    Stock.objects.bulk_create(stock)
    Analog.objects.bulk_create(analogs)
    for price_list, (_name, _currency, factor) in zip(demo_price_lists(), CURRENCY_LISTS, strict=True):
        Price.objects.bulk_create(
            [
                Price(
                    price_list=price_list,
                    product=product,
                    amount=(base * factor).quantize(Decimal("0.01"), ROUND_HALF_UP),
                )
                for product, base in zip(products, bases, strict=True)
            ],
            ignore_conflicts=True,
        )
    for currency, rate in RATES.items():
        for days in range(30):
            wobble = Decimal(1) + Decimal(rng.randint(-150, 150)) / 10_000
            ExchangeRate.objects.get_or_create(
                currency=currency,
                on=today - datetime.timedelta(days=days),
                defaults={"rate": (rate * wobble).quantize(Decimal("0.0000000001"))},
            )
    content_type = ContentType.objects.get_for_model(Product)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            content_type=content_type,
            object_id=product.pk,
            object_repr=str(product)[:200],
            action=AuditAction.CREATE,
            actor=actor,
            changes=diff({}, snapshot(product, Product.AUDITED_FIELDS)),
        )
        for product in products
    )
    return len(products)
