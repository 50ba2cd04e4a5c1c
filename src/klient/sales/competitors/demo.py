"""The demo competitors: eight packaging suppliers of the demo markets (Poland, Bosnia, Croatia and
Serbia, Armenia, China, Russia), and on about sixty demo companies which of them supplies what, mostly with
a price in PLN, EUR or USD.

Deterministic (a fixed random seed) and idempotent: nothing is made again once the competitors exist.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from klient.catalog.models import Product
from klient.core.audit import diff, snapshot
from klient.core.models import AuditAction, AuditEntry, User
from klient.core.search import fold
from klient.customers.models import Company
from klient.sales.competitors.models import Competitor, CompetitorSupply
from klient.sales.competitors.services import name_key

# (name, country, website, strengths, weaknesses, the countries of the customers it supplies, currency)
COMPETITORS = [
    (
        "PaletPol Sp. z o.o.",
        "PL",
        "paletpol.example.pl",
        "Cheap EPAL pallets from its own sawmill; delivers within 48 hours across Poland.",
        "No boxes or film: customers buy those elsewhere. Quality varies between batches.",
        ("PL",),
        "PLN",
    ),
    (
        "Opakowania Wisła S.A.",
        "PL",
        "opakowania-wisla.example.pl",
        "Full range of cardboard boxes, printing in-house, listed company that banks trust.",
        "Minimum orders of 5,000 boxes; slow to answer small customers.",
        ("PL", "HR"),
        "PLN",
    ),
    (
        "Ambalaža Balkan d.o.o.",
        "RS",
        "ambalaza-balkan.example.rs",
        "Warehouses in Belgrade, Sarajevo and Zagreb; speaks every customer's language.",
        "Prices in EUR only; payment terms of 15 days at most.",
        ("BA", "HR", "RS"),
        "EUR",
    ),
    (
        "Drvo-Pak d.o.o.",
        "BA",
        "drvopak.example.ba",
        "Wooden pallets and crates made to measure, local and flexible.",
        "Small: cannot take orders above 2,000 pallets a month.",
        ("BA",),
        "EUR",
    ),
    (
        "ԱրմՓաթեթ ՍՊԸ",
        "AM",
        "armpack.example.am",
        "The only film extruder in Armenia; no import duty on its goods.",
        "Narrow range: stretch film and bags only.",
        ("AM",),
        "USD",
    ),
    (
        "宁波华众包装有限公司",
        "CN",
        "huazhong-pack.example.cn",
        "Very low prices on tape and labels; large factory near the port of Ningbo.",
        "Lead times of 6–8 weeks by sea; quality complaints on adhesive tape.",
        ("CN", "RU", "AM"),
        "USD",
    ),
    (
        "ООО «ТараПром»",
        "RU",
        "taraprom.example.ru",
        "Boxes and pallets from plants in Moscow and Kazan; trusted by retail chains.",
        "Prices in USD for exports; paperwork for customs is slow.",
        ("RU",),
        "USD",
    ),
    (
        "АО «Северная упаковка»",
        "RU",
        "sevpack.example.ru",
        "Packing services on the customer's premises, with its own staff.",
        "Expensive; contracts of at least a year.",
        ("RU",),
        "USD",
    ),
]
# What each competitor sells, as a seller writes it, with the SKU of our product it competes with and a
# base price in EUR; one in ten supplies has no price (nobody found it out).
GOODS = [
    ("EPAL pallets", "DEMO-1010", Decimal("9.80")),
    ("Cardboard boxes 600×400", "DEMO-2020", Decimal("0.90")),
    ("Stretch film 23 µm", "DEMO-3010", Decimal("2.30")),
    ("Thermal labels 100×150", "DEMO-4005", Decimal("4.00")),
    ("Packing tape 48 mm", "DEMO-5010", Decimal("1.60")),
    ("Packing on site", "DEMO-6001", Decimal("25.00")),
]
# Units of each currency one EUR buys, roughly.
PER_EUR = {"EUR": Decimal(1), "PLN": Decimal("4.30"), "USD": Decimal("1.08")}
SUPPLIED_COMPANIES = 60


@transaction.atomic
def demo_competitors_load(actor: User) -> int:
    """Create the demo competitors and their supplies unless they exist; returns how many competitors were
    made."""
    if Competitor.objects.filter(name_key__in=[name_key(row[0]) for row in COMPETITORS]).exists():
        return 0
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    competitors = Competitor.objects.bulk_create(
        Competitor(
            name=name,
            name_key=name_key(name),
            search_text=fold(name),
            country=country,
            website=website,
            strengths=strengths,
            weaknesses=weaknesses,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        for name, country, website, strengths, weaknesses, _markets, _currency in COMPETITORS
    )
    competitors = list(
        Competitor.objects.filter(name_key__in=[c.name_key for c in competitors]).order_by("pk")
    )
    by_key = {competitor.name_key: competitor for competitor in competitors}
    products = {product.sku: product for product in Product.objects.filter(sku__in=[g[1] for g in GOODS])}
    markets: dict[str, list[tuple[Competitor, str]]] = {}
    for name, _country, _website, _strengths, _weaknesses, countries, currency in COMPETITORS:
        for country in countries:
            markets.setdefault(country, []).append((by_key[name_key(name)], currency))
    candidates = list(
        Company.objects.filter(country__in=list(markets), external_id__startswith="DEMO-")
        .order_by("external_id")
        .values_list("pk", "country", "owner_id")
    )
    chosen = rng.sample(candidates, min(SUPPLIED_COMPANIES, len(candidates)))
    today = timezone.localdate()
    supplies = []
    for company_id, country, owner_id in sorted(chosen):
        for competitor, currency in rng.sample(
            markets[country], min(len(markets[country]), rng.choice([1, 1, 2]))
        ):
            what, sku, base = rng.choice(GOODS)
            has_price = base is not None and rng.random() < 0.9
            price = (
                (base * PER_EUR[currency] * Decimal(rng.randint(85, 110)) / 100).quantize(Decimal("0.01"))
                if has_price and base is not None
                else None
            )
            supplies.append(
                CompetitorSupply(
                    company_id=company_id,
                    competitor=competitor,
                    description=what,
                    product=products.get(sku),
                    price=price,
                    currency=currency if price is not None else "",
                    since=today - datetime.timedelta(days=rng.randint(30, 1500)),
                    recorded_by_id=owner_id,
                    created_at=now,
                    updated_at=now,
                )
            )
    CompetitorSupply.objects.bulk_create(supplies)
    competitor_type = ContentType.objects.get_for_model(Competitor)
    supply_type = ContentType.objects.get_for_model(CompetitorSupply)
    entries = [
        AuditEntry(
            content_type=competitor_type,
            object_id=competitor.pk,
            object_repr=str(competitor)[:200],
            action=AuditAction.CREATE,
            actor=actor,
            changes=diff({}, snapshot(competitor, Competitor.AUDITED_FIELDS)),
        )
        for competitor in competitors
    ]
    for supply in CompetitorSupply.objects.filter(competitor__in=competitors).select_related(
        "competitor", "company", "product", "recorded_by"
    ):
        entries.append(
            AuditEntry(
                content_type=supply_type,
                object_id=supply.pk,
                object_repr=str(supply)[:200],
                action=AuditAction.CREATE,
                actor=supply.recorded_by,
                changes=diff({}, snapshot(supply, CompetitorSupply.AUDITED_FIELDS)),
                company_id=supply.company_id,
            )
        )
    AuditEntry.objects.bulk_create(entries)
    return len(competitors)
