"""State changes of the catalogue: products (with their analogues and stock), stock, price lists and their
prices, exchange rates. Each writes its audit entry in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from klient.catalog.models import (
    Analog,
    Category,
    CustomerPrice,
    ExchangeRate,
    LogisticsRequest,
    LogisticsRequestStatus,
    Price,
    PriceList,
    Product,
    RestockNotice,
    Stock,
    Unit,
    Warehouse,
    validate_currency,
)
from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import Role, User
from klient.core.search import fold

DEFAULT_WAREHOUSE = "main"
# What a caller sets: the audited fields (analogues and stock have their own arguments).
PRODUCT_FIELDS = set(Product.AUDITED_FIELDS)
PRICE_LIST_FIELDS = set(PriceList.AUDITED_FIELDS)
OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def decimal_value(
    value: Any, field: str, *, places: int, digits: int = 18, minimum: Decimal | None = Decimal(0)
) -> Decimal:
    """A decimal from a string or number, with at most `places` decimals and `digits` digits in all, not
    below `minimum`; a ValidationError naming `field` otherwise."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number, e.g. 12.50.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number, e.g. 12.50.")})
    if abs(number) >= Decimal(10) ** (digits - places):
        raise ValidationError({field: _("The number is too large.")})
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError({field: _("At most %(count)d decimal places.") % {"count": places}})
    if minimum is not None and number < minimum:
        raise ValidationError({field: _("Must be at least %(minimum)s.") % {"minimum": minimum}})
    return number.quantize(Decimal(1).scaleb(-places))


def _translations(value: Any, field: str) -> dict[str, str]:
    """{"pl": "…", "zh-hans": "…"}: only this installation's other languages, empty texts left out."""
    if not isinstance(value, Mapping):
        raise ValidationError({field: _('Give the texts by language code, e.g. {"pl": "…"}.')})
    texts = {}
    for code, text in value.items():
        if code not in OTHER_LANGUAGES:
            raise ValidationError(
                {field: _("“%(value)s” is not a language of this installation.") % {"value": code}}
            )
        if not isinstance(text, str):
            raise ValidationError({field: _("Each text is a string.")})
        if text.strip():
            texts[code] = text.strip()
    return texts


def _check_product(product: Product) -> None:
    errors: dict[str, str] = {}
    product.sku = product.sku.strip()
    product.name = product.name.strip()
    if not product.sku:
        errors["sku"] = _("Give the product a SKU.")
    elif len(product.sku) > 64:
        errors["sku"] = _("At most %(count)d characters.") % {"count": 64}
    elif Product.objects.filter(sku__iexact=product.sku).exclude(pk=product.pk).exists():
        errors["sku"] = _("Another product has the SKU “%(sku)s”.") % {"sku": product.sku}
    if not product.name:
        errors["name"] = _("Give the product a name.")
    elif len(product.name) > 200:
        errors["name"] = _("At most %(count)d characters.") % {"count": 200}
    if product.unit not in Unit.values:
        errors["unit"] = _("Unknown unit “%(value)s”.") % {"value": product.unit}
    if errors:
        raise ValidationError(errors)


def product_search_text(product: Product) -> str:
    return fold(" ".join([product.sku, product.name, *product.names.values()]))


def _apply_product(product: Product, data: dict[str, Any]) -> None:
    unknown = set(data) - PRODUCT_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        if name in ("names", "descriptions"):
            value = _translations(value or {}, name)
        elif name == "vat_rate":
            value = decimal_value(value, "vat_rate", places=2, digits=5)
            if value > 100:
                raise ValidationError({"vat_rate": _("A VAT rate is at most 100 %.")})
        elif name == "category" and value is not None and not isinstance(value, Category):
            value = _category(value)
        elif name == "description" and value is None:
            value = ""
        setattr(product, name, value)


def _category(name: Any) -> Category:
    """The category of this name, made if there is none."""
    text = str(name).strip()
    if not text:
        raise ValidationError({"category": _("Give the category a name.")})
    category, _made = Category.objects.get_or_create(name=text[:100])
    return category


def _require(actor: User, permission: str, message: str) -> None:
    if not actor.has_perm(permission):
        raise NotAllowed(message)


def default_warehouse() -> Warehouse:
    """The warehouse stock goes to when none is named ("main", made if it was deleted)."""
    warehouse, _made = Warehouse.objects.get_or_create(code=DEFAULT_WAREHOUSE, defaults={"name": "Main"})
    return warehouse


