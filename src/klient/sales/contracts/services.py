"""State changes of contracts: make one from an accepted quote or a template, change its wording, key terms
and dates (each change a new version), keep the disagreement protocol, ask for and give a manager's
approval, sign it (its key terms then become the client's), terminate it, and move signed and active
contracts on with the calendar. Each writes its audit entry in the same transaction; mail and webhooks
leave after the commit. Also the readable difference between two versions."""

from __future__ import annotations

import datetime
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from klient.catalog.models import PriceList, validate_currency
from klient.catalog.services import decimal_value
from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.customers.selectors import can_see_commercial_terms, company_require_visible
from klient.customers.services import company_update
from klient.mail.services import language_code, mail_to_user
from klient.sales.contracts.models import (
    Contract,
    ContractCounter,
    ContractLine,
    ContractStatus,
    ContractTemplate,
    ContractVersion,
    Disagreement,
    DisagreementStatus,
)
from klient.sales.quotes.models import Quote, QuoteStatus
from klient.webhooks.models import WebhookEvent
from klient.webhooks.services import webhook_emit

KEY_TERMS = set(Contract.KEY_TERMS)
# What a change writes a new version for: the wording, the key terms and the dates.
VERSIONED_FIELDS = {"body", *Contract.KEY_TERMS, *Contract.DATES}
CONTRACT_FIELDS = {"title", "contact", "deal", "language", "currency", "total", *VERSIONED_FIELDS}
# Terms of a version, in the order a difference lists them.
TERM_NAMES = (*Contract.KEY_TERMS, *Contract.DATES)
MAX_MONTHS = 1200
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
WORDS = re.compile(r"(\s+)")


def _may(actor: User, permission: str, message: str) -> None:
    if not actor.has_perm(permission):
        raise NotAllowed(message)


def _may_set_terms(actor: User, data: dict[str, Any]) -> None:
    touched = [name for name in KEY_TERMS if name in data]
    if touched and not can_see_commercial_terms(actor):
        raise NotAllowed(_("You may not set commercial terms."))


def _next_number(on: datetime.date) -> str:
    counter, _made = ContractCounter.objects.select_for_update().get_or_create(year=on.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"C-{on.year}-{counter.last:05d}"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it is shorter), less one day: a contract of
    12 months from 1 March 2026 ends on 28 February 2027."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day)) - datetime.timedelta(days=1)


def contract_terms(contract: Contract) -> dict[str, str]:
    """The key terms and dates as a version keeps them: strings, "" for none."""
    values: dict[str, str] = {}
    for name in TERM_NAMES:
        value = getattr(contract, name)
        if isinstance(value, PriceList):
            values[name] = value.name
        elif isinstance(value, datetime.date):
            values[name] = value.isoformat()
        else:
            values[name] = "" if value is None else str(value)
    return values


def _write_version(contract: Contract, actor: User | None, note: str) -> ContractVersion:
    return ContractVersion.objects.create(
        contract=contract,
        number=contract.current_version,
        body=contract.body,
        terms=contract_terms(contract),
        note=str(note or "").strip()[:500],
        created_by=actor,
        created_at=timezone.now(),
    )


