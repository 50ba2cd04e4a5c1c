"""State changes of competitors: the catalogue of competitors, and their supplies to our customers. Each
writes its audit entry in the same transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from klient.catalog.models import Product, validate_currency
from klient.catalog.services import decimal_value
from klient.core.audit import AuditAction, audit_log, diff, removed, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import User
from klient.core.search import fold
from klient.customers.models import Company
from klient.customers.selectors import company_on_behalf_of, company_require_visible
from klient.sales.competitors.models import Competitor, CompetitorSupply

COMPETITOR_FIELDS = set(Competitor.AUDITED_FIELDS)
SUPPLY_FIELDS = set(CompetitorSupply.AUDITED_FIELDS)
TEXT_LIMITS = {"name": 200, "website": 200, "description": 300}


def name_key(name: str) -> str:
    """A competitor's name as uniqueness reads it: case and spacing ignored."""
    return " ".join(name.casefold().split())


def _require(actor: User, permission: str, message: str) -> None:
    if not actor.has_perm(permission):
        raise NotAllowed(message)


def _unknown(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _apply_competitor(competitor: Competitor, data: dict[str, Any]) -> None:
    _unknown(data, COMPETITOR_FIELDS)
    for name, value in data.items():
        if name == "is_active":
            if not isinstance(value, bool):
                raise ValidationError({name: _("Give true or false.")})
        elif name == "country":
            value = _text(value).upper()
        else:
            value = _text(value)
        setattr(competitor, name, value)


def _check_competitor(competitor: Competitor) -> None:
    errors: dict[str, str] = {}
    if not competitor.name:
        errors["name"] = _("Give the competitor a name.")
    elif Competitor.objects.filter(name_key=name_key(competitor.name)).exclude(pk=competitor.pk).exists():
        errors["name"] = _("Another competitor is named “%(name)s”.") % {"name": competitor.name}
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(competitor, name, "") or "") > limit:
            errors[name] = _("At most %(count)d characters.") % {"count": limit}
    country = str(competitor.country or "")
    if country and country not in countries:
        errors["country"] = _("“%(value)s” is not an ISO 3166 country code.") % {"value": country}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def competitor_create(*, actor: User, **data: Any) -> Competitor:
    """Add a competitor to the catalogue."""
    _require(actor, "competitors.add_competitor", _("You may not add competitors."))
    competitor = Competitor(created_by=actor)
    _apply_competitor(competitor, data)
    _check_competitor(competitor)
    competitor.name_key = name_key(competitor.name)
    competitor.search_text = fold(competitor.name)
    competitor.save()
    audit_log(
        instance=competitor,
        action=AuditAction.CREATE,
        actor=actor,
        changes=diff({}, snapshot(competitor, Competitor.AUDITED_FIELDS)),
    )
    return competitor


@transaction.atomic
def competitor_update(*, competitor: Competitor, actor: User, version: int, **data: Any) -> Competitor:
    """Change a competitor (retire it with is_active false: supplies and deals keep pointing at it);
    refused with VersionConflict if `version` is stale."""
    _require(actor, "competitors.change_competitor", _("You may not change competitors."))
    current = Competitor.objects.select_for_update().get(pk=competitor.pk)
    if current.version != version:
        raise VersionConflict(current.version)
    before = snapshot(current, Competitor.AUDITED_FIELDS)
    _apply_competitor(current, data)
    _check_competitor(current)
    changes = diff(before, snapshot(current, Competitor.AUDITED_FIELDS))
    if not changes:
        return current
    current.name_key = name_key(current.name)
    current.search_text = fold(current.name)
    current.version = version + 1
    current.updated_at = timezone.now()
    current.save()
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return current