def _analogs_of(product: Product, analogs: Iterable[Any]) -> list[tuple[Product, str]]:
    """[(analogue, note)] from ids, products or {"product": id, "note": "…"}; each a known other product."""
    wanted: list[tuple[int, str]] = []
    for entry in analogs:
        if isinstance(entry, Mapping):
            pk, note = entry.get("product"), str(entry.get("note") or "").strip()[:200]
        else:
            pk, note = entry, ""
        pk = pk.pk if isinstance(pk, Product) else pk
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValidationError({"analogs": _("Give the analogues as product ids.")})
        wanted.append((pk, note))
    found = Product.objects.in_bulk([pk for pk, _note in wanted])
    missing = [str(pk) for pk, _note in wanted if pk not in found]
    if missing:
        raise ValidationError({"analogs": _("No product with the id %(ids)s.") % {"ids": ", ".join(missing)}})
    if any(pk == product.pk for pk, _note in wanted):
        raise ValidationError({"analogs": _("A product is not its own analogue.")})
    seen: dict[int, str] = {}
    for pk, note in wanted:
        seen.setdefault(pk, note)
    return [(found[pk], note) for pk, note in seen.items()]


def _set_analogs(product: Product, analogs: list[tuple[Product, str]]) -> None:
    Analog.objects.filter(product=product).exclude(analog__in=[analog for analog, _note in analogs]).delete()
    for analog, note in analogs:
        Analog.objects.update_or_create(product=product, analog=analog, defaults={"note": note})


def _analog_labels(product: Product) -> list[str]:
    return [
        f"{link.analog.sku}{': ' + link.note if link.note else ''}"
        for link in product.analog_links.select_related("analog").order_by("id")
    ]


@transaction.atomic
def product_create(
    *,
    actor: User,
    analogs: Iterable[Any] | None = None,
    stock: Any = None,
    restock_date: datetime.date | None = None,
    **data: Any,
) -> Product:
    """Add a product; `stock` (with `restock_date`) is its available quantity in the main warehouse,
    `analogs` the products that can replace it."""
    _require(actor, "catalog.add_product", _("You may not add products."))
    product = Product()
    _apply_product(product, {"names": {}, "descriptions": {}, **data})
    _check_product(product)
    product.search_text = product_search_text(product)
    product.save()
    links = _analogs_of(product, analogs or [])
    _set_analogs(product, links)
    changes = diff({}, snapshot(product, Product.AUDITED_FIELDS))
    if links:
        changes["analogs"] = _change(None, _analog_labels(product))
    if stock is not None or restock_date is not None:
        if product.is_service:
            raise ValidationError({"stock": _("A service has no stock.")})
        warehouse = default_warehouse()
        row = Stock.objects.create(
            product=product,
            warehouse=warehouse,
            available=decimal_value(0 if stock is None else stock, "stock", places=3, digits=14),
            restock_date=restock_date,
        )
        changes[f"stock {warehouse.code}"] = _change(None, row.available)
        changes[f"restock {warehouse.code}"] = _change(None, restock_date)
    audit_log(instance=product, action=AuditAction.CREATE, actor=actor, changes=changes)
    return product


def _change(before: Any, after: Any) -> dict[str, Any]:
    """One entry of an audit record's changes (values without labels): dates as ISO text, decimals as
    plain text."""

    def text(value: Any) -> Any:
        if isinstance(value, datetime.date):
            return value.isoformat()
        return f"{value:f}" if isinstance(value, Decimal) else value

    return {"from": text(before), "to": text(after), "from_label": None, "to_label": None}


@transaction.atomic
def product_update(
    *, product: Product, actor: User, version: int, analogs: Iterable[Any] | None = None, **data: Any
) -> Product:
    """Change a product (and, when given, replace its analogues); refused with VersionConflict if
    `version` is stale."""
    _require(actor, "catalog.change_product", _("You may not change products."))
    current = Product.objects.select_for_update().get(pk=product.pk)
    if current.version != version:
        raise VersionConflict(current.version)
    before = snapshot(current, Product.AUDITED_FIELDS)
    analogs_before = _analog_labels(current)
    _apply_product(current, data)
    _check_product(current)
    if analogs is not None:
        _set_analogs(current, _analogs_of(current, analogs))
    changes = diff(before, snapshot(current, Product.AUDITED_FIELDS))
    analogs_after = _analog_labels(current)
    if analogs_after != analogs_before:
        changes["analogs"] = _change(analogs_before, analogs_after)
    if not changes:
        return current
    current.search_text = product_search_text(current)
    current.version = version + 1
    current.updated_at = timezone.now()
    current.save()
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current


