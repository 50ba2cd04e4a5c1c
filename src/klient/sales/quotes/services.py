"""State changes of quotes: write one (lines priced from the client's prices), approve its discounts, send
it by email with its PDF, make a new revision, and record the customer's view and answer. Each writes its
audit entry in the same transaction; mail and webhooks leave after the commit."""

from __future__ import annotations

import datetime
import logging
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klient.catalog.models import Product, minor_unit, validate_currency
from klient.catalog.selectors import client_prices, convert_unit_price
from klient.catalog.services import decimal_value
from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.customers.selectors import company_require_visible
from klient.mail.models import MailPurpose
from klient.mail.services import (
    contact_language,
    language_code,
    mail_to_contact,
    mail_to_user,
    template_render,
)
from klient.sales.models import Deal
from klient.sales.quotes.models import (
    MassProposal,
    MassProposalItem,
    MassProposalItemStatus,
    MassProposalReason,
    MassProposalStatus,
    PriceSource,
    Quote,
    QuoteCounter,
    QuoteLine,
    QuoteStatus,
)
from klient.webhooks.models import WebhookEvent
from klient.webhooks.services import webhook_emit

logger = logging.getLogger(__name__)

QUOTE_FIELDS = {"contact", "deal", "language", "currency", "valid_until", "introduction"}
# Lines of one quote, at most.
MAX_LINES = 1000


def money_round(amount: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's minor unit (0.01 EUR, 1 JPY, 0.001 KWD)."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def line_amounts(
    *, quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, tax_rate: Decimal, currency: str
) -> tuple[Decimal, Decimal]:
    """(line_subtotal, line_tax): round(quantity × unit_price × (1 − discount/100)) and
    round(line_subtotal × tax_rate/100), each half-up to the currency's minor unit."""
    subtotal = money_round(quantity * unit_price * (Decimal(100) - discount_percent) / Decimal(100), currency)
    tax = money_round(subtotal * tax_rate / Decimal(100), currency)
    return subtotal, tax


def discount_limit() -> Decimal:
    """Line discounts above this (%) need a manager's approval before the quote is sent."""
    return Decimal(str(settings.QUOTE_DISCOUNT_LIMIT))


def needs_approval(quote: Quote) -> bool:
    return quote.max_discount > discount_limit() and quote.approved_by_id is None


