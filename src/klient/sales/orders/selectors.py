"""Reads of orders: the list, one order with its lines, and its delay notices."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from klient.core.models import User
from klient.core.search import fold
from klient.sales.orders.models import Order, OrderDelayNotice, OrderLine


def order_list(
    *,
    user: User,
    status: str = "",
    company_id: int | None = None,
    is_delayed: bool | None = None,
    q: str = "",
) -> QuerySet[Order]:
    """The orders the user sees, filtered; `q` matches the number, the ERP id or the company's name."""
    orders = Order.objects.visible_to(user).select_related("company", "owner")
    if status:
        orders = orders.filter(status=status)
    if company_id is not None:
        orders = orders.filter(company_id=company_id)
    if is_delayed is not None:
        orders = orders.filter(is_delayed=is_delayed)
    for word in fold(q).split():
        orders = (
            orders.filter(number__icontains=word)
            | orders.filter(external_id__icontains=word)
            | orders.filter(company__search_text__contains=word)
        )
    return orders


def order_get(*, user: User, pk: int) -> Order:
    """One visible order with its lines (in order); Order.DoesNotExist otherwise."""
    return (
        Order.objects.visible_to(user)
        .select_related("company", "contact", "owner", "quote", "contract")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("position")))
        .get(pk=pk)
    )


def order_delay_notices(order: Order) -> QuerySet[OrderDelayNotice]:
    """The order's delay notices, newest first, with their contact and message."""
    return OrderDelayNotice.objects.filter(order=order).select_related("contact", "message")