@transaction.atomic
def stock_set(
    *,
    actor: User,
    product: Product,
    available: Any,
    restock_date: datetime.date | None = None,
    warehouse: Warehouse | None = None,
) -> Stock:
    """Set what a warehouse (the main one by default) has of a product and when more comes. The audit
    entry goes on the product."""
    _require(actor, "catalog.change_stock", _("You may not change stock."))
    if product.is_service:
        raise ValidationError({"available": _("A service has no stock.")})
    quantity = decimal_value(available, "available", places=3, digits=14)
    warehouse = warehouse or default_warehouse()
    row = Stock.objects.select_for_update().filter(product=product, warehouse=warehouse).first()
    before = (row.available, row.restock_date) if row else (None, None)
    if row is None:
        row = Stock(product=product, warehouse=warehouse)
    row.available, row.restock_date = quantity, restock_date
    if before == (row.available, row.restock_date):
        return row
    row.save()
    Product.objects.filter(pk=product.pk).update(version=F("version") + 1, updated_at=timezone.now())
    audit_log(
        instance=product,
        action=AuditAction.UPDATE,
        actor=actor,
        changes={
            f"stock {warehouse.code}": _change(before[0], quantity),
            f"restock {warehouse.code}": _change(before[1], restock_date),
        },
    )
    if quantity > (before[0] or 0) and quantity > 0:
        restock_notices_release(product=product)
    return row


def _prices_of(prices: Iterable[Any]) -> dict[int, Decimal]:
    """{product id: amount} from [{"product": id, "amount": "12.50"}]; each product once, known."""
    amounts: dict[int, Decimal] = {}
    for index, entry in enumerate(prices):
        if not isinstance(entry, Mapping):
            raise ValidationError({f"prices.{index}": _("Give a product and an amount.")})
        pk = entry.get("product")
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValidationError({f"prices.{index}.product": _("Give the product's id.")})
        if pk in amounts:
            raise ValidationError({f"prices.{index}.product": _("This product has a price above already.")})
        amounts[pk] = decimal_value(entry.get("amount"), f"prices.{index}.amount", places=4)
    known = set(Product.objects.filter(pk__in=amounts).values_list("pk", flat=True))
    for index, pk in enumerate(amounts):
        if pk not in known:
            raise ValidationError(
                {f"prices.{index}.product": _("No product with the id %(ids)s.") % {"ids": pk}}
            )
    return amounts


def _check_price_list(price_list: PriceList) -> None:
    errors: dict[str, str] = {}
    price_list.name = price_list.name.strip()
    price_list.currency = price_list.currency.strip().upper()
    if not price_list.name:
        errors["name"] = _("Give the price list a name.")
    elif PriceList.objects.filter(name__iexact=price_list.name).exclude(pk=price_list.pk).exists():
        errors["name"] = _("Another price list is named “%(name)s”.") % {"name": price_list.name}
    try:
        validate_currency(price_list.currency)
    except ValidationError as error:
        errors["currency"] = error.messages[0]
    if price_list.valid_from and price_list.valid_until and price_list.valid_until < price_list.valid_from:
        errors["valid_until"] = _("The validity ends before it starts.")
    if errors:
        raise ValidationError(errors)


def _write_prices(price_list: PriceList, amounts: dict[int, Decimal]) -> int:
    """Add or change these prices (others stay); returns how many changed."""
    existing = {
        price.product_id: price
        for price in Price.objects.filter(price_list=price_list, product_id__in=amounts)
    }
    new, altered = [], []
    for pk, amount in amounts.items():
        price = existing.get(pk)
        if price is None:
            new.append(Price(price_list=price_list, product_id=pk, amount=amount))
        elif price.amount != amount:
            price.amount = amount
            altered.append(price)
    Price.objects.bulk_create(new)
    Price.objects.bulk_update(altered, ["amount"])
    return len(new) + len(altered)


