"""Order updates from a file or an ERP: rows naming an order by `number` or `external_id`, with any of
`status`, `promised_date`, `delay_reason` and `is_delayed`. Every row is checked first; a rejected row
names its row number, field and reason and changes nothing; with `dry_run` nothing is stored and the
summary says what would have happened. A delay in a row tells the customer as a change by hand does."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from klient.catalog.importing import RowsImportResult
from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.sales.orders.models import Order, OrderStatus
from klient.sales.orders.services import order_update

# Header names a file may use for each column (case and spaces ignored).
COLUMN_NAMES = {
    "number": "number",
    "order": "number",
    "external_id": "external_id",
    "erp_id": "external_id",
    "status": "status",
    "promised_date": "promised_date",
    "shipping_date": "promised_date",
    "delay_reason": "delay_reason",
    "reason": "delay_reason",
    "is_delayed": "is_delayed",
    "delayed": "is_delayed",
}
TRUE = {"1", "true", "yes", "y"}
FALSE = {"0", "false", "no", "n", ""}


class OrderImportResult(RowsImportResult):
    kind = "orders"


def order_columns(headers: list[str]) -> dict[int, str]:
    """{column index: field} for an orders file's headers; a ValidationError when it names no order."""
    found = {
        index: COLUMN_NAMES[key]
        for index, header in enumerate(headers)
        if (key := header.strip().lower().replace(" ", "_")) in COLUMN_NAMES
    }
    if not {"number", "external_id"} & set(found.values()):
        raise ValidationError({"number": _("The file has no “number” or “external_id” column.")})
    return found


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(str(value).strip(), pattern).replace(tzinfo=datetime.UTC).date()
        except ValueError:
            continue
    raise ValidationError({"promised_date": _("Enter a date as YYYY-MM-DD or DD.MM.YYYY.")})


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValidationError({"is_delayed": _("Enter yes or no.")})


def _check_row(
    row: dict[str, Any], orders: dict[str, Order], by_erp: dict[str, Order]
) -> tuple[Order, dict[str, Any]]:
    errors: dict[str, str] = {}
    number = str(row.get("number") or "").strip()
    external_id = str(row.get("external_id") or "").strip()
    order = orders.get(number) if number else by_erp.get(external_id) if external_id else None
    if not number and not external_id:
        errors["number"] = _("Give the order's number or its ERP id.")
    elif order is None:
        name = "number" if number else "external_id"
        errors[name] = _("No order “%(value)s”, or you may not see it.") % {"value": number or external_id}
    data: dict[str, Any] = {}
    if number and external_id:
        data["external_id"] = external_id
    status = str(row.get("status") or "").strip().lower()
    if status:
        if status in OrderStatus.values:
            data["status"] = status
        else:
            errors["status"] = _("“%(value)s” is not an order status.") % {"value": status}
    for name, parse in (("promised_date", _date), ("is_delayed", _flag)):
        raw = row.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            value = parse(raw)
        except ValidationError as error:
            errors[name] = next(iter(error.messages))
            continue
        if value is not None:
            data[name] = value
    if row.get("delay_reason") is not None and str(row["delay_reason"]).strip():
        data["delay_reason"] = str(row["delay_reason"]).strip()
    if errors:
        raise ValidationError(errors)
    assert order is not None
    return order, data


def _differs(order: Order, data: dict[str, Any]) -> bool:
    return any(getattr(order, name) != value for name, value in data.items())


def orders_import_rows(
    *, actor: User, rows: Iterable[tuple[int, dict[str, Any]]], dry_run: bool = False
) -> OrderImportResult:
    """Apply numbered rows of order updates (a file's or an ERP's) to the orders the actor sees."""
    if not actor.has_perm("orders.change_order"):
        raise NotAllowed(_("You may not change orders."))
    result = OrderImportResult(dry_run=dry_run)
    numbered = list(rows)
    result.rows = len(numbered)
    numbers = {str(row.get("number") or "").strip() for _number, row in numbered} - {""}
    erp_ids = {str(row.get("external_id") or "").strip() for _number, row in numbered} - {""}
    visible = Order.objects.visible_to(actor)
    orders = {order.number: order for order in visible.filter(number__in=numbers)}
    by_erp = {order.external_id: order for order in visible.filter(external_id__in=erp_ids)}
    checked: list[tuple[int, Order, dict[str, Any]]] = []
    for number, row in numbered:
        try:
            checked.append((number, *_check_row(row, orders, by_erp)))
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                result.errors.extend(
                    {"row": number, "field": name, "message": message} for message in messages
                )
    changed = [(number, order, data) for number, order, data in checked if _differs(order, data)]
    result.updated, result.unchanged = len(changed), len(checked) - len(changed)
    if dry_run:
        return result
    with transaction.atomic():
        for number, order, data in changed:
            try:
                with transaction.atomic():
                    order_update(order=order, actor=actor, version=None, **data)
            except ValidationError as error:  # e.g. an ERP id another order took in an earlier row
                result.updated -= 1
                for name, messages in error.message_dict.items():
                    result.errors.extend(
                        {"row": number, "field": name, "message": message} for message in messages
                    )
    return result
