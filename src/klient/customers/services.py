"""State changes of companies: each writes its audit entry in the same transaction."""

from __future__ import annotations

import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import Role, User
from klient.core.search import fold
from klient.core.visibility import delegators
from klient.customers.models import AccountTeamMember, Company
from klient.customers.selectors import can_see_commercial_terms, company_on_behalf_of

EDITABLE_FIELDS = {"name", "legal_name", "country", "tax_id", "owner", "team", *Company.COMMERCIAL_FIELDS}


def _search_text(company: Company) -> str:
    return fold(" ".join([company.name, company.legal_name, company.tax_id, company.tax_id.replace(" ", "")]))


def _check_commercial(actor: User, data: dict[str, Any]) -> None:
    touched = [name for name in Company.COMMERCIAL_FIELDS if name in data]
    if touched and not can_see_commercial_terms(actor):
        raise NotAllowed(_("You may not set commercial terms."))


def _apply(company: Company, data: dict[str, Any]) -> None:
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    text_fields = {"name", "legal_name", "country", "tax_id"}
    for name, value in data.items():
        if name in text_fields:
            value = "" if value is None else str(value).strip()
        if name == "discount_percent" and value is not None and not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value))
        setattr(company, name, value)
    if company.country:
        company.country = str(company.country).upper()
    company.search_text = _search_text(company)
    company.full_clean(exclude=["search_text"])


@transaction.atomic
def company_create(*, actor: User, **data: Any) -> Company:
    """Create a company; owned by the actor (and in the owner's team) unless the data says otherwise."""
    if not actor.has_perm("customers.add_company"):
        raise NotAllowed(_("You may not create companies."))
    _check_commercial(actor, data)
    data.setdefault("owner", actor)
    owner = data["owner"]
    if "team" not in data:
        data["team"] = owner.team if isinstance(owner, User) else None
    company = Company()
    _apply(company, data)
    company.save()
    on_behalf_of = (
        owner if isinstance(owner, User) and owner.pk != actor.pk and _is_delegator(actor, owner) else None
    )
    audit_log(
        instance=company,
        action=AuditAction.CREATE,
        actor=actor,
        on_behalf_of=on_behalf_of,
        changes=diff({}, snapshot(company, Company.AUDITED_FIELDS)),
    )
    return company


def _is_delegator(actor: User, user: User) -> bool:
    return any(absent.pk == user.pk for absent in delegators(actor))


@transaction.atomic
def company_update(*, company: Company, actor: User, version: int, **data: Any) -> Company:
    """Change a company the actor can see; refused with VersionConflict if `version` is stale."""
    if not actor.has_perm("customers.change_company"):
        raise NotAllowed(_("You may not change companies."))
    _check_commercial(actor, data)
    current = (
        Company.objects.select_for_update(of=("self",)).select_related("owner", "team").get(pk=company.pk)
    )
    if current.version != version:
        raise VersionConflict(current.version)
    before = snapshot(current, Company.AUDITED_FIELDS)
    _apply(current, data)
    changes = diff(before, snapshot(current, Company.AUDITED_FIELDS))
    if not changes:
        return current
    current.updated_at = timezone.now()
    # The conditional update is the guard against a concurrent writer between our read and write.
    saved = Company.objects.filter(pk=current.pk, version=version).update(
        **{
            name: getattr(current, name)
            for name in [*EDITABLE_FIELDS - {"owner", "team"}, "search_text", "updated_at"]
        },
        owner=current.owner,
        team=current.team,
        version=F("version") + 1,
    )
    if saved != 1:
        raise VersionConflict(Company.objects.values_list("version", flat=True).get(pk=current.pk))
    current.version = version + 1
    audit_log(
        instance=current,
        action=AuditAction.UPDATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=current, permission="customers.change_company"
        ),
        changes=changes,
    )
    return current


@transaction.atomic
def company_delete(*, company: Company, actor: User, version: int | None = None) -> None:
    """Delete a company the actor can see; the audit entry keeps its last values."""
    if not actor.has_perm("customers.delete_company"):
        raise NotAllowed(_("You may not delete companies."))
    current = Company.objects.select_for_update().get(pk=company.pk)
    if version is not None and current.version != version:
        raise VersionConflict(current.version)
    on_behalf_of = company_on_behalf_of(actor=actor, company=current, permission="customers.delete_company")
    before = snapshot(current, Company.AUDITED_FIELDS)
    object_id = current.pk
    audit_log(
        instance=current,
        action=AuditAction.DELETE,
        actor=actor,
        on_behalf_of=on_behalf_of,
        object_id=object_id,
        changes={
            name: {"from": v["value"], "to": None, "from_label": v["label"], "to_label": None}
            for name, v in before.items()
        },
    )
    current.delete()


def _account_team_label(company: Company) -> str:
    members = (
        AccountTeamMember.objects.filter(company=company).select_related("user").order_by("user__username")
    )
    return ", ".join(f"{m.user.username} ({m.role})" if m.role else m.user.username for m in members)


@transaction.atomic
def account_team_add(*, company: Company, user: User, role: str, actor: User) -> AccountTeamMember:
    """Put a user on a company's account team (team selling); they see the company from then on."""
    if not actor.has_perm("customers.change_company"):
        raise NotAllowed(_("You may not change companies."))
    if not user.is_active or user.role == Role.PORTAL:
        raise ValidationError({"user": _("Only active staff users can join an account team.")})
    if user.pk == company.owner_id:
        raise ValidationError({"user": _("The owner is already responsible for this company.")})
    before = _account_team_label(company)
    member, created = AccountTeamMember.objects.get_or_create(
        company=company, user=user, defaults={"role": role.strip()}
    )
    if not created and member.role != role.strip():
        member.role = role.strip()
        member.save(update_fields=["role"])
    after = _account_team_label(company)
    if before != after:
        _audit_account_team(company=company, actor=actor, before=before, after=after)
    return member


@transaction.atomic
def account_team_remove(*, company: Company, user: User, actor: User) -> bool:
    """Take a user off a company's account team; returns whether they were on it."""
    if not actor.has_perm("customers.change_company"):
        raise NotAllowed(_("You may not change companies."))
    before = _account_team_label(company)
    removed = AccountTeamMember.objects.filter(company=company, user=user).delete()[0] > 0
    if removed:
        _audit_account_team(company=company, actor=actor, before=before, after=_account_team_label(company))
    return removed


def _audit_account_team(*, company: Company, actor: User, before: str, after: str) -> None:
    audit_log(
        instance=company,
        action=AuditAction.UPDATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=company, permission="customers.change_company"
        ),
        changes={
            "account_team": {
                "from": before or None,
                "to": after or None,
                "from_label": before or None,
                "to_label": after or None,
            }
        },
    )