@transaction.atomic
def price_list_create(*, actor: User, prices: Iterable[Any] | None = None, **data: Any) -> PriceList:
    """Add a price list with its prices ([{"product": id, "amount": "12.50"}])."""
    _require(actor, "catalog.add_pricelist", _("You may not add price lists."))
    unknown = set(data) - PRICE_LIST_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    price_list = PriceList(**data)
    _check_price_list(price_list)
    amounts = _prices_of(prices or [])
    price_list.save()
    _write_prices(price_list, amounts)
    changes = diff({}, snapshot(price_list, PriceList.AUDITED_FIELDS))
    if amounts:
        changes["prices"] = _change(None, len(amounts))
    audit_log(instance=price_list, action=AuditAction.CREATE, actor=actor, changes=changes)
    return price_list


@transaction.atomic
def price_list_update(
    *,
    price_list: PriceList,
    actor: User,
    version: int,
    prices: Iterable[Any] | None = None,
    remove: Iterable[int] = (),
    **data: Any,
) -> PriceList:
    """Change a price list: its fields, prices added or changed (`prices`), products taken off it
    (`remove`, ids); refused with VersionConflict if `version` is stale."""
    _require(actor, "catalog.change_pricelist", _("You may not change price lists."))
    current = PriceList.objects.select_for_update().get(pk=price_list.pk)
    if current.version != version:
        raise VersionConflict(current.version)
    unknown = set(data) - PRICE_LIST_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    before = snapshot(current, PriceList.AUDITED_FIELDS)
    for name, value in data.items():
        setattr(current, name, value)
    _check_price_list(current)
    changes = diff(before, snapshot(current, PriceList.AUDITED_FIELDS))
    changed = _write_prices(current, _prices_of(prices or []))
    removed = Price.objects.filter(price_list=current, product_id__in=list(remove)).delete()[0]
    if changed or removed:
        changes["prices"] = _change(None, {"changed": changed, "removed": removed})
    if not changes:
        return current
    current.version = version + 1
    current.updated_at = timezone.now()
    current.save()
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current


@transaction.atomic
def exchange_rate_set(*, actor: User, currency: str, on: datetime.date, rate: Any) -> ExchangeRate:
    """Record what one unit of `currency` was worth in the base currency on a day (replacing that day's)."""
    _require(actor, "catalog.add_exchangerate", _("You may not record exchange rates."))
    code = str(currency).strip().upper()
    try:
        validate_currency(code)
    except ValidationError as error:
        raise ValidationError({"currency": error.messages[0]}) from None
    if code == settings.BASE_CURRENCY:
        raise ValidationError(
            {"currency": _("Rates are of other currencies than the base currency %(code)s.") % {"code": code}}
        )
    value = decimal_value(rate, "rate", places=10, digits=20)
    if value <= 0:
        raise ValidationError({"rate": _("A rate is more than 0.")})
    row = ExchangeRate.objects.filter(currency=code, on=on).first()
    before = snapshot(row, ["rate"]) if row else {}
    if row is None:
        row = ExchangeRate(currency=code, on=on)
    row.rate = value
    row.save()
    changes = diff(before, snapshot(row, ["rate"]))
    if changes:
        audit_log(
            instance=row,
            action=AuditAction.UPDATE if before else AuditAction.CREATE,
            actor=actor,
            changes=changes,
        )
    return row


CUSTOMER_PRICE_FIELDS = {"amount", "currency", "discount_percent", "valid_from", "valid_until", "note"}


def _may_keep_customer_prices(actor: User) -> None:
    if not (
        actor.has_perm("catalog.change_customerprice") and actor.has_perm("customers.view_commercial_terms")
    ):
        raise NotAllowed(_("You may not change a client's special prices."))