def _next_number(on: datetime.date) -> str:
    counter, _made = QuoteCounter.objects.select_for_update().get_or_create(year=on.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"Q-{on.year}-{counter.last:05d}"


def _may(actor: User, permission: str, message: str) -> None:
    if not actor.has_perm(permission):
        raise NotAllowed(message)


@dataclass
class LineInput:
    """A line as asked for: the product, the quantity, and optionally the discount and the unit price."""

    product: Product
    quantity: Any
    discount_percent: Any = None
    unit_price: Any = None


def _lines(quote: Quote, company: Company, entries: Iterable[Any]) -> list[QuoteLine]:
    """The quote's lines priced for the client on the quote's day, in its currency and language; errors
    name the line (`lines[2].quantity`)."""
    wanted = [entry if isinstance(entry, LineInput) else LineInput(**entry) for entry in entries]
    if not wanted:
        raise ValidationError({"lines": _("Add at least one line.")})
    if len(wanted) > MAX_LINES:
        raise ValidationError({"lines": _("A quote has at most %(count)d lines.") % {"count": MAX_LINES}})
    prices = client_prices(company=company, products=[entry.product for entry in wanted], on=quote.issued_on)
    lines: list[QuoteLine] = []
    errors: dict[str, str] = {}
    for index, entry in enumerate(wanted):
        where = f"lines[{index}]"
        product = entry.product
        try:
            quantity = decimal_value(entry.quantity, f"{where}.quantity", places=3, digits=14)
            if quantity <= 0:
                raise ValidationError({f"{where}.quantity": _("The quantity is more than 0.")})
            price = prices.get(product.pk)
            if entry.unit_price is not None:
                unit_price = decimal_value(entry.unit_price, f"{where}.unit_price", places=4)
                source = PriceSource.MANUAL
            elif price is not None:
                unit_price = convert_unit_price(price.amount, price.currency, quote.currency, quote.issued_on)
                source = PriceSource(price.source)
            else:
                raise ValidationError(
                    {
                        f"{where}.unit_price": _("The client has no price for %(sku)s: give one.")
                        % {"sku": product.sku}
                    }
                )
            if entry.discount_percent is not None:
                discount = decimal_value(
                    entry.discount_percent, f"{where}.discount_percent", places=2, digits=5
                )
                if discount > 100:
                    raise ValidationError({f"{where}.discount_percent": _("A discount is at most 100 %.")})
            else:
                discount = (
                    price.discount_percent
                    if price is not None and source != PriceSource.MANUAL
                    else Decimal(0)
                )
            if not product.is_active:
                raise ValidationError(
                    {f"{where}.product": _("%(sku)s is no longer sold.") % {"sku": product.sku}}
                )
        except ValidationError as error:
            errors.update({field: messages[0] for field, messages in error.message_dict.items()})
            continue
        subtotal, tax = line_amounts(
            quantity=quantity,
            unit_price=unit_price,
            discount_percent=discount,
            tax_rate=product.vat_rate,
            currency=quote.currency,
        )
        lines.append(
            QuoteLine(
                position=index + 1,
                product=product,
                sku=product.sku,
                name=product.name_in(quote.language)[:200],
                unit=product.unit,
                quantity=quantity,
                unit_price=unit_price,
                price_source=source,
                discount_percent=discount,
                tax_rate=product.vat_rate,
                line_subtotal=subtotal,
                line_tax=tax,
            )
        )
    if errors:
        raise ValidationError(errors)
    return lines


def _totals(quote: Quote, lines: list[QuoteLine]) -> None:
    quote.subtotal = sum((line.line_subtotal for line in lines), Decimal(0))
    quote.tax_total = sum((line.line_tax for line in lines), Decimal(0))
    quote.total = quote.subtotal + quote.tax_total
    quote.max_discount = max((line.discount_percent for line in lines), default=Decimal(0))


def _check(quote: Quote) -> None:
    errors: dict[str, str] = {}
    quote.currency = str(quote.currency or "").strip().upper()
    try:
        validate_currency(quote.currency)
    except ValidationError as error:
        errors["currency"] = error.messages[0]
    code = language_code(quote.language)
    if not code:
        errors["language"] = _("“%(value)s” is not a language of this installation.") % {
            "value": quote.language
        }
    quote.language = code or quote.language
    if quote.valid_until < quote.issued_on:
        errors["valid_until"] = _("The quote cannot end before it is issued.")
    if (
        quote.contact_id is not None
        and quote.contact is not None
        and quote.contact.company_id != quote.company_id
    ):
        errors["contact"] = _("The contact works for another company.")
    if quote.deal_id is not None and quote.deal is not None and quote.deal.company_id != quote.company_id:
        errors["deal"] = _("The deal is with another company.")
    if errors:
        raise ValidationError(errors)


def _write_lines(quote: Quote, lines: list[QuoteLine]) -> None:
    QuoteLine.objects.filter(quote=quote).delete()
    for line in lines:
        line.quote = quote
    QuoteLine.objects.bulk_create(lines)


def _default_language(company: Company, contact: Contact | None, actor: User) -> str:
    if contact is not None:
        return contact_language(contact=contact, actor=actor)
    return language_code(company.document_language) or language_code(actor.language) or "en"


@transaction.atomic
def quote_create(
    *,
    actor: User,
    company: Company,
    lines: Iterable[Any],
    contact: Contact | None = None,
    deal: Deal | None = None,
    language: str = "",
    currency: str = "",
    valid_until: datetime.date | None = None,
    introduction: str = "",
) -> Quote:
    """Write a quote to a company the actor sees: its lines priced from the client's special prices or
    price type (converted to the quote's currency) unless a unit price is given, with the client's
    discount unless one is given. Language: the contact's, else the company's document language;
    currency: the company's document currency, else its price type's, else the base currency."""
    _may(actor, "quotes.add_quote", _("You may not write quotes."))
    company_require_visible(user=actor, company=company)
    today = timezone.localdate()
    price_list = company.price_type
    quote = Quote(
        company=company,
        contact=contact,
        deal=deal,
        language=language or _default_language(company, contact, actor),
        currency=currency
        or company.document_currency
        or (price_list.currency if price_list else "")
        or settings.BASE_CURRENCY,
        price_list=price_list,
        issued_on=today,
        valid_until=valid_until or today + datetime.timedelta(days=settings.QUOTE_VALID_DAYS),
        introduction=str(introduction or "").strip(),
        owner=actor,
        token=secrets.token_urlsafe(32),
    )
    _check(quote)
    priced = _lines(quote, company, lines)
    _totals(quote, priced)
    quote.number = _next_number(today)
    quote.save()
    _write_lines(quote, priced)
    changes = diff({}, snapshot(quote, Quote.AUDITED_FIELDS))
    changes["lines"] = {"from": None, "to": len(priced), "from_label": None, "to_label": str(len(priced))}
    audit_log(instance=quote, action=AuditAction.CREATE, actor=actor, changes=changes)
    return quote


def _locked(quote: Quote, version: int | None) -> Quote:
    # Only the quote's row is locked: PostgreSQL cannot lock the nullable side of the contact's join.
    current = (
        Quote.objects.select_for_update(of=("self",)).select_related("company", "contact").get(pk=quote.pk)
    )
    if version is not None and current.version != version:
        raise VersionConflict(current.version)
    return current


def _save(
    current: Quote, before: dict[str, Any], actor: User | None, extra: dict[str, Any] | None = None
) -> Quote:
    changes = diff(before, snapshot(current, Quote.AUDITED_FIELDS))
    changes.update(extra or {})
    if not changes:
        return current
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current


@transaction.atomic
def quote_update(
    *, quote: Quote, actor: User, version: int, lines: Iterable[Any] | None = None, **data: Any
) -> Quote:
    """Change a quote still being written: its fields, or all its lines (priced again). A sent quote is
    never changed: make a new revision. Changing the lines takes back an approval of its discounts."""
    _may(actor, "quotes.change_quote", _("You may not change quotes."))
    current = _locked(quote, version)
    if not current.is_editable:
        raise ValidationError({"status": _("A sent quote is not changed: make a new revision.")})
    unknown = set(data) - QUOTE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    before = snapshot(current, Quote.AUDITED_FIELDS)
    for name, value in data.items():
        setattr(current, name, value)
    _check(current)
    extra: dict[str, Any] = {}
    if lines is not None or "currency" in data or "language" in data:
        entries = (
            list(lines)
            if lines is not None
            else [
                LineInput(
                    product=line.product,
                    quantity=line.quantity,
                    discount_percent=line.discount_percent,
                    unit_price=line.unit_price if line.price_source == PriceSource.MANUAL else None,
                )
                for line in current.lines.select_related("product")
            ]
        )
        priced = _lines(current, current.company, entries)
        _totals(current, priced)
        _write_lines(current, priced)
        current.approved_by = None
        current.approved_at = None
        if current.status == QuoteStatus.AWAITING_APPROVAL and not needs_approval(current):
            current.status = QuoteStatus.DRAFT
        extra["lines"] = {"from": None, "to": len(priced), "from_label": None, "to_label": str(len(priced))}
    return _save(current, before, actor, extra)


@transaction.atomic
def quote_request_approval(*, quote: Quote, actor: User) -> Quote:
    """Ask the managers to approve the quote's discounts (above the limit); they are told by email."""
    _may(actor, "quotes.change_quote", _("You may not change quotes."))
    current = _locked(quote, None)
    if not current.is_editable or not needs_approval(current):
        raise ValidationError({"status": _("This quote needs no approval.")})
    before = snapshot(current, Quote.AUDITED_FIELDS)
    current.status = QuoteStatus.AWAITING_APPROVAL
    saved = _save(current, before, actor)
    lead = actor.team.lead if actor.team_id and actor.team and actor.team.lead_id else None
    if lead is not None and lead.email and lead.pk != actor.pk:
        with translation.override(lead.language or settings.LANGUAGE_CODE):
            mail_to_user(
                user=lead,
                subject=_("Quote %(number)s awaits your approval") % {"number": saved.label},
                body=_(
                    "%(person)s asks you to approve a discount of %(discount)s %% on quote %(number)s: %(url)s"
                )
                % {
                    "person": actor.get_full_name() or actor.username,
                    "discount": saved.max_discount,
                    "number": saved.label,
                    "url": settings.BASE_URL + reverse("quotes:quote_detail", args=[saved.pk]),
                },
                key=f"quote-approval:{saved.pk}:{saved.version}",
            )
    return saved


@transaction.atomic
def quote_approve(*, quote: Quote, actor: User) -> Quote:
    """A manager approves the quote's discounts as they stand; it can then be sent."""
    _may(actor, "quotes.approve_quote", _("You may not approve discounts."))
    company_require_visible(user=actor, company=quote.company)
    current = _locked(quote, None)
    if not current.is_editable:
        raise ValidationError({"status": _("A sent quote is not changed: make a new revision.")})
    before = snapshot(current, Quote.AUDITED_FIELDS)
    current.approved_by = actor
    current.approved_at = timezone.now()
    current.status = QuoteStatus.DRAFT
    return _save(current, before, actor)


def public_url(quote: Quote) -> str:
    """Where the customer views, accepts or declines the quote, without signing in."""
    return settings.BASE_URL + reverse("quote_public", args=[quote.token])


def _payload(quote: Quote) -> dict[str, Any]:
    return {
        "quote": quote.pk,
        "number": quote.label,
        "company": quote.company_id,
        "contact": quote.contact_id,
        "deal": quote.deal_id,
        "status": quote.status,
        "currency": quote.currency,
        "subtotal": str(money_round(quote.subtotal, quote.currency)),
        "tax_total": str(money_round(quote.tax_total, quote.currency)),
        "total": str(money_round(quote.total, quote.currency)),
        "valid_until": quote.valid_until.isoformat(),
    }


@transaction.atomic
def quote_send(*, quote: Quote, actor: User, pdf: bytes | None = None) -> Quote:
    """Email the quote to its contact in the quote's language with its PDF attached (a proposal email:
    it counts towards the proposal target and is logged on the timeline), with the public link; the
    quote is then sent and never changed. An earlier revision still out is replaced. `pdf`: the quote's
    PDF printed already from `quote` as read (a mass proposal prints many at once); it is used only if
    the quote has not changed since, else the PDF is printed again."""
    from klient.sales.quotes.documents import quote_filename, quote_pdf

    _may(actor, "quotes.change_quote", _("You may not send quotes."))
    current = _locked(quote, None)
    if not current.is_editable:
        raise ValidationError({"status": _("This quote was sent already.")})
    if needs_approval(current):
        raise ValidationError(
            {
                "status": _("Discounts above %(limit)s %% need a manager's approval first.")
                % {"limit": discount_limit()}
            }
        )
    contact = current.contact
    if contact is None or not contact.email:
        raise ValidationError({"contact": _("Choose a contact with an email address to send the quote to.")})
    if current.valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("The quote is no longer valid: change its date first.")})
    if not current.lines.exists():
        raise ValidationError({"lines": _("Add at least one line.")})
    printed = pdf if pdf is not None and current.version == quote.version else quote_pdf(current)
    before = snapshot(current, Quote.AUDITED_FIELDS)
    current.status = QuoteStatus.SENT
    current.sent_at = timezone.now()
    context = {"contact": contact, "company": current.company, "sender": actor, "quote": current}
    subject, body = template_render(code="proposal", language=current.language, context=context)
    with translation.override(current.language):
        subject = f"{subject} · {current.label}"
        body = (
            body.rstrip()
            + "\n\n"
            + _("View, accept or decline the proposal online: %(url)s") % {"url": public_url(current)}
            + "\n"
        )
    mail_to_contact(
        actor=actor,
        contact=contact,
        subject=subject,
        body=body,
        purpose=MailPurpose.PROPOSAL,
        key=f"quote:{current.pk}",
        attachments=[(quote_filename(current), printed, "application/pdf")],
        language=current.language,
    )
    saved = _save(current, before, actor)
    if current.previous_id is not None:
        Quote.objects.filter(pk=current.previous_id, status=QuoteStatus.SENT).update(
            status=QuoteStatus.SUPERSEDED
        )
    webhook_emit(event=WebhookEvent.QUOTE_SENT, payload=_payload(saved), key=f"quote.sent:{saved.pk}")
    return saved