def _clean(contract: Contract) -> None:
    """Normalise and check a contract's fields; errors name the field."""
    errors: dict[str, str] = {}
    contract.title = str(contract.title or "").strip()[:200]
    if not contract.title:
        errors["title"] = _("Give the contract a title.")
    contract.currency = str(contract.currency or "").strip().upper()
    try:
        validate_currency(contract.currency)
    except ValidationError as error:
        errors["currency"] = error.messages[0]
    code = language_code(contract.language)
    if not code:
        errors["language"] = _("“%(value)s” is not a language of this installation.") % {
            "value": contract.language
        }
    contract.language = code or contract.language
    contract.body = str(contract.body or "").replace("\r\n", "\n")
    contract.delivery_terms = str(contract.delivery_terms or "").strip()
    for name, places, digits in (("total", 2, 14), ("discount_percent", 2, 5)):
        value = getattr(contract, name)
        if value in (None, "") and name == "discount_percent":
            contract.discount_percent = None
            continue
        try:
            setattr(contract, name, decimal_value(value, name, places=places, digits=digits))
        except ValidationError as error:
            errors.update({key: messages[0] for key, messages in error.message_dict.items()})
    # (Left as given when it is no number: the error above names it.)
    if isinstance(contract.discount_percent, Decimal) and contract.discount_percent > 100:
        errors["discount_percent"] = _("A discount is at most 100 %.")
    if contract.payment_terms_days is not None and not 0 <= contract.payment_terms_days <= 365:
        errors["payment_terms_days"] = _("Payment terms are 0 to 365 days.")
    if not 0 <= contract.renewal_notice_days <= 365:
        errors["renewal_notice_days"] = _("The renewal notice is 0 to 365 days.")
    if contract.starts_on and contract.ends_on and contract.ends_on < contract.starts_on:
        errors["ends_on"] = _("The contract cannot end before it starts.")
    if contract.contact_id is not None and contract.contact.company_id != contract.company_id:  # type: ignore[union-attr]
        errors["contact"] = _("The contact works for another company.")
    if contract.deal_id is not None and contract.deal.company_id != contract.company_id:  # type: ignore[union-attr]
        errors["deal"] = _("The deal is with another company.")
    if errors:
        raise ValidationError(errors)


def _placeholders(contract: Contract) -> dict[str, str]:
    with translation.override(contract.language):

        def day(value: datetime.date | None) -> str:
            return formats.date_format(value, "DATE_FORMAT") if value else ""

        company = contract.company
        return {
            "company": company.name,
            "company_legal_name": company.legal_name or company.name,
            "contact": contract.contact.full_name if contract.contact else "",
            "number": contract.number,
            "title": contract.title,
            "currency": contract.currency,
            "total": str(contract.total),
            "starts_on": day(contract.starts_on),
            "ends_on": day(contract.ends_on),
            "payment_terms_days": ""
            if contract.payment_terms_days is None
            else str(contract.payment_terms_days),
            "discount_percent": "" if contract.discount_percent is None else str(contract.discount_percent),
            "delivery_terms": contract.delivery_terms,
            "price_type": contract.price_type.name if contract.price_type else "",
            "today": day(timezone.localdate()),
        }


def template_fill(body: str, contract: Contract) -> str:
    """A template's wording with its placeholders ({company}, {number}, {starts_on}, …) filled from the
    contract; an unknown placeholder stays as it is. Only names are replaced: no attribute or format
    expression of `str.format` is ever evaluated."""
    values = _placeholders(contract)
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), body)


def _owner(company: Company, actor: User) -> User:
    owner = company.owner
    return owner if owner is not None and owner.is_active else actor


def _created(contract: Contract, actor: User, extra: dict[str, Any]) -> Contract:
    contract.number = _next_number(timezone.localdate())
    contract.save()
    _write_version(contract, actor, _("Created"))
    changes = diff({}, snapshot(contract, Contract.AUDITED_FIELDS))
    changes.update(extra)
    audit_log(instance=contract, action=AuditAction.CREATE, actor=actor, changes=changes)
    return contract


def _row(name: str, value: Any, label: str | None = None) -> dict[str, dict[str, Any]]:
    return {name: {"from": None, "to": value, "from_label": None, "to_label": label}}


