"""The demo orders: one for every accepted demo quote, some in production or shipped, and every other one
delayed by the supplier with a later promised date (recorded without emailing the demo customers).

Made through the service (numbers, lines and history as in real use); idempotent.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from klient.sales.orders.models import Order, OrderStatus
from klient.sales.orders.services import order_create_from_quote
from klient.sales.quotes.models import Quote, QuoteStatus

STATUSES = (OrderStatus.CONFIRMED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED)


@transaction.atomic
def demo_orders_load() -> int:
    """Orders of the accepted demo quotes that have none; returns how many were made."""
    made = 0
    quotes = Quote.objects.filter(status=QuoteStatus.ACCEPTED, order__isnull=True).select_related("owner")
    for index, quote in enumerate(quotes.order_by("pk")):
        order = order_create_from_quote(quote=quote, actor=quote.owner)
        changes: dict[str, object] = {"status": STATUSES[index % len(STATUSES)]}
        if index % 2 == 0:
            changes.update(
                is_delayed=True,
                delay_reason="The supplier's delivery of timber is late.",
                promised_date=order.promised_date + datetime.timedelta(days=7),
            )
        Order.objects.filter(pk=order.pk).update(**changes)
        made += 1
    return made
