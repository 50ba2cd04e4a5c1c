"""State changes of orders: make one from an accepted quote or under a signed contract, change its status, promised date and delay
(by hand, from a file or from an ERP), tell the customer's contact of a delay once per change, and send a
key account its current rates. Each writes its audit entry in the same transaction; mail and webhooks
leave after the commit."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from klient.catalog.models import Price, Product, Unit
from klient.catalog.selectors import client_prices, convert_unit_price
from klient.catalog.services import decimal_value
from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.l10n import format_money
from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.customers.selectors import company_require_visible
from klient.mail.models import MailPurpose, OutboxMessage
from klient.mail.services import contact_language, mail_to_contact
from klient.sales.contracts.models import Contract, ContractLine, ContractStatus
from klient.sales.orders.models import Order, OrderCounter, OrderDelayNotice, OrderLine, OrderStatus
from klient.sales.quotes.models import PriceSource, Quote, QuoteLine, QuoteStatus
from klient.sales.quotes.services import line_amounts, money_round
from klient.webhooks.models import WebhookEvent
from klient.webhooks.services import webhook_emit

ORDER_FIELDS = {"status", "promised_date", "delay_reason", "is_delayed", "external_id"}
# Days from the order to the promised shipping date when none is given.
DEFAULT_LEAD_DAYS = 14
# Lines of one order placed under a contract, at most.
MAX_ORDER_LINES = 1000
# Products a rates email lists, at most.
MAX_RATES = 200


def _may(actor: User, permission: str, message: str) -> None:
    if not actor.has_perm(permission):
        raise NotAllowed(message)


def _next_number(on: datetime.date) -> str:
    counter, _made = OrderCounter.objects.select_for_update().get_or_create(year=on.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"O-{on.year}-{counter.last:05d}"


@transaction.atomic
def order_create_from_quote(
    *, quote: Quote, actor: User, promised_date: datetime.date | None = None
) -> Order:
    """Make the order of an accepted quote: its company, contact, currency, totals and lines copied; the
    shipping date promised in 14 days unless given. A quote has one order at most."""
    _may(actor, "orders.add_order", _("You may not make orders."))
    company_require_visible(user=actor, company=quote.company)
    current = Quote.objects.select_for_update(of=("self",)).get(pk=quote.pk)
    if current.status != QuoteStatus.ACCEPTED:
        raise ValidationError({"quote": _("Only an accepted quote becomes an order.")})
    existing = Order.objects.filter(quote=current).only("number").first()
    if existing is not None:
        raise ValidationError(
            {"quote": _("This quote has an order already: %(number)s.") % {"number": existing.number}}
        )
    today = timezone.localdate()
    order = Order.objects.create(
        number=_next_number(today),
        quote=current,
        company_id=current.company_id,
        contact_id=current.contact_id,
        currency=current.currency,
        subtotal=current.subtotal,
        tax_total=current.tax_total,
        total=current.total,
        promised_date=promised_date or today + datetime.timedelta(days=DEFAULT_LEAD_DAYS),
        owner=actor,
    )
    lines = [_copied(line) for line in current.lines.order_by("position")]
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    changes = diff({}, snapshot(order, Order.AUDITED_FIELDS))
    changes["quote"] = {"from": None, "to": current.pk, "from_label": None, "to_label": current.label}
    audit_log(instance=order, action=AuditAction.CREATE, actor=actor, changes=changes)
    return order


def _copied(line: QuoteLine | ContractLine) -> OrderLine:
    """An order line as the quote's or contract's line reads (its order set by the caller)."""
    assert line.product_id is not None  # a contract's line whose product is gone is refused before
    return OrderLine(
        position=line.position,
        product_id=line.product_id,
        sku=line.sku,
        name=line.name,
        unit=line.unit,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount_percent=line.discount_percent,
        tax_rate=line.tax_rate,
        line_subtotal=line.line_subtotal,
        line_tax=line.line_tax,
    )


@dataclass
class OrderLineInput:
    """A line ordered under a contract: the product and the quantity."""

    product: Product
    quantity: Any


def _contract_lines(contract: Contract, entries: list[OrderLineInput], on: datetime.date) -> list[OrderLine]:
    """The lines asked for, priced at the client's prices on the day in the contract's currency, with the
    contract's discount on price-type prices (a special price has its own); errors name the line."""
    if len(entries) > MAX_ORDER_LINES:
        raise ValidationError(
            {"lines": _("An order has at most %(count)d lines.") % {"count": MAX_ORDER_LINES}}
        )
    prices = client_prices(company=contract.company, products=[entry.product for entry in entries], on=on)
    lines: list[OrderLine] = []
    errors: dict[str, str] = {}
    for index, entry in enumerate(entries):
        where = f"lines[{index}]"
        product = entry.product
        try:
            quantity = decimal_value(entry.quantity, f"{where}.quantity", places=3, digits=14)
            if quantity <= 0:
                raise ValidationError({f"{where}.quantity": _("The quantity is more than 0.")})
            price = prices.get(product.pk)
            if price is None:
                raise ValidationError(
                    {f"{where}.product": _("The client has no price for %(sku)s.") % {"sku": product.sku}}
                )
            if not product.is_active:
                raise ValidationError(
                    {f"{where}.product": _("%(sku)s is no longer sold.") % {"sku": product.sku}}
                )
        except ValidationError as error:
            errors.update({field: messages[0] for field, messages in error.message_dict.items()})
            continue
        unit_price = convert_unit_price(price.amount, price.currency, contract.currency, on)
        discount = price.discount_percent
        if price.source != PriceSource.CUSTOMER_PRICE and contract.discount_percent is not None:
            discount = contract.discount_percent
        subtotal, tax = line_amounts(
            quantity=quantity,
            unit_price=unit_price,
            discount_percent=discount,
            tax_rate=product.vat_rate,
            currency=contract.currency,
        )
        lines.append(
            OrderLine(
                position=index + 1,
                product=product,
                sku=product.sku,
                name=product.name_in(contract.language)[:200],
                unit=product.unit,
                quantity=quantity,
                unit_price=unit_price,
                discount_percent=discount,
                tax_rate=product.vat_rate,
                line_subtotal=subtotal,
                line_tax=tax,
            )
        )
    if errors:
        raise ValidationError(errors)
    return lines