def _check_customer_price(term: CustomerPrice) -> None:
    errors: dict[str, str] = {}
    if term.amount is None and term.discount_percent is None:
        errors["amount"] = _("Give a special price or a discount.")
    elif term.amount is not None and term.discount_percent is not None:
        errors["discount_percent"] = _("Give a special price or a discount, not both.")
    if term.amount is not None:
        term.amount = decimal_value(term.amount, "amount", places=4)
        term.currency = str(term.currency or "").strip().upper()
        if not term.currency:
            errors["currency"] = _("A special price needs its currency.")
        else:
            try:
                validate_currency(term.currency)
            except ValidationError as error:
                errors["currency"] = error.messages[0]
    else:
        term.currency = ""
    if term.discount_percent is not None:
        term.discount_percent = decimal_value(term.discount_percent, "discount_percent", places=2, digits=5)
        if term.discount_percent > 100:
            errors["discount_percent"] = _("A discount is at most 100 %.")
    if term.valid_from and term.valid_until and term.valid_until < term.valid_from:
        errors["valid_until"] = _("The end comes before the start.")
    term.note = str(term.note or "").strip()[:200]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def customer_price_set(*, company: Any, product: Product, actor: User, **data: Any) -> CustomerPrice:
    """Give the client a special price (`amount` in `currency`) or a `discount_percent` on the product's
    list price, replacing the one it had on that product."""
    _may_keep_customer_prices(actor)
    unknown = set(data) - CUSTOMER_PRICE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    term = CustomerPrice.objects.select_for_update().filter(company=company, product=product).first()
    before = snapshot(term, CustomerPrice.AUDITED_FIELDS) if term is not None else {}
    if term is None:
        term = CustomerPrice(company=company, product=product)
    for name in CUSTOMER_PRICE_FIELDS:
        setattr(term, name, data.get(name, "" if name in {"currency", "note"} else None))
    _check_customer_price(term)
    changes = diff(before, snapshot(term, CustomerPrice.AUDITED_FIELDS))
    if not changes:
        return term
    if before:
        term.version += 1
        term.updated_at = timezone.now()
    term.save()
    audit_log(
        instance=term,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        actor=actor,
        changes=changes,
    )
    return term


@transaction.atomic
def customer_price_delete(*, term: CustomerPrice, actor: User) -> None:
    """Take a client's special price or discount on a product away."""
    _may_keep_customer_prices(actor)
    audit_log(
        instance=term,
        action=AuditAction.DELETE,
        actor=actor,
        changes=diff(snapshot(term, CustomerPrice.AUDITED_FIELDS), {}),
    )
    term.delete()


# --- logistics requests and restock notices ------------------------------------------------------------

LOGISTICS_DUE_DAYS = 2


def _logistics_assignee() -> User | None:
    """The active logistics user with the fewest open requests (then by name)."""
    from django.db.models import Count, Q

    return (
        User.objects.filter(role=Role.LOGISTICS, is_active=True)
        .annotate(
            open_requests=Count(
                "logistics_assignments",
                filter=Q(
                    logistics_assignments__status__in=[
                        LogisticsRequestStatus.OPEN,
                        LogisticsRequestStatus.IN_PROGRESS,
                    ]
                ),
            )
        )
        .order_by("open_requests", "username")
        .first()
    )


@transaction.atomic
def logistics_request_create(
    *,
    actor: User,
    product: Product,
    quantity: Any,
    company: Any = None,
    due_date: datetime.date | None = None,
    note: str = "",
    source: str = "",
) -> LogisticsRequest:
    """Ask logistics for a product (for a company the actor sees): given to the logistics user with the
    fewest open requests, who is emailed; it shows on the company's timeline."""
    from klient.customers.selectors import company_require_visible
    from klient.mail.services import mail_to_user

    _require(actor, "catalog.add_logisticsrequest", _("You may not ask logistics."))
    if company is not None:
        company_require_visible(user=actor, company=company)
    if product.is_service:
        raise ValidationError({"product": _("A service has no stock.")})
    amount = decimal_value(quantity, "quantity", places=3, digits=14)
    if amount <= 0:
        raise ValidationError({"quantity": _("The quantity is more than 0.")})
    today = timezone.localdate()
    due = due_date or today + datetime.timedelta(days=LOGISTICS_DUE_DAYS)
    if due < today:
        raise ValidationError({"due_date": _("The due date has passed.")})
    request = LogisticsRequest.objects.create(
        product=product,
        quantity=amount,
        company=company,
        source=str(source or "").strip()[:100],
        due_date=due,
        note=str(note or "").strip(),
        requested_by=actor,
        assignee=_logistics_assignee(),
    )
    audit_log(
        instance=request,
        action=AuditAction.CREATE,
        actor=actor,
        changes=diff({}, snapshot(request, LogisticsRequest.AUDITED_FIELDS)),
        company_id=company.pk if company is not None else None,
    )
    assignee = request.assignee
    if assignee is not None and assignee.email:
        from django.conf import settings as django_settings
        from django.urls import reverse
        from django.utils import translation

        with translation.override(assignee.language or django_settings.LANGUAGE_CODE):
            mail_to_user(
                user=assignee,
                subject=_("Logistics request: %(sku)s × %(quantity)s")
                % {"sku": product.sku, "quantity": amount},
                body=_("%(person)s asks for %(quantity)s × %(sku)s %(name)s by %(due)s.")
                % {
                    "person": actor.get_full_name() or actor.username,
                    "quantity": amount,
                    "sku": product.sku,
                    "name": product.name,
                    "due": due.isoformat(),
                }
                + ("\n\n" + request.note if request.note else "")
                + "\n\n"
                + django_settings.BASE_URL
                + reverse("catalog:logistics_request_list"),
                key=f"logistics-request:{request.pk}",
            )
    return request


