"""Stock from a file or an ERP: rows of (SKU, warehouse, available, restock date) applied in one go. Every
row is checked first; a rejected row names its row number, field and reason, and changes nothing. With
`atomic`, one rejected row stores nothing at all; with `dry_run`, nothing is stored and the summary says
what would have happened."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from klient.catalog.models import Product, Stock, Warehouse
from klient.catalog.selectors import CHUNK, products_by_sku
from klient.catalog.services import DEFAULT_WAREHOUSE, decimal_value, stock_set
from klient.core.exceptions import NotAllowed
from klient.core.models import User

# Header names a file may use for each column (case and spaces ignored).
COLUMN_NAMES = {
    "sku": "sku",
    "article": "sku",
    "code": "sku",
    "warehouse": "warehouse",
    "available": "available",
    "quantity": "available",
    "stock": "available",
    "restock_date": "restock_date",
    "restock": "restock_date",
    "expected": "restock_date",
}


@dataclass
class RowsImportResult:
    """What a feed of rows did (stock, orders): rows read, updated, unchanged, and errors by row and
    field; `kind` names the feed in the summary."""

    kind = ""
    rows: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return len({error["row"] for error in self.errors})

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "dry_run": self.dry_run,
            "errors": [{**error, "message": str(error["message"])} for error in self.errors],
        }


class StockImportResult(RowsImportResult):
    kind = "stock"


def stock_columns(headers: list[str]) -> dict[int, str]:
    """{column index: field} for the headers a stock file has; a ValidationError naming the missing ones."""
    found = {
        index: COLUMN_NAMES[key]
        for index, header in enumerate(headers)
        if (key := header.strip().lower().replace(" ", "_")) in COLUMN_NAMES
    }
    missing = sorted({"sku", "available"} - set(found.values()))
    if missing:
        raise ValidationError(
            {name: _("The file has no “%(column)s” column.") % {"column": name} for name in missing}
        )
    return found


def _date(text: Any) -> datetime.date | None:
    if text is None or isinstance(text, datetime.date):
        return text
    value = str(text).strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).replace(tzinfo=datetime.UTC).date()
        except ValueError:
            continue
    raise ValidationError({"restock_date": _("Enter a date as YYYY-MM-DD or DD.MM.YYYY.")})


@dataclass(frozen=True)
class _Checked:
    product: Product
    warehouse: Warehouse
    available: Decimal
    restock_date: datetime.date | None


def stock_rows_apply(
    *, actor: User, rows: Iterable[tuple[int, dict[str, Any]]], dry_run: bool = False, atomic: bool = False
) -> StockImportResult:
    """Apply numbered rows ({"sku", "warehouse", "available", "restock_date"}) of stock."""
    if not actor.has_perm("catalog.change_stock"):
        raise NotAllowed(_("You may not change stock."))
    result = StockImportResult(dry_run=dry_run)
    numbered = list(rows)
    result.rows = len(numbered)
    products = products_by_sku(str(row.get("sku") or "") for _number, row in numbered)
    warehouses = {warehouse.code: warehouse for warehouse in Warehouse.objects.filter(is_active=True)}
    checked: list[_Checked] = []
    for number, row in numbered:
        try:
            checked.append(_check_row(row, products, warehouses))
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                result.errors.extend(
                    {"row": number, "field": name, "message": message} for message in messages
                )
    if atomic and result.errors:
        return result
    current = _current(checked)
    changed = [
        item
        for item in checked
        if current.get((item.product.pk, item.warehouse.pk)) != (item.available, item.restock_date)
    ]
    result.updated, result.unchanged = len(changed), len(checked) - len(changed)
    if dry_run:
        return result
    with transaction.atomic():
        for item in changed:
            stock_set(
                actor=actor,
                product=item.product,
                available=item.available,
                restock_date=item.restock_date,
                warehouse=item.warehouse,
            )
    return result


def _current(checked: list[_Checked]) -> dict[tuple[int, int], tuple[Decimal, datetime.date | None]]:
    ids = sorted({item.product.pk for item in checked})
    current = {}
    for start in range(0, len(ids), CHUNK):
        for row in Stock.objects.filter(product_id__in=ids[start : start + CHUNK]):
            current[(row.product_id, row.warehouse_id)] = (row.available, row.restock_date)
    return current


def _check_row(
    row: dict[str, Any], products: dict[str, Product], warehouses: dict[str, Warehouse]
) -> _Checked:
    errors: dict[str, str] = {}
    sku = str(row.get("sku") or "").strip()
    product = products.get(sku.lower())
    if not sku:
        errors["sku"] = _("Give the product's SKU.")
    elif product is None:
        errors["sku"] = _("No product with the SKU “%(sku)s”.") % {"sku": sku}
    elif product.is_service:
        errors["sku"] = _("A service has no stock.")
    code = str(row.get("warehouse") or "").strip() or DEFAULT_WAREHOUSE
    warehouse = warehouses.get(code)
    if warehouse is None:
        errors["warehouse"] = _("No active warehouse with this code.")
    available = Decimal(0)
    try:
        available = decimal_value(row.get("available", ""), "available", places=3, digits=14)
    except ValidationError as error:
        errors.update({name: messages[0] for name, messages in error.message_dict.items()})
    restock_date = None
    try:
        restock_date = _date(row.get("restock_date"))
    except ValidationError as error:
        errors.update({name: messages[0] for name, messages in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    assert product is not None and warehouse is not None
    return _Checked(product, warehouse, available, restock_date)