@transaction.atomic
def order_create_from_contract(
    *,
    contract: Contract,
    actor: User,
    promised_date: datetime.date | None = None,
    lines: list[OrderLineInput] | None = None,
) -> Order:
    """Place an order under a signed or active contract: the lines given (priced at the client's prices
    with the contract's discount), else the contract's own lines (from its quote); its company, contact and
    currency. A contract has any number of orders."""
    _may(actor, "orders.add_order", _("You may not make orders."))
    company_require_visible(user=actor, company=contract.company)
    current = Contract.objects.select_for_update(of=("self",)).select_related("company").get(pk=contract.pk)
    if current.status not in (ContractStatus.SIGNED, ContractStatus.ACTIVE):
        raise ValidationError({"contract": _("Orders are placed under a signed or active contract only.")})
    today = timezone.localdate()
    if lines:
        made = _contract_lines(current, lines, today)
    else:
        own = list(current.lines.order_by("position"))
        gone = [line.position for line in own if line.product_id is None]
        if gone:
            raise ValidationError(
                {
                    "lines": _("Line %(position)s of the contract names no product any more.")
                    % {"position": gone[0]}
                }
            )
        made = [_copied(line) for line in own]
        if not made:
            raise ValidationError({"lines": _("This contract has no lines of its own: say what is ordered.")})
    subtotal = sum((line.line_subtotal for line in made), Decimal(0))
    tax_total = sum((line.line_tax for line in made), Decimal(0))
    order = Order.objects.create(
        number=_next_number(today),
        contract=current,
        company_id=current.company_id,
        contact_id=current.contact_id,
        currency=current.currency,
        subtotal=subtotal,
        tax_total=tax_total,
        total=subtotal + tax_total,
        promised_date=promised_date or today + datetime.timedelta(days=DEFAULT_LEAD_DAYS),
        owner=actor,
    )
    for line in made:
        line.order = order
    OrderLine.objects.bulk_create(made)
    changes = diff({}, snapshot(order, Order.AUDITED_FIELDS))
    changes["contract"] = {"from": None, "to": current.pk, "from_label": None, "to_label": current.number}
    audit_log(instance=order, action=AuditAction.CREATE, actor=actor, changes=changes)
    return order


def _check(order: Order) -> None:
    errors: dict[str, str] = {}
    if order.status not in OrderStatus.values:
        errors["status"] = _("“%(value)s” is not an order status.") % {"value": order.status}
    if not isinstance(order.promised_date, datetime.date):
        errors["promised_date"] = _("Enter a date.")
    order.delay_reason = str(order.delay_reason or "").strip()[:2000]
    order.external_id = str(order.external_id or "").strip()[:100]
    if (
        order.external_id
        and Order.objects.filter(external_id=order.external_id).exclude(pk=order.pk).exists()
    ):
        errors["external_id"] = _("Another order has this ERP id.")
    if errors:
        raise ValidationError(errors)


def _delay_text(order: Order, language: str) -> tuple[str, str]:
    """The delay email's subject and body, in the language: the order number, the new date, the reason."""
    with translation.override(language):
        date = formats.date_format(order.promised_date, "DATE_FORMAT")
        subject = _("Order %(number)s: new shipping date %(date)s") % {"number": order.number, "date": date}
        lines = [
            _("The shipping date of your order %(number)s has moved to %(date)s.")
            % {"number": order.number, "date": date}
        ]
        if order.delay_reason:
            lines.append(_("Reason: %(reason)s") % {"reason": order.delay_reason})
        lines.append(_("We apologise for the delay."))
        return subject, "\n\n".join(lines) + "\n"