@transaction.atomic
def contract_create_from_quote(
    *,
    quote: Quote,
    actor: User,
    title: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> Contract:
    """Make a contract of an accepted quote the actor sees: its company, contact, deal, language,
    currency, value and lines copied; the client's current commercial terms as the starting key terms."""
    _may(actor, "contracts.add_contract", _("You may not make contracts."))
    company_require_visible(user=actor, company=quote.company)
    current = Quote.objects.select_for_update(of=("self",)).get(pk=quote.pk)
    if current.status != QuoteStatus.ACCEPTED:
        raise ValidationError({"quote": _("Only an accepted quote becomes a contract.")})
    company = Company.objects.select_related("owner", "price_type").get(pk=current.company_id)
    contract = Contract(
        title=str(title or "").strip()
        or _("Contract for %(company)s (%(quote)s)") % {"company": company.name, "quote": current.label},
        company=company,
        contact_id=current.contact_id,
        deal_id=current.deal_id,
        quote=current,
        owner=_owner(company, actor),
        language=current.language,
        currency=current.currency,
        total=current.total.quantize(Decimal("0.01")),
        starts_on=starts_on,
        ends_on=ends_on,
        payment_terms_days=company.payment_terms_days,
        discount_percent=company.discount_percent,
        delivery_terms=company.delivery_terms,
        price_type=current.price_list or company.price_type,
    )
    _clean(contract)
    _created(contract, actor, _row("quote", current.pk, current.label))
    ContractLine.objects.bulk_create(
        ContractLine(
            contract=contract,
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
        for line in current.lines.order_by("position")
    )
    return contract


@transaction.atomic
def contract_create_from_template(
    *,
    template: ContractTemplate,
    company: Company,
    actor: User,
    contact: Contact | None = None,
    title: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    **terms: Any,
) -> Contract:
    """Make a contract with a company the actor sees from an active template: its language and wording
    (placeholders filled), its key terms unless given (`payment_terms_days`, `discount_percent`,
    `delivery_terms`, `price_type`, and `renewal_notice_days`, `currency`, `total`); the contract ends
    the template's duration after its start unless an end is given."""
    _may(actor, "contracts.add_contract", _("You may not make contracts."))
    company_require_visible(user=actor, company=company)
    unknown = set(terms) - {*KEY_TERMS, "renewal_notice_days", "currency", "total", "deal"}
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    _may_set_terms(actor, {name: value for name, value in terms.items() if value not in (None, "")})
    if not template.is_active:
        raise ValidationError({"template": _("This template is no longer used.")})
    company = Company.objects.select_related("owner", "price_type").get(pk=company.pk)
    price_type = terms.get("price_type") or company.price_type
    contract = Contract(
        title=str(title or "").strip() or template.name,
        company=company,
        contact=contact,
        deal=terms.get("deal"),
        template=template,
        owner=_owner(company, actor),
        language=template.language,
        currency=terms.get("currency")
        or company.document_currency
        or (price_type.currency if price_type else "")
        or settings.BASE_CURRENCY,
        total=terms.get("total") or Decimal(0),
        starts_on=starts_on,
        ends_on=ends_on or (add_months(starts_on, template.duration_months) if starts_on else None),
        renewal_notice_days=terms.get("renewal_notice_days") or 30,
        payment_terms_days=terms.get("payment_terms_days", template.payment_terms_days),
        discount_percent=terms.get("discount_percent", template.discount_percent),
        delivery_terms=terms.get("delivery_terms") or template.delivery_terms,
        price_type=price_type,
    )
    _clean(contract)
    # The number is known only once given: fill the wording in the same transaction as the numbering.
    contract.number = _next_number(timezone.localdate())
    contract.body = template_fill(template.body, contract)
    contract.save()
    _write_version(contract, actor, _("Created"))
    changes = diff({}, snapshot(contract, Contract.AUDITED_FIELDS))
    changes.update(_row("template", template.pk, template.name))
    audit_log(instance=contract, action=AuditAction.CREATE, actor=actor, changes=changes)
    return contract


@transaction.atomic
def contract_template_create(
    *,
    actor: User,
    name: str,
    language: str,
    body: str,
    payment_terms_days: int | None = None,
    discount_percent: Any = None,
    delivery_terms: str = "",
    duration_months: int = 12,
    is_active: bool = True,
) -> ContractTemplate:
    """Add a contract template (managers): its wording with placeholders, default key terms and duration."""
    _may(actor, "contracts.add_contracttemplate", _("You may not add contract templates."))
    errors: dict[str, str] = {}
    code = language_code(language)
    if not code:
        errors["language"] = _("“%(value)s” is not a language of this installation.") % {"value": language}
    name, body = str(name or "").strip()[:200], str(body or "").replace("\r\n", "\n")
    if not name:
        errors["name"] = _("Give the template a name.")
    if not body.strip():
        errors["body"] = _("Write the wording.")
    if discount_percent not in (None, ""):
        discount_percent = decimal_value(discount_percent, "discount_percent", places=2, digits=5)
        if discount_percent > 100:
            errors["discount_percent"] = _("A discount is at most 100 %.")
    else:
        discount_percent = None
    if not 1 <= duration_months <= MAX_MONTHS:
        errors["duration_months"] = _("A contract runs 1 to %(count)d months.") % {"count": MAX_MONTHS}
    if errors:
        raise ValidationError(errors)
    template = ContractTemplate.objects.create(
        name=name,
        language=code,
        body=body,
        payment_terms_days=payment_terms_days,
        discount_percent=discount_percent,
        delivery_terms=str(delivery_terms or "").strip(),
        duration_months=duration_months,
        is_active=is_active,
    )
    audit_log(
        instance=template,
        action=AuditAction.CREATE,
        actor=actor,
        changes=_row("name", template.name, template.name),
    )
    return template


def _locked(contract: Contract, version: int | None) -> Contract:
    # Only the contract's row is locked: PostgreSQL cannot lock the nullable side of an outer join.
    current = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("company", "contact", "deal", "price_type", "owner")
        .get(pk=contract.pk)
    )
    if version is not None and current.version != version:
        raise VersionConflict(current.version)
    return current


def _save(
    current: Contract, before: dict[str, Any], actor: User | None, extra: dict[str, Any] | None = None
) -> Contract:
    changes = diff(before, snapshot(current, Contract.AUDITED_FIELDS))
    changes.update(extra or {})
    if not changes:
        return current
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current


def _open_clauses(contract: Contract) -> None:
    """A ValidationError naming the protocol's open clauses, if any."""
    clauses = list(
        Disagreement.objects.filter(contract=contract, status=DisagreementStatus.OPEN)
        .order_by("created_at", "id")
        .values_list("clause", flat=True)
    )
    if clauses:
        raise ValidationError(
            {
                "disagreements": _("Settle the open disagreements first: %(clauses)s.")
                % {"clauses": "; ".join(clauses)}
            }
        )


def _back_to_negotiation(current: Contract) -> None:
    """A change while awaiting (or after) approval takes the approval back."""
    if current.status == ContractStatus.APPROVAL:
        current.status = ContractStatus.NEGOTIATION
    current.approved_by = None
    current.approved_at = None


@transaction.atomic
def contract_update(
    *, contract: Contract, actor: User, version: int, note: str = "", **data: Any
) -> Contract:
    """Change a contract not yet signed: title, contact, deal, language, currency, value, wording, key
    terms (with view_commercial_terms) or dates. A change of the wording, terms or dates writes the next
    version (with `note`); any change while awaiting approval takes it back to negotiation."""
    _may(actor, "contracts.change_contract", _("You may not change contracts."))
    _may_set_terms(actor, data)
    unknown = set(data) - CONTRACT_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    current = _locked(contract, version)
    if not current.is_editable:
        raise ValidationError({"status": _("A signed contract is not changed.")})
    before = snapshot(current, Contract.AUDITED_FIELDS)
    wording_before = (current.body, contract_terms(current))
    for name, value in data.items():
        setattr(current, name, value)
    _clean(current)
    changed = (current.body, contract_terms(current)) != wording_before
    if not changed and not diff(before, snapshot(current, Contract.AUDITED_FIELDS)):
        return current
    _back_to_negotiation(current)
    if changed:
        current.current_version += 1
        _write_version(current, actor, note)
    return _save(current, before, actor)


def _transition(
    contract: Contract, actor: User, version: int | None, allowed: set[str], message: str
) -> tuple[Contract, dict[str, Any]]:
    current = _locked(contract, version)
    if current.status not in allowed:
        raise ValidationError({"status": message})
    return current, snapshot(current, Contract.AUDITED_FIELDS)


@transaction.atomic
def contract_negotiate(*, contract: Contract, actor: User, version: int | None = None) -> Contract:
    """Start negotiating a draft with the client."""
    _may(actor, "contracts.change_contract", _("You may not change contracts."))
    current, before = _transition(
        contract, actor, version, {ContractStatus.DRAFT}, _("Only a draft goes into negotiation.")
    )
    current.status = ContractStatus.NEGOTIATION
    return _save(current, before, actor)


@transaction.atomic
def disagreement_add(
    *, contract: Contract, actor: User, clause: str, our_wording: str = "", their_wording: str = ""
) -> Disagreement:
    """Add a disputed clause to the protocol of a contract not yet signed (it is then negotiated again:
    an approval is taken back)."""
    _may(actor, "contracts.add_disagreement", _("You may not change the disagreement protocol."))
    current = _locked(contract, None)
    if not current.is_editable:
        raise ValidationError({"status": _("A signed contract is not changed.")})
    clause = str(clause or "").strip()[:200]
    if not clause:
        raise ValidationError({"clause": _("Name the clause.")})
    disagreement = Disagreement.objects.create(
        contract=current,
        clause=clause,
        our_wording=str(our_wording or "").strip(),
        their_wording=str(their_wording or "").strip(),
        created_by=actor,
    )
    audit_log(
        instance=disagreement,
        action=AuditAction.CREATE,
        actor=actor,
        changes=diff({}, snapshot(disagreement, Disagreement.AUDITED_FIELDS)),
        company_id=current.company_id,
    )
    before = snapshot(current, Contract.AUDITED_FIELDS)
    _back_to_negotiation(current)
    _save(current, before, actor, _row("disagreement", disagreement.pk, clause))
    return disagreement


@transaction.atomic
def disagreement_resolve(
    *, disagreement: Disagreement, actor: User, resolution: str, status: str, version: int
) -> Disagreement:
    """Settle an open disputed clause: resolved (with the agreed resolution) or withdrawn."""
    _may(actor, "contracts.change_disagreement", _("You may not change the disagreement protocol."))
    current = Disagreement.objects.select_for_update().get(pk=disagreement.pk)
    if current.version != version:
        raise VersionConflict(current.version)
    contract = Contract.objects.only("status", "company_id").get(pk=current.contract_id)
    if not contract.is_editable:
        raise ValidationError({"status": _("A signed contract is not changed.")})
    if current.status != DisagreementStatus.OPEN:
        raise ValidationError({"status": _("This disagreement is settled already.")})
    if status not in {DisagreementStatus.RESOLVED, DisagreementStatus.WITHDRAWN}:
        raise ValidationError({"status": _("A disagreement is settled as resolved or withdrawn.")})
    resolution = str(resolution or "").strip()
    if status == DisagreementStatus.RESOLVED and not resolution:
        raise ValidationError({"resolution": _("Write down the resolution agreed.")})
    before = snapshot(current, Disagreement.AUDITED_FIELDS)
    current.status = status
    current.resolution = resolution
    current.resolved_by = actor
    current.resolved_at = timezone.now()
    current.version += 1
    current.updated_at = current.resolved_at
    current.save()
    audit_log(
        instance=current,
        action=AuditAction.UPDATE,
        actor=actor,
        changes=diff(before, snapshot(current, Disagreement.AUDITED_FIELDS)),
        company_id=contract.company_id,
    )
    return current


@transaction.atomic
def contract_request_approval(*, contract: Contract, actor: User, version: int | None = None) -> Contract:
    """Ask a manager to approve the contract once every disagreement is settled; the team lead is told by
    email."""
    _may(actor, "contracts.change_contract", _("You may not change contracts."))
    current, before = _transition(
        contract,
        actor,
        version,
        {ContractStatus.DRAFT, ContractStatus.NEGOTIATION},
        _("This contract cannot be sent for approval now."),
    )
    _open_clauses(current)
    current.status = ContractStatus.APPROVAL
    saved = _save(current, before, actor)
    lead = actor.team.lead if actor.team_id and actor.team and actor.team.lead_id else None
    if lead is not None and lead.email and lead.pk != actor.pk:
        with translation.override(lead.language or settings.LANGUAGE_CODE):
            mail_to_user(
                user=lead,
                subject=_("Contract %(number)s awaits your approval") % {"number": saved.number},
                body=_("%(person)s asks you to approve contract %(number)s with %(company)s: %(url)s")
                % {
                    "person": actor.get_full_name() or actor.username,
                    "number": saved.number,
                    "company": saved.company.name,
                    "url": settings.BASE_URL + reverse("contracts:contract_detail", args=[saved.pk]),
                },
                key=f"contract-approval:{saved.pk}:{saved.version}",
            )
    return saved


@transaction.atomic
def contract_approve(*, contract: Contract, actor: User, version: int | None = None) -> Contract:
    """A manager approves the contract awaiting approval, as it stands; it can then be signed."""
    _may(actor, "contracts.approve_contract", _("You may not approve contracts."))
    company_require_visible(user=actor, company=contract.company)
    current, before = _transition(
        contract, actor, version, {ContractStatus.APPROVAL}, _("This contract does not await approval.")
    )
    if current.approved_by_id is not None:
        raise ValidationError({"status": _("This contract is approved already.")})
    _open_clauses(current)
    current.approved_by = actor
    current.approved_at = timezone.now()
    return _save(current, before, actor)


def _payload(contract: Contract) -> dict[str, Any]:
    return {
        "contract": contract.pk,
        "number": contract.number,
        "company": contract.company_id,
        "quote": contract.quote_id,
        "status": contract.status,
        "currency": contract.currency,
        "total": str(contract.total),
        "starts_on": contract.starts_on.isoformat() if contract.starts_on else None,
        "ends_on": contract.ends_on.isoformat() if contract.ends_on else None,
        "signed_on": contract.signed_on.isoformat() if contract.signed_on else None,
        "customer_signatory": contract.customer_signatory,
    }


def _terms_to_company(contract: Contract, actor: User) -> None:
    """The signed contract's key terms become the client's (those the contract sets), through the
    company's own service: its version moves on and its card's history shows the change."""
    terms: dict[str, Any] = {}
    for name in Contract.KEY_TERMS:
        value = getattr(contract, name)
        if value not in (None, ""):
            terms[name] = value
    if not terms:
        return
    company = Company.objects.only("version").get(pk=contract.company_id)
    company_update(company=company, actor=actor, version=company.version, **terms)


@transaction.atomic
def contract_sign(
    *, contract: Contract, actor: User, signed_on: datetime.date, customer_signatory: str, version: int
) -> Contract:
    """Record the signature of an approved contract with no open disagreement: it is signed (active at
    once when it has started), its key terms become the client's, and subscribers hear of it."""
    _may(actor, "contracts.change_contract", _("You may not change contracts."))
    current, before = _transition(
        contract, actor, version, {ContractStatus.APPROVAL}, _("Only an approved contract is signed.")
    )
    if current.approved_by_id is None:
        raise ValidationError({"status": _("Only an approved contract is signed.")})
    _open_clauses(current)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if signed_on is None or signed_on > today:
        errors["signed_on"] = _("Give the day it was signed (not in the future).")
    customer_signatory = str(customer_signatory or "").strip()[:200]
    if not customer_signatory:
        errors["customer_signatory"] = _("Name who signed for the client.")
    if errors:
        raise ValidationError(errors)
    current.signed_on = signed_on
    current.signed_at = timezone.now()
    current.customer_signatory = customer_signatory
    starts_on = current.starts_on
    current.status = (
        ContractStatus.ACTIVE if starts_on is None or starts_on <= today else ContractStatus.SIGNED
    )
    saved = _save(current, before, actor)
    _terms_to_company(saved, actor)
    webhook_emit(
        event=WebhookEvent.CONTRACT_SIGNED, payload=_payload(saved), key=f"contract.signed:{saved.pk}"
    )
    return saved


@transaction.atomic
def contract_terminate(
    *, contract: Contract, actor: User, terminated_on: datetime.date, reason: str, version: int
) -> Contract:
    """End a signed or active contract early, with the day and the reason."""
    _may(actor, "contracts.change_contract", _("You may not change contracts."))
    current, before = _transition(
        contract,
        actor,
        version,
        {ContractStatus.SIGNED, ContractStatus.ACTIVE},
        _("Only a signed or active contract is terminated."),
    )
    errors: dict[str, str] = {}
    reason = str(reason or "").strip()
    if not reason:
        errors["reason"] = _("Give the reason.")
    if terminated_on is None:
        errors["terminated_on"] = _("Give the day it ends.")
    elif current.signed_on and terminated_on < current.signed_on:
        errors["terminated_on"] = _("A contract cannot end before it was signed.")
    if errors:
        raise ValidationError(errors)
    current.status = ContractStatus.TERMINATED
    current.terminated_on = terminated_on
    current.termination_reason = reason
    return _save(current, before, actor)


def contracts_advance(*, today: datetime.date) -> dict[str, int]:
    """The daily job: a signed contract whose start has come is active; an active one whose end has passed
    expired. Each contract is claimed by a conditional update (safe with many workers) and audited;
    {"activated": n, "expired": m}."""
    moves = (
        ("activated", ContractStatus.SIGNED, ContractStatus.ACTIVE, {"starts_on__lte": today}),
        ("expired", ContractStatus.ACTIVE, ContractStatus.EXPIRED, {"ends_on__lt": today}),
    )
    counts: dict[str, int] = {}
    for name, source, target, due in moves:
        counts[name] = 0
        for pk in list(Contract.objects.filter(status=source, **due).values_list("pk", flat=True)):
            with transaction.atomic():
                contract = (
                    Contract.objects.select_for_update(of=("self",)).filter(pk=pk, status=source).first()
                )
                if contract is None:
                    continue  # another worker moved it meanwhile
                before = snapshot(contract, Contract.AUDITED_FIELDS)
                contract.status = target
                _save(contract, before, None)
                counts[name] += 1
    return counts


# --- the difference between two versions ---------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of a difference: kept ("equal"), added ("insert"), removed ("delete"), changed within the
    line ("change": `words` are (kind, text) pieces, kind "equal", "insert" or "delete"), or a key term or
    date that changed ("term", `name` says which)."""

    kind: str
    old: str = ""
    new: str = ""
    words: list[tuple[str, str]] = field(default_factory=list)
    name: str = ""


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    before, after = WORDS.split(old), WORDS.split(new)
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(("equal", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("delete", "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(("insert", "".join(after[j1:j2])))
    return pieces


def contract_diff(*, older: ContractVersion, newer: ContractVersion) -> list[DiffLine]:
    """What changed from one version to another: the wording line by line (a changed line with its changed
    words marked), then the key terms and dates that changed."""
    old_lines, new_lines = older.body.splitlines(), newer.body.splitlines()
    result: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result.extend(DiffLine("equal", line, line) for line in old_lines[i1:i2])
            continue
        removed, added = old_lines[i1:i2], new_lines[j1:j2]
        paired = min(len(removed), len(added)) if tag == "replace" else 0
        for old, new in zip(removed[:paired], added[:paired], strict=True):
            result.append(DiffLine("change", old, new, _word_diff(old, new)))
        result.extend(DiffLine("delete", old=line) for line in removed[paired:])
        result.extend(DiffLine("insert", new=line) for line in added[paired:])
    for name in TERM_NAMES:
        old_value, new_value = str(older.terms.get(name, "")), str(newer.terms.get(name, ""))
        if old_value != new_value:
            result.append(DiffLine("term", old_value, new_value, name=name))
    return result