def _apply_supply(supply: CompetitorSupply, data: dict[str, Any], *, is_new: bool) -> None:
    """Set the fields given; the price and its currency are checked together."""
    _unknown(data, SUPPLY_FIELDS)
    errors: dict[str, str] = {}
    for name, value in data.items():
        if name == "competitor":
            competitor = _competitor(value)
            if competitor is None:
                errors[name] = _("No competitor with this id.")
                continue
            # A retired competitor stays on the supplies it has, but gets no new ones.
            if not competitor.is_active and (is_new or competitor.pk != supply.competitor_id):
                errors[name] = _("“%(name)s” is no longer active.") % {"name": competitor.name}
                continue
            supply.competitor = competitor
        elif name == "product":
            if value is None:
                supply.product = None
                continue
            product = value if isinstance(value, Product) else Product.objects.filter(pk=value).first()
            if product is None:
                errors[name] = _("No product with this id.")
                continue
            supply.product = product
        elif name == "price":
            if value is None or value == "":
                supply.price = None
                continue
            try:
                supply.price = decimal_value(value, "price", places=4)
            except ValidationError as error:
                errors[name] = error.message_dict["price"][0]
        elif name == "currency":
            supply.currency = _text(value).upper()
        elif name == "since":
            if value is not None and not isinstance(value, datetime.date):
                errors[name] = _("Enter a date, e.g. 2026-03-01.")
                continue
            supply.since = value
        else:
            setattr(supply, name, _text(value))
    if not supply.description and "description" not in errors:
        errors["description"] = _("Say what they supply.")
    elif len(supply.description) > TEXT_LIMITS["description"]:
        errors["description"] = _("At most %(count)d characters.") % {"count": TEXT_LIMITS["description"]}
    if supply.currency and "currency" not in errors:
        try:
            validate_currency(supply.currency)
        except ValidationError as error:
            errors["currency"] = error.messages[0]
    if "price" not in errors and "currency" not in errors:
        if supply.price is not None and not supply.currency:
            errors["currency"] = _("Give the price's currency.")
        elif supply.price is None and supply.currency:
            errors["price"] = _("Give the price in this currency, or no currency.")
    if errors:
        raise ValidationError(errors)


def _competitor(value: Any) -> Competitor | None:
    if isinstance(value, Competitor):
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return Competitor.objects.filter(pk=value).first()


@transaction.atomic
def supply_create(*, actor: User, company: Company, **data: Any) -> CompetitorSupply:
    """Record that a competitor supplies a company the actor can see (Company.DoesNotExist otherwise)."""
    _require(actor, "competitors.add_competitorsupply", _("You may not record competitors' supplies."))
    company_require_visible(user=actor, company=company)
    supply = CompetitorSupply(company=company, recorded_by=actor)
    if "competitor" not in data:
        raise ValidationError({"competitor": _("Name the competitor.")})
    _apply_supply(supply, data, is_new=True)
    supply.save()
    audit_log(
        instance=supply,
        action=AuditAction.CREATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=company, permission="competitors.add_competitorsupply"
        ),
        changes=diff({}, snapshot(supply, CompetitorSupply.AUDITED_FIELDS)),
    )
    return supply


def _current_supply(supply: CompetitorSupply, actor: User, version: int | None) -> CompetitorSupply:
    current = (
        CompetitorSupply.objects.select_for_update(of=("self",))
        .select_related("company", "competitor")
        .get(pk=supply.pk)
    )
    company_require_visible(user=actor, company=current.company)
    if version is not None and current.version != version:
        raise VersionConflict(current.version)
    return current


@transaction.atomic
def supply_update(*, supply: CompetitorSupply, actor: User, version: int, **data: Any) -> CompetitorSupply:
    """Change what a competitor supplies a company, or at what price; refused with VersionConflict if
    `version` is stale. The one who changed it becomes who recorded it."""
    _require(actor, "competitors.change_competitorsupply", _("You may not change competitors' supplies."))
    current = _current_supply(supply, actor, version)
    before = snapshot(current, CompetitorSupply.AUDITED_FIELDS)
    _apply_supply(current, data, is_new=False)
    changes = diff(before, snapshot(current, CompetitorSupply.AUDITED_FIELDS))
    if not changes:
        return current
    current.version = version + 1
    current.updated_at = timezone.now()
    current.recorded_by = actor
    current.save()
    audit_log(
        instance=current,
        action=AuditAction.UPDATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=current.company, permission="competitors.change_competitorsupply"
        ),
        changes=changes,
    )
    return current


@transaction.atomic
def supply_delete(*, supply: CompetitorSupply, actor: User, version: int | None = None) -> None:
    """Remove a supply (the competitor no longer supplies the company); the audit entry keeps its values."""
    _require(actor, "competitors.delete_competitorsupply", _("You may not delete competitors' supplies."))
    current = _current_supply(supply, actor, version)
    audit_log(
        instance=current,
        action=AuditAction.DELETE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=current.company, permission="competitors.delete_competitorsupply"
        ),
        changes=removed(snapshot(current, CompetitorSupply.AUDITED_FIELDS)),
    )
    current.delete()