@transaction.atomic
def logistics_request_update(
    *, request: LogisticsRequest, actor: User, version: int, **data: Any
) -> LogisticsRequest:
    """Logistics answer a request: its status, their answer, the due date or who has it."""
    _require(actor, "catalog.change_logisticsrequest", _("You may not change logistics requests."))
    current = LogisticsRequest.objects.select_for_update().get(pk=request.pk)
    if current.version != version:
        raise VersionConflict(current.version)
    unknown = set(data) - {"status", "answer", "due_date", "assignee"}
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    before = snapshot(current, LogisticsRequest.AUDITED_FIELDS)
    for name, value in data.items():
        setattr(current, name, value)
    if current.status not in LogisticsRequestStatus.values:
        raise ValidationError({"status": _("“%(value)s” is not a status.") % {"value": current.status}})
    current.answer = str(current.answer or "").strip()
    if current.assignee is not None and current.assignee.role != Role.LOGISTICS:
        raise ValidationError({"assignee": _("Give the request to someone in logistics.")})
    changes = diff(before, snapshot(current, LogisticsRequest.AUDITED_FIELDS))
    if not changes:
        return current
    closed = current.status in {LogisticsRequestStatus.DONE, LogisticsRequestStatus.CANCELLED}
    current.resolved_at = (current.resolved_at or timezone.now()) if closed else None
    current.version = version + 1
    current.updated_at = timezone.now()
    current.save()
    audit_log(
        instance=current,
        action=AuditAction.UPDATE,
        actor=actor,
        changes=changes,
        company_id=current.company_id,
    )
    return current


@transaction.atomic
def restock_notice_create(*, actor: User, product: Product, contact: Any) -> RestockNotice:
    """ "Tell the customer when it arrives": the contact is emailed in their language once the warehouses
    have the product again. Asking twice keeps one notice."""
    from klient.catalog.selectors import availability
    from klient.customers.selectors import company_require_visible

    _require(actor, "catalog.add_restocknotice", _("You may not ask for restock notices."))
    company_require_visible(user=actor, company=contact.company)
    if product.is_service:
        raise ValidationError({"product": _("A service has no stock.")})
    if not contact.email:
        raise ValidationError({"contact": _("The contact has no email address.")})
    if availability(product).available > 0:
        raise ValidationError({"product": _("%(sku)s is in stock now.") % {"sku": product.sku}})
    notice = RestockNotice.objects.filter(product=product, contact=contact, sent_at__isnull=True).first()
    if notice is None:
        notice = RestockNotice.objects.create(
            product=product, contact=contact, company=contact.company, requested_by=actor
        )
    return notice


def restock_notices_release(*, product: Product) -> int:
    """Email the contacts waiting for the product (it is in stock again), each in their language, once;
    returns how many were queued. Called by stock_set in its transaction."""
    from django.utils import translation

    from klient.mail.services import contact_language, mail_to_contact

    sent = 0
    waiting = RestockNotice.objects.select_for_update().filter(product=product, sent_at__isnull=True)
    for notice in waiting.select_related("contact__company", "requested_by"):
        contact = notice.contact
        language = contact_language(contact=contact, actor=notice.requested_by)
        with translation.override(language):
            name = product.name_in(language)
            subject = _("%(name)s is in stock again") % {"name": name}
            body = (
                _("Dear %(person)s,") % {"person": contact.full_name}
                + "\n\n"
                + _("%(name)s (%(sku)s), which you asked about, is in stock again and can be delivered.")
                % {"name": name, "sku": product.sku}
                + "\n\n"
                + _("Reply to this message to order it.")
                + "\n\n"
                + (notice.requested_by.get_full_name() or notice.requested_by.username)
                + "\n"
            )
        try:
            mail_to_contact(
                actor=notice.requested_by,
                contact=contact,
                subject=subject,
                body=body,
                key=f"restock:{notice.pk}",
                language=language,
            )
        except (ValidationError, NotAllowed):
            continue  # the contact unsubscribed or lost their address, or the seller left: skip it
        RestockNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
        sent += 1
    return sent
