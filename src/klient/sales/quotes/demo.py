"""The demo quotes: five per sales user on their customers' open deals, priced from the demo catalogue in
the companies' currencies and languages; some sent (a few viewed), one in five accepted or declined by the
customer, one waiting for a manager's approval of its discount.

Made through the services (numbers, totals and history as in real use), without sending mail; idempotent.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from klient.catalog.models import ExchangeRate, Product
from klient.core.models import User
from klient.customers.models import Contact
from klient.sales.models import Deal, StageKind
from klient.sales.quotes.models import Quote, QuoteStatus
from klient.sales.quotes.services import LineInput, quote_create

PER_OWNER = 5
INTRODUCTION = "Thank you for your enquiry. Here is our offer for the goods we discussed."


@transaction.atomic
def demo_quotes_load(owners: list[User]) -> int:
    """The demo quotes, unless quotes exist; returns how many were made."""
    if Quote.objects.exists():
        return 0
    products = list(Product.objects.filter(sku__startswith="DEMO-", is_active=True).order_by("sku"))
    if not products:
        return 0
    rng = random.Random(2030)  # noqa: S311 - demo data, not secrets
    # A company whose currency has no stored rate gets its quotes in its price type's currency.
    rated = {settings.BASE_CURRENCY, *ExchangeRate.objects.values_list("currency", flat=True).distinct()}
    now = timezone.now()
    made = 0
    for owner in owners:
        deals = list(
            Deal.objects.filter(owner=owner, status=StageKind.OPEN, company__price_type__isnull=False)
            .select_related("company__price_type")
            .order_by("pk")[:PER_OWNER]
        )
        for index, deal in enumerate(deals):
            contact = (
                Contact.objects.filter(company=deal.company, left_on__isnull=True)
                .exclude(email="")
                .order_by("pk")
                .first()
            )
            chosen = rng.sample(products, rng.randint(3, 8))
            lines = [
                LineInput(
                    product=product,
                    quantity=Decimal(rng.choice([1, 2, 5, 10, 20, 50, 100])),
                    discount_percent=Decimal(20) if index == 4 else None,
                )
                for product in chosen
            ]
            company = deal.company
            price_type = company.price_type
            currency = company.document_currency if company.document_currency in rated else ""
            quote = quote_create(
                actor=owner,
                company=company,
                contact=contact,
                deal=deal,
                lines=lines,
                introduction=INTRODUCTION,
                currency=currency or (price_type.currency if price_type else settings.BASE_CURRENCY),
            )
            made += 1
            if index == 4:
                Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.AWAITING_APPROVAL)
            elif index >= 1 and contact is not None:
                sent_at = now - datetime.timedelta(days=rng.randint(1, 20))
                status = {
                    1: QuoteStatus.SENT,
                    2: QuoteStatus.SENT,
                    3: rng.choice([QuoteStatus.ACCEPTED, QuoteStatus.DECLINED]),
                }[index]
                viewed = sent_at + datetime.timedelta(hours=rng.randint(1, 48)) if index >= 2 else None
                Quote.objects.filter(pk=quote.pk).update(
                    status=status,
                    sent_at=sent_at,
                    first_viewed_at=viewed,
                    view_count=rng.randint(1, 4) if viewed else 0,
                    answered_at=viewed if status != QuoteStatus.SENT else None,
                    answer_comment="Please deliver in two batches." if status == QuoteStatus.ACCEPTED else "",
                )
    return made