@transaction.atomic
def quote_revise(*, quote: Quote, actor: User) -> Quote:
    """A new revision of a sent or answered quote (same number, next revision), with the same lines and
    prices, to be changed and sent again."""
    _may(actor, "quotes.add_quote", _("You may not write quotes."))
    current = _locked(quote, None)
    if current.is_editable:
        raise ValidationError({"status": _("This quote is still being written: change it instead.")})
    if Quote.objects.filter(previous=current).exists():
        raise ValidationError({"status": _("This quote has a newer revision already.")})
    today = timezone.localdate()
    revision = Quote.objects.create(
        number=current.number,
        revision=current.revision + 1,
        previous=current,
        company=current.company,
        contact=current.contact,
        deal=current.deal,
        language=current.language,
        currency=current.currency,
        price_list=current.price_list,
        issued_on=today,
        valid_until=max(current.valid_until, today + datetime.timedelta(days=settings.QUOTE_VALID_DAYS)),
        introduction=current.introduction,
        subtotal=current.subtotal,
        tax_total=current.tax_total,
        total=current.total,
        max_discount=current.max_discount,
        owner=actor,
        token=secrets.token_urlsafe(32),
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=revision,
            **{
                field.name: getattr(line, field.name)
                for field in QuoteLine._meta.concrete_fields
                if field.name not in {"id", "quote"}
            },
        )
        for line in current.lines.all()
    )
    audit_log(
        instance=revision,
        action=AuditAction.CREATE,
        actor=actor,
        changes={
            "revision": {
                "from": current.revision,
                "to": revision.revision,
                "from_label": None,
                "to_label": None,
            }
        },
    )
    return revision