def _tell_delay(order: Order, old_date: datetime.date | None) -> tuple[OrderDelayNotice, str]:
    """Email the order's contact about the delay (once per version, from the order's owner, whose
    replies they reach) and log the notice; ("", notice) when sent, else the reason it was not."""
    contact = order.contact
    message: OutboxMessage | None = None
    failure = ""
    if contact is None:
        failure = _("The order has no contact.")
    elif not contact.email:
        failure = _("%(name)s has no email address.") % {"name": contact}
    else:
        language = contact_language(contact=contact, actor=order.owner)
        subject, body = _delay_text(order, language)
        try:
            message = mail_to_contact(
                actor=order.owner,
                contact=contact,
                subject=subject,
                body=body,
                purpose=MailPurpose.OTHER,
                key=f"order-delay:{order.pk}:{order.version}",
                language=language,
            )
        except (ValidationError, NotAllowed) as error:
            failure = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    notice = OrderDelayNotice.objects.create(
        order=order,
        old_date=old_date,
        new_date=order.promised_date,
        reason=order.delay_reason,
        contact=contact,
        message=message,
        failure=failure[:255],
    )
    webhook_emit(
        event=WebhookEvent.ORDER_DELAYED,
        payload={
            "order": order.pk,
            "number": order.number,
            "quote": order.quote_id,
            "contract": order.contract_id,
            "company": order.company_id,
            "external_id": order.external_id,
            "status": order.status,
            "old_date": old_date.isoformat() if old_date else None,
            "promised_date": order.promised_date.isoformat(),
            "delay_reason": order.delay_reason,
            "customer_notified": message is not None,
        },
        key=f"order.delayed:{order.pk}:{order.version}",
    )
    return notice, failure


@transaction.atomic
def order_update(*, order: Order, actor: User, version: int | None, **data: Any) -> Order:
    """Change an order's status, promised date, delay or ERP id (`version`: the one read, None for the
    current). A promised date moved later, or the order marked delayed, tells the contact by email in
    their language (once per change), logs the notice and emits `order.delayed`; `order.delay_failure`
    then says why nothing was sent, if it was not."""
    _may(actor, "orders.change_order", _("You may not change orders."))
    current = (
        Order.objects.select_for_update(of=("self",)).select_related("contact", "owner").get(pk=order.pk)
    )
    if version is not None and current.version != version:
        raise VersionConflict(current.version)
    unknown = set(data) - ORDER_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    before = snapshot(current, Order.AUDITED_FIELDS)
    old_date, was_delayed = current.promised_date, current.is_delayed
    for name, value in data.items():
        setattr(current, name, value)
    _check(current)
    changes = diff(before, snapshot(current, Order.AUDITED_FIELDS))
    current.delay_failure = ""  # type: ignore[attr-defined]
    if not changes:
        return current
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    if current.promised_date > old_date or (current.is_delayed and not was_delayed):
        _notice, failure = _tell_delay(current, old_date)
        current.delay_failure = failure  # type: ignore[attr-defined]
    return current


def rates_rows(*, company: Company, language: str) -> list[tuple[str, str, str, str]]:
    """(SKU, name, unit, price after the client's discount) of the products in the company's price type
    (at most 200, by SKU) at today's prices for the client, special prices applied."""
    price_list = company.price_type
    if price_list is None:
        return []
    products = [
        price.product
        for price in Price.objects.filter(price_list=price_list, product__is_active=True)
        .select_related("product")
        .order_by("product__sku")[:MAX_RATES]
    ]
    prices = client_prices(company=company, products=products, on=timezone.localdate())
    units = dict(Unit.choices)
    rows = []
    for product in products:
        price = prices.get(product.pk)
        if price is None:
            continue
        amount = price.amount * (Decimal(100) - price.discount_percent) / Decimal(100)
        rows.append(
            (
                product.sku,
                product.name_in(language),
                str(units.get(product.unit, product.unit)),
                format_money(money_round(amount, price.currency), price.currency, language),
            )
        )
    return rows


@transaction.atomic
def rates_send(*, company: Company, actor: User, contact: Contact) -> OutboxMessage:
    """Email a key account's contact their current prices (their price type's products with special
    prices and discounts applied, at most 200) as a short text table in the contact's language."""
    _may(actor, "customers.view_commercial_terms", _("You may not see commercial terms."))
    company_require_visible(user=actor, company=company)
    if not company.is_key_account:
        raise ValidationError({"company": _("Current rates are sent to key accounts only.")})
    if contact.company_id != company.pk:
        raise ValidationError({"contact": _("The contact works for another company.")})
    language = contact_language(contact=contact, actor=actor)
    with translation.override(language):
        rows = rates_rows(company=company, language=language)
        if not rows:
            raise ValidationError({"company": _("The company has no prices to send: give it a price type.")})
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
        subject = _("Your current prices on %(date)s") % {"date": today}
        table = "\n".join(f"{sku} · {name} · {unit}: {price}" for sku, name, unit, price in rows)
        body = (
            _("Here are your current prices (before VAT) on %(date)s:") % {"date": today}
            + "\n\n"
            + table
            + "\n"
        )
    digest = hashlib.sha256(body.encode()).hexdigest()[:16]
    return mail_to_contact(
        actor=actor,
        contact=contact,
        subject=subject,
        body=body,
        purpose=MailPurpose.OTHER,
        key=f"rates:{company.pk}:{contact.pk}:{digest}",
        language=language,
    )