def quote_by_token(token: str) -> Quote:
    """The quote of a public link; Quote.DoesNotExist for an unknown token."""
    return Quote.objects.select_related("company", "contact", "owner").get(token=token)


def quote_viewed(*, quote: Quote) -> None:
    """Count a view of the public page (the first one's time kept), without touching the version."""
    now = timezone.now()
    Quote.objects.filter(pk=quote.pk, first_viewed_at__isnull=True).update(first_viewed_at=now)
    Quote.objects.filter(pk=quote.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def quote_answer(*, token: str, accepted: bool, comment: str = "") -> Quote:
    """The customer accepts or declines the quote through its public link (while it is sent and valid);
    the owner is told by email and subscribers by webhook."""
    current = Quote.objects.select_for_update().select_related("owner", "company").get(token=token)
    if current.status != QuoteStatus.SENT:
        raise ValidationError({"status": _("This proposal can no longer be answered.")})
    if current.valid_until < timezone.localdate():
        raise ValidationError({"status": _("This proposal has expired.")})
    comment = str(comment or "").strip()[:5000]
    before = snapshot(current, Quote.AUDITED_FIELDS)
    current.status = QuoteStatus.ACCEPTED if accepted else QuoteStatus.DECLINED
    current.answered_at = timezone.now()
    current.answer_comment = comment
    saved = _save(current, before, None)
    owner = saved.owner
    if owner.email:
        with translation.override(owner.language or settings.LANGUAGE_CODE):
            verdict = _("accepted") if accepted else _("declined")
            mail_to_user(
                user=owner,
                subject=_("%(company)s %(verdict)s quote %(number)s")
                % {"company": saved.company.name, "verdict": verdict, "number": saved.label},
                body=(comment + "\n\n" if comment else "")
                + settings.BASE_URL
                + reverse("quotes:quote_detail", args=[saved.pk]),
                key=f"quote-answer:{saved.pk}",
            )
    event = WebhookEvent.QUOTE_ACCEPTED if accepted else WebhookEvent.QUOTE_DECLINED
    webhook_emit(event=event, payload={**_payload(saved), "comment": comment}, key=f"{event}:{saved.pk}")
    return saved


# --- mass proposals ----------------------------------------------------------------------------------

# Companies in one mass proposal, at most: each one's quote is written while the user waits.
MASS_PROPOSAL_MAX_COMPANIES = 500
# Sending goes in steps about this many seconds apart, each sending its share of the minute's rate.
MASS_PROPOSAL_STEP_SECONDS = 10


class SendStep(NamedTuple):
    """What one step of a mass proposal's sending did: quotes handled (sent or failed), quotes still
    queued, and the seconds to wait before the next step."""

    handled: int
    remaining: int
    pause: int


class _NeedsApproval(Exception):
    """Raised inside a savepoint to take back a quote whose discounts need a manager's approval."""


def mass_proposal_rate() -> int:
    """Quotes a mass proposal sends a minute at most (KLIENT_MASS_PROPOSAL_PER_MINUTE, default 60)."""
    return max(1, int(getattr(settings, "MASS_PROPOSAL_PER_MINUTE", 60)))


def mass_proposal_pace(rate: int) -> tuple[int, int]:
    """(quotes in one step, seconds until the next step) so that at most `rate` go out a minute: at 60 a
    minute, 10 every 10 seconds; below 6 a minute, one at a time, 60/rate seconds apart."""
    rate = max(1, rate)
    chunk = max(1, rate * MASS_PROPOSAL_STEP_SECONDS // 60)
    return chunk, math.ceil(60 * chunk / rate)


def _mass_lines(entries: Iterable[Any]) -> tuple[list[LineInput], list[dict[str, Any]]]:
    """The lines asked for, checked once for all the companies (the prices are each company's), and as
    the mass proposal keeps them; errors name the line (`lines[1].quantity`)."""
    wanted = [entry if isinstance(entry, LineInput) else LineInput(**entry) for entry in entries]
    if not wanted:
        raise ValidationError({"lines": _("Add at least one line.")})
    if len(wanted) > MAX_LINES:
        raise ValidationError({"lines": _("A quote has at most %(count)d lines.") % {"count": MAX_LINES}})
    errors: dict[str, str] = {}
    kept: list[dict[str, Any]] = []
    for index, entry in enumerate(wanted):
        where = f"lines[{index}]"
        try:
            if entry.unit_price is not None:
                raise ValidationError(
                    {f"{where}.unit_price": _("Each company gets its own price: leave the price out.")}
                )
            quantity = decimal_value(entry.quantity, f"{where}.quantity", places=3, digits=14)
            if quantity <= 0:
                raise ValidationError({f"{where}.quantity": _("The quantity is more than 0.")})
            discount = None
            if entry.discount_percent is not None:
                discount = decimal_value(
                    entry.discount_percent, f"{where}.discount_percent", places=2, digits=5
                )
                if discount > 100:
                    raise ValidationError({f"{where}.discount_percent": _("A discount is at most 100 %.")})
            if not entry.product.is_active:
                raise ValidationError(
                    {f"{where}.product": _("%(sku)s is no longer sold.") % {"sku": entry.product.sku}}
                )
        except ValidationError as error:
            errors.update({field: messages[0] for field, messages in error.message_dict.items()})
            continue
        kept.append(
            {
                "product": entry.product.pk,
                "sku": entry.product.sku,
                "quantity": format(quantity.normalize(), "f"),
                "discount_percent": None if discount is None else format(discount.normalize(), "f"),
            }
        )
    if errors:
        raise ValidationError(errors)
    return [
        LineInput(product=entry.product, quantity=line["quantity"], discount_percent=line["discount_percent"])
        for entry, line in zip(wanted, kept, strict=True)
    ], kept


def _company_ids(companies: Iterable[Company | int]) -> list[int]:
    ids: list[int] = []
    for company in companies:
        pk = company.pk if isinstance(company, Company) else int(company)
        if pk not in ids:
            ids.append(pk)
    return ids


def _mass_counts(mass_proposal: MassProposal) -> dict[str, int]:
    counts = dict.fromkeys(MassProposalItemStatus.values, 0)
    for row in (
        MassProposalItem.objects.filter(mass_proposal=mass_proposal)
        .values("status")
        .annotate(count=Count("id"))
        .order_by()
    ):
        counts[row["status"]] = row["count"]
    return {
        "queued_count": counts[MassProposalItemStatus.QUEUED],
        "sent_count": counts[MassProposalItemStatus.SENT],
        "skipped_count": counts[MassProposalItemStatus.SKIPPED] + len(mass_proposal.hidden_companies),
        "failed_count": counts[MassProposalItemStatus.FAILED],
    }


@transaction.atomic
def mass_proposal_create(
    *,
    actor: User,
    companies: Iterable[Company | int],
    lines: Iterable[Any],
    valid_until: datetime.date | None = None,
    note: str = "",
) -> MassProposal:
    """One offer to many companies: for each company the actor sees, a quote of the same lines priced
    with that company's prices, to its first current contact with an email address, in the contact's
    language (else the company's, else the actor's). Companies not found, without such a contact (or
    whose contact unsubscribed), whose quote cannot be written or would need a discount approval are
    left out with the reason. The quotes are sent after the commit by a job, at most
    mass_proposal_rate() a minute."""
    from klient.mail.services import mailing_plan
    from klient.sales.quotes.tasks import mass_proposal_send_task

    for permission in ("quotes.add_quote", "quotes.change_quote", "mail.send_mail"):
        _may(actor, permission, _("You may not send proposals."))
    line_inputs, kept_lines = _mass_lines(lines)
    ids = _company_ids(companies)
    if not ids:
        raise ValidationError({"companies": _("Choose at least one company.")})
    if len(ids) > MASS_PROPOSAL_MAX_COMPANIES:
        raise ValidationError(
            {
                "companies": _("At most %(count)d companies in one mass proposal.")
                % {"count": MASS_PROPOSAL_MAX_COMPANIES}
            }
        )
    today = timezone.localdate()
    if valid_until is not None and valid_until < today:
        raise ValidationError({"valid_until": _("The quote cannot end before it is issued.")})
    visible = Company.objects.visible_to(actor).filter(pk__in=ids).select_related("price_type")
    recipients, left_out = mailing_plan(companies=visible)
    seen = {company.pk for company, _contact in recipients} | {company.pk for company, _code in left_out}
    note = str(note or "").strip()[:5000]
    mass_proposal = MassProposal.objects.create(
        created_by=actor,
        lines=kept_lines,
        valid_until=valid_until,
        note=note,
        rate_per_minute=mass_proposal_rate(),
        company_count=len(ids),
        hidden_companies=[pk for pk in ids if pk not in seen],
    )
    items: list[MassProposalItem] = []
    for company, code in left_out:
        reason = MassProposalReason(code)
        items.append(
            MassProposalItem(
                mass_proposal=mass_proposal,
                company=company,
                status=MassProposalItemStatus.SKIPPED,
                reason_code=reason,
                reason=str(reason.label),
            )
        )
    for company, contact in recipients:
        item = MassProposalItem(mass_proposal=mass_proposal, company=company, contact=contact)
        try:
            with transaction.atomic():
                quote = quote_create(
                    actor=actor,
                    company=company,
                    contact=contact,
                    lines=line_inputs,
                    valid_until=valid_until,
                    introduction=note,
                )
                if needs_approval(quote):
                    raise _NeedsApproval
        except _NeedsApproval:
            item.status = MassProposalItemStatus.SKIPPED
            item.reason_code = MassProposalReason.NEEDS_APPROVAL
            item.reason = _("Discounts above %(limit)s %% need a manager's approval first.") % {
                "limit": discount_limit()
            }
        except ValidationError as error:
            item.status = MassProposalItemStatus.SKIPPED
            item.reason_code = MassProposalReason.INVALID
            item.reason = " ".join(error.messages)
        else:
            item.quote = quote
        items.append(item)
    MassProposalItem.objects.bulk_create(items)
    counts = _mass_counts(mass_proposal)
    for name, value in counts.items():
        setattr(mass_proposal, name, value)
    if not counts["queued_count"]:
        mass_proposal.status = MassProposalStatus.DONE
        mass_proposal.finished_at = timezone.now()
    mass_proposal.save()
    audit_log(
        instance=mass_proposal,
        action=AuditAction.CREATE,
        actor=actor,
        changes={
            name: {"from": None, "to": value, "from_label": None, "to_label": None}
            for name, value in (("company_count", len(ids)), *counts.items())
        },
    )
    if counts["queued_count"]:
        pk = mass_proposal.pk
        transaction.on_commit(lambda: mass_proposal_send_task.delay(pk))
    return mass_proposal


def _send_one(item: MassProposalItem, actor: User, pdf: bytes | None) -> None:
    """Claim a queued item and send its quote in one transaction: a second worker's claim waits for
    this one and then finds the item no longer queued; a crash rolls the claim back with the sending."""
    with transaction.atomic():
        claimed = MassProposalItem.objects.filter(pk=item.pk, status=MassProposalItemStatus.QUEUED).update(
            status=MassProposalItemStatus.SENT, sent_at=timezone.now()
        )
        if not claimed or item.quote is None:
            return
        quote_send(quote=item.quote, actor=actor, pdf=pdf)


def _printed(quotes: list[Quote], mass_proposal: MassProposal) -> dict[int, bytes]:
    """The step's quotes' PDFs printed together (documents.quote_pdfs); should that fail, none: each
    quote is then printed as it is sent, and one that cannot be fails alone."""
    from klient.sales.quotes.documents import quote_pdfs

    try:
        return quote_pdfs(quotes)
    except Exception:  # any failure of the shared printing: each quote is printed on its own instead
        logger.exception("mass proposal %s: printing the step's quotes together failed", mass_proposal.pk)
        return {}


def mass_proposal_send_step(*, mass_proposal_id: int) -> SendStep:
    """Send up to `limit` (the pace's step) of a mass proposal's queued quotes, each with its own PDF and
    email; a quote that cannot be sent marks its company failed, with why, and the others go on.
    A mass proposal with nothing queued is marked done."""
    mass_proposal = MassProposal.objects.select_related("created_by").filter(pk=mass_proposal_id).first()
    if mass_proposal is None:
        return SendStep(0, 0, 0)
    limit, pause = mass_proposal_pace(mass_proposal.rate_per_minute)
    MassProposal.objects.filter(pk=mass_proposal.pk, status=MassProposalStatus.QUEUED).update(
        status=MassProposalStatus.SENDING
    )
    actor = mass_proposal.created_by
    batch = list(
        MassProposalItem.objects.filter(mass_proposal=mass_proposal, status=MassProposalItemStatus.QUEUED)
        .select_related("quote__company", "quote__contact")
        .prefetch_related("quote__lines")
        .order_by("id")[:limit]
    )
    pdfs = _printed([item.quote for item in batch if item.quote is not None], mass_proposal)
    for item in batch:
        try:
            _send_one(item, actor, pdfs.get(item.quote_id or 0))
        except Exception as error:  # any failure of one company's quote: recorded, and the others go on
            if isinstance(error, ValidationError):
                reason = " ".join(error.messages)
            elif isinstance(error, NotAllowed):
                reason = str(error)
            elif isinstance(error, Company.DoesNotExist):
                reason = str(MassProposalReason.NOT_VISIBLE.label)
            else:
                logger.exception("mass proposal %s: the quote of item %s failed", mass_proposal.pk, item.pk)
                reason = _("An unexpected error stopped this quote.")
            MassProposalItem.objects.filter(pk=item.pk, status=MassProposalItemStatus.QUEUED).update(
                status=MassProposalItemStatus.FAILED,
                reason_code=MassProposalReason.SEND_FAILED,
                reason=reason,
            )
    counts = _mass_counts(mass_proposal)
    finished = (
        {} if counts["queued_count"] else {"status": MassProposalStatus.DONE, "finished_at": timezone.now()}
    )
    MassProposal.objects.filter(pk=mass_proposal.pk).update(**counts, **finished)
    return SendStep(len(batch), counts["queued_count"], pause)
