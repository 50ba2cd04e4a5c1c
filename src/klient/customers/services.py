"""State changes of companies: each writes its audit entry in the same transaction."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from klient.core.audit import AuditAction, audit_log, diff, removed, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import Attachment, AuditEntry, Note, Role, Tag, User, VersionedModel
from klient.core.search import fold, index_text
from klient.core.visibility import company_visibility_q, delegators
from klient.customers.derive import (
    COMPANY_DERIVED_FIELDS,
    company_derived,
    company_search_text_of,
    phone_search_forms,
)
from klient.customers.duplicates import duplicate_dismissals_forget
from klient.customers.models import (
    AccountTeamMember,
    Company,
    CompanyStatus,
    Contact,
    DuplicateDismissal,
    ImportJob,
    ImportStatus,
)
from klient.customers.normalize import (
    person_key,
    phone_e164,
    split_phones,
    tax_id_key,
)
from klient.customers.selectors import (
    _has_own_permission,
    can_see_commercial_terms,
    company_on_behalf_of,
    company_require_visible,
)

EDITABLE_FIELDS = {*Company.AUDITED_FIELDS}
DERIVED_FIELDS = list(COMPANY_DERIVED_FIELDS)
_TEXT_FIELDS = {
    field.name
    for field in Company._meta.get_fields()
    if isinstance(field, models.CharField | models.TextField) and field.name in EDITABLE_FIELDS
}


def company_search_text(company: Company, contact_texts: list[str] | None = None) -> str:
    """Words the company is found by (see klient.core.search): names, tax ids, registration number,
    city, email, website domain, phones in several forms, external id.

    `contact_texts` are the search texts of its contacts, for callers that want them in the company's
    own text (the search service finds a company by its contacts' words anyway).
    """
    return company_search_text_of(_typed_values(company), contact_texts)


def _typed_values(company: Company) -> dict[str, Any]:
    values = {name: getattr(company, name) for name in _DERIVED_FROM}
    values["country"] = str(company.country or "")
    return values


_DERIVED_FROM = [
    "name",
    "legal_name",
    "tax_id",
    "registration_number",
    "city",
    "email",
    "website",
    "phone",
    "other_phones",
    "external_id",
    *DERIVED_FIELDS,
]


def _derive(company: Company) -> None:
    """Fill the fields computed from what the user typed."""
    for name, value in company_derived(_typed_values(company)).items():
        setattr(company, name, value)


def _check_commercial(actor: User, data: dict[str, Any]) -> None:
    touched = [name for name in Company.COMMERCIAL_FIELDS if name in data]
    if touched and not can_see_commercial_terms(actor):
        raise NotAllowed(_("You may not set commercial terms."))


def _apply(company: Company, data: dict[str, Any]) -> None:
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        if name in _TEXT_FIELDS:
            value = "" if value is None else str(value).strip()
        if name in {"discount_percent", "credit_limit"} and value == "":
            value = None
        if (
            name in {"discount_percent", "credit_limit"}
            and value is not None
            and not isinstance(value, decimal.Decimal)
        ):
            try:
                value = decimal.Decimal(str(value).replace(" ", "").replace(",", "."))
            except decimal.InvalidOperation:
                raise ValidationError({name: _("Enter a number.")}) from None
        setattr(company, name, value)
    if company.country:
        company.country = str(company.country).upper()
    company.document_currency = company.document_currency.upper()
    if company.email:
        company.email = company.email.lower()
    _derive(company)
    company.full_clean(exclude=["search_text", "tags"])
    if company.parent_id is not None and company.pk is not None and company.parent_id == company.pk:
        raise ValidationError({"parent": _("A company cannot be its own parent.")})


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


def _save_versioned(company: Company, version: int, **extra: Any) -> None:
    """Write the company's fields only if it is still at `version` (a concurrent writer gets a conflict)."""
    company.updated_at = timezone.now()
    # The conditional update is the guard against a concurrent writer between our read and write.
    saved = Company.objects.filter(pk=company.pk, version=version).update(
        **{
            name: getattr(company, name)
            for name in [*EDITABLE_FIELDS - {"owner", "team", "parent"}, *DERIVED_FIELDS, "updated_at"]
        },
        owner=company.owner,
        team=company.team,
        parent=company.parent,
        version=F("version") + 1,
        **extra,
    )
    if saved != 1:
        raise VersionConflict(Company.objects.values_list("version", flat=True).get(pk=company.pk))
    company.version = version + 1


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
    _save_versioned(current, version)
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
        changes=removed(before),
    )
    duplicate_dismissals_forget(kind=DuplicateDismissal.Kind.COMPANY, record_ids=[object_id])
    duplicate_dismissals_forget(
        kind=DuplicateDismissal.Kind.CONTACT,
        record_ids=Contact.objects.filter(company_id=object_id).values("pk"),
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


CONTACT_EDITABLE_FIELDS = {*Contact.AUDITED_FIELDS, "previous"}
_CONTACT_TEXT_FIELDS = {
    field.name
    for field in Contact._meta.get_fields()
    if isinstance(field, models.CharField | models.TextField) and field.name in CONTACT_EDITABLE_FIELDS
}


def contact_search_text(contact: Contact) -> str:
    """Words a contact is found by (see klient.core.search): names, position, emails, phones in several forms."""
    phones: list[str] = [
        *phone_search_forms(contact.phone, contact.phone_e164),
        *phone_search_forms(contact.mobile, contact.mobile_e164),
    ]
    for other in contact.other_phones:
        phones += phone_search_forms(str(other.get("value", "")), str(other.get("e164", "")))
    parts = [
        contact.first_name,
        contact.middle_name,
        contact.last_name,
        contact.position,
        contact.email,
        *[str(email) for email in contact.other_emails],
        *phones,
    ]
    return index_text(parts)


def _normalise_other_phones(value: Any, country: str) -> list[dict[str, str]]:
    """Other phones from a list of strings or {"value": ...} items (or one comma-separated string)."""
    if value in (None, ""):
        return []
    items = split_phones(value) if isinstance(value, str) else list(value)
    result = []
    for item in items:
        raw = str(item.get("value", "") if isinstance(item, dict) else item).strip()
        if raw:
            result.append({"value": raw, "e164": phone_e164(raw, country)})
    return result


def _normalise_emails(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = re.split(r"[,;\s]+", value) if isinstance(value, str) else list(value)
    return [str(item).strip().lower() for item in items if str(item).strip()]


def _contact_apply(contact: Contact, data: dict[str, Any]) -> None:
    unknown = set(data) - CONTACT_EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        if name in _CONTACT_TEXT_FIELDS:
            value = "" if value is None else str(value).strip()
        setattr(contact, name, value)
    country = str(contact.company.country or "") if contact.company_id else ""
    contact.email = contact.email.lower()
    contact.other_emails = _normalise_emails(contact.other_emails)
    contact.other_phones = _normalise_other_phones(contact.other_phones, country)
    contact.phone_e164 = phone_e164(contact.phone, country)
    contact.mobile_e164 = phone_e164(contact.mobile, country)
    contact.name_key = person_key(contact.first_name, contact.last_name)
    contact.search_text = contact_search_text(contact)
    if not (contact.first_name or contact.last_name or contact.email):
        raise ValidationError({"last_name": _("Give a name or an email address.")})
    if contact.language and contact.language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages of this installation.")})
    errors: dict[str, list[str]] = {}
    for index, email in enumerate(contact.other_emails):
        try:
            validate_email(email)
        except ValidationError:
            errors.setdefault("other_emails", []).append(
                _("“%(value)s” is not an email address.") % {"value": email}
            )
        if index >= 20:
            break
    if errors:
        raise ValidationError(errors)
    if contact.marketing_consent and contact.marketing_consent_at is None:
        contact.marketing_consent_at = timezone.now()
    contact.full_clean(exclude=["search_text", "company"])


@transaction.atomic
def contact_create(
    *, actor: User, company: Company, audit_extra: dict[str, dict[str, Any]] | None = None, **data: Any
) -> Contact:
    """Add a person to a company the actor can see (`audit_extra`: more rows for the audit entry)."""
    if not actor.has_perm("customers.add_contact"):
        raise NotAllowed(_("You may not add contacts."))
    company_require_visible(user=actor, company=company)
    contact = Contact(company=company)
    _contact_apply(contact, data)
    contact.save()
    audit_log(
        instance=contact,
        action=AuditAction.CREATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(actor=actor, company=company, permission="customers.add_contact"),
        changes={**diff({}, snapshot(contact, Contact.AUDITED_FIELDS)), **(audit_extra or {})},
    )
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    actor: User,
    version: int,
    audit_extra: dict[str, dict[str, Any]] | None = None,
    **data: Any,
) -> Contact:
    """Change a contact; refused with VersionConflict if `version` is stale (`audit_extra`: more rows for
    the audit entry, written even when no field changed)."""
    if not actor.has_perm("customers.change_contact"):
        raise NotAllowed(_("You may not change contacts."))
    current = Contact.objects.select_for_update(of=("self",)).select_related("company").get(pk=contact.pk)
    if current.version != version:
        raise VersionConflict(current.version)
    if "company" in data and data["company"] != current.company:
        company_require_visible(user=actor, company=data["company"])
    before = snapshot(current, Contact.AUDITED_FIELDS)
    _contact_apply(current, data)
    changes = {**diff(before, snapshot(current, Contact.AUDITED_FIELDS)), **(audit_extra or {})}
    if not changes:
        return current
    current.updated_at = timezone.now()
    current.version = version + 1
    saved = Contact.objects.filter(pk=current.pk, version=version).update(
        **{
            field.attname: getattr(current, field.attname)
            for field in Contact._meta.concrete_fields
            if field.name not in {"id", "created_at"}
        }
    )
    if saved != 1:
        raise VersionConflict(Contact.objects.values_list("version", flat=True).get(pk=current.pk))
    audit_log(
        instance=current,
        action=AuditAction.UPDATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=current.company, permission="customers.change_contact"
        ),
        changes=changes,
    )
    return current


@transaction.atomic
def contact_delete(*, contact: Contact, actor: User, version: int | None = None) -> None:
    """Delete a contact; the audit entry keeps its last values."""
    if not actor.has_perm("customers.delete_contact"):
        raise NotAllowed(_("You may not delete contacts."))
    current = Contact.objects.select_for_update(of=("self",)).select_related("company").get(pk=contact.pk)
    if version is not None and current.version != version:
        raise VersionConflict(current.version)
    audit_log(
        instance=current,
        action=AuditAction.DELETE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=current.company, permission="customers.delete_contact"
        ),
        changes=removed(snapshot(current, Contact.AUDITED_FIELDS)),
    )
    duplicate_dismissals_forget(kind=DuplicateDismissal.Kind.CONTACT, record_ids=[current.pk])
    current.delete()


@transaction.atomic
def company_mark_reviewed(*, company: Company, actor: User) -> Company:
    """Record that the actor checked the client card is current (the freshness mark starts again)."""
    if not actor.has_perm("customers.change_company"):
        raise NotAllowed(_("You may not change companies."))
    now = timezone.now()
    Company.objects.filter(pk=company.pk).update(card_reviewed_at=now, card_reviewed_by=actor)
    company.card_reviewed_at, company.card_reviewed_by = now, actor
    audit_log(
        instance=company,
        action=AuditAction.UPDATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=company, permission="customers.change_company"
        ),
        changes={
            "card_reviewed_at": {
                "from": None,
                "to": now.isoformat(),
                "from_label": None,
                "to_label": str(_("Card reviewed")),
            }
        },
    )
    return company


# What a person takes to the next company: who they are, not how the old employer reached them.
CONTACT_PERSONAL_FIELDS = [
    "first_name",
    "middle_name",
    "last_name",
    "birthday",
    "language",
    "preferred_channel",
]


@transaction.atomic
def contact_move(
    *, contact: Contact, to_company: Company, left_on: Any, actor: User, version: int, **data: Any
) -> Contact:
    """The person left for another company: the old record gets `left_on`, a new one at `to_company`
    points back to it through `previous`. `data` holds the new position, email and phones."""
    if contact.company_id == to_company.pk:
        raise ValidationError({"company": _("Choose another company than the current one.")})
    # Each card tells its half of the move: the old one "moved to", the new one "moved from".
    old = contact_update(
        contact=contact,
        actor=actor,
        version=version,
        left_on=left_on,
        audit_extra=_note_row("moved_to", to_company.pk, str(to_company)),
    )
    personal = {name: getattr(old, name) for name in CONTACT_PERSONAL_FIELDS}
    return contact_create(
        actor=actor,
        company=to_company,
        previous=old,
        audit_extra=_note_row("moved_from", old.company_id, str(old.company)),
        **{**personal, **data},
    )


def _note_row(name: str, record_id: int, label: str) -> dict[str, dict[str, Any]]:
    """An audit row naming another record: the other company of a move, the other record of a merge."""
    return {name: {"from": None, "to": record_id, "from_label": None, "to_label": label}}


@transaction.atomic
def company_set_tags(*, company: Company, names: list[str], actor: User) -> Company:
    """Give a company exactly these tags (matched by folded name, new ones created); audited as "tags".

    A change of tags is a change of the company: its version goes up and `updated_at` moves (ERP sync).
    """
    from klient.core.services import record_set_tags

    if not actor.has_perm("customers.change_company"):
        raise NotAllowed(_("You may not change companies."))
    current = (
        Company.objects.select_for_update(of=("self",)).select_related("owner", "team").get(pk=company.pk)
    )
    before = set(current.tags.values_list("pk", flat=True))
    tags = record_set_tags(instance=current, names=names, actor=actor)
    if {tag.pk for tag in tags} != before:
        current.updated_at = timezone.now()
        Company.objects.filter(pk=current.pk).update(version=F("version") + 1, updated_at=current.updated_at)
        current.version += 1
    return current


UPSERT_KEYS = ("external_id", "tax_id", "id")


@transaction.atomic
def company_upsert(
    *,
    actor: User,
    key: str,
    value: Any,
    data: dict[str, Any],
    tags: list[str] | None = None,
    version: int | None = None,
) -> tuple[Company, str]:
    """Update the company whose `key` is `value`, or create one; returns it and "created", "updated" or
    "unchanged". A match the actor cannot see is refused (never changed, never duplicated)."""
    if key not in UPSERT_KEYS:
        raise ValidationError({"key": _("Choose external_id, tax_id or id.")})
    if value in (None, "") or (key != "id" and not str(value).strip()):
        raise ValidationError({key: _("This field is required to find the company.")})
    if key == "id":
        matches = Company.objects.filter(pk=value)
    elif key == "tax_id":
        matches = Company.objects.filter(tax_id_key=tax_id_key(str(value))).exclude(tax_id_key="")
    else:
        matches = Company.objects.filter(external_id=str(value).strip())
    found = list(matches.values_list("pk", flat=True)[:2])
    if len(found) > 1:
        raise ValidationError({key: _("Several companies have this value; change them one by one.")})
    if not found:
        if key == "id":
            raise ValidationError({key: _("No company with this id, or you may not see it.")})
        company = company_create(actor=actor, **{key: value, **data})
        if tags is not None:
            company = company_set_tags(company=company, names=tags, actor=actor)
        return company, "created"
    visible = Company.objects.visible_to(actor).select_related("owner", "team").filter(pk=found[0]).first()
    if visible is None:
        message = (
            _("No company with this id, or you may not see it.")
            if key == "id"
            else _("A company you may not see has this value; it was left unchanged.")
        )
        raise ValidationError({key: message})
    before = visible.version
    company = company_update(
        company=visible, actor=actor, version=before if version is None else version, **data
    )
    if tags is not None:
        company = company_set_tags(company=company, names=tags, actor=actor)
    return company, "unchanged" if company.version == before else "updated"


# Merging duplicates: two records become one; every related record moves to the one kept. --------------

MERGE_KEEP, MERGE_DROP = "keep", "drop"
# Company fields a merge chooses between (commercial terms only for those who may see them).
COMPANY_MERGE_FIELDS = list(Company.AUDITED_FIELDS)
# Contact fields a merge chooses between; other emails and phones are always united, nothing is lost.
CONTACT_MERGE_FIELDS = [
    name for name in Contact.AUDITED_FIELDS if name not in {"other_emails", "other_phones"}
]


def _merge_value_is_empty(value: Any) -> bool:
    if hasattr(value, "code"):  # a django-countries Country
        value = value.code
    return value is None or value is False or value in ("", [], {})


def merge_default_choices(*, keep: models.Model, drop: models.Model, fields: list[str]) -> dict[str, str]:
    """Where each field's value comes from unless chosen: the kept record, or the other one when it is empty."""
    choices = {}
    for name in fields:
        attname = keep._meta.get_field(name).attname  # type: ignore[union-attr]
        empty_here = _merge_value_is_empty(getattr(keep, attname)) and not _merge_value_is_empty(
            getattr(drop, attname)
        )
        choices[name] = MERGE_DROP if empty_here else MERGE_KEEP
    return choices


def _merge_choices(
    *, keep: models.Model, drop: models.Model, fields: list[str], values: dict[str, str] | None
) -> dict[str, str]:
    values = dict(values or {})
    errors = {}
    for name, choice in values.items():
        if name not in fields:
            errors[name] = _("This field cannot be chosen.")
        elif choice not in (MERGE_KEEP, MERGE_DROP):
            errors[name] = _("Choose “keep” or “drop”.")
    if errors:
        raise ValidationError(errors)
    return {**merge_default_choices(keep=keep, drop=drop, fields=fields), **values}


def _merge_label(instance: models.Model) -> str:
    return f"{instance} (#{instance.pk})"


def _merge_note(name: str, other: models.Model) -> dict[str, dict[str, Any]]:
    return _note_row(name, other.pk, _merge_label(other))


def _merge_unique_partners(model: type[models.Model], field_name: str) -> list[list[str]]:
    """For each unique constraint on `model` that includes `field_name`, the other fields in it."""
    field = model._meta.get_field(field_name)
    if getattr(field, "unique", False):
        return [[]]
    sets = [list(fields) for fields in model._meta.unique_together]
    sets += [
        list(constraint.fields)
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields
    ]
    return [[name for name in fields if name != field_name] for fields in sets if field_name in fields]


def _merge_move_rows(
    model: type[models.Model], field_name: str, *, keep: models.Model, drop: models.Model
) -> int:
    """Point every `model` row from `drop` to `keep`; a row that would break a unique constraint is a
    duplicate of one the kept record already has, and goes."""
    rows = model._base_manager.filter(**{field_name: drop.pk})
    if model is keep._meta.model:
        rows = rows.exclude(pk=keep.pk)  # a self-reference of the kept record is set by the merge itself
    for partners in _merge_unique_partners(model, field_name):
        taken = model._base_manager.filter(**{field_name: keep.pk})
        if partners:
            clash = models.Q(pk__in=[])
            for values in taken.values(*partners):
                clash |= models.Q(**values)
            rows.filter(clash).delete()
        elif taken.exists():
            rows.delete()
    update: dict[str, Any] = {field_name: keep.pk}
    if issubclass(model, VersionedModel):  # the row changed: stale forms are refused, syncs see it
        update.update(version=F("version") + 1, updated_at=timezone.now())
    return rows.update(**update)


def _merge_move_related(
    *, keep: models.Model, drop: models.Model, handled: set[type[models.Model]]
) -> dict[str, int]:
    """Move every record that points at `drop` (any app's ForeignKey or ManyToMany) to `keep`.

    Generic on purpose: apps added later (activities, deals, tickets, invoices) are moved without a
    change here. Models in `handled` are moved by the caller (they need more than a pointer change).
    """
    moved: dict[str, int] = {}
    for relation in keep._meta.related_objects:
        model = relation.related_model
        assert isinstance(model, type)
        if model in handled:
            continue
        if isinstance(relation, models.ManyToManyRel):
            through = relation.through
            assert isinstance(through, type)
            field = relation.field
            assert isinstance(field, models.ManyToManyField)
            count = _merge_move_rows(through, field.m2m_reverse_field_name(), keep=keep, drop=drop)
        else:
            count = _merge_move_rows(model, relation.field.name, keep=keep, drop=drop)
        if count:
            label = model._meta.label_lower
            moved[label] = moved.get(label, 0) + count
    return moved


def _merge_move_notes_and_files(
    *, model: type[models.Model], keep: models.Model, drop: models.Model, company_id: int
) -> None:
    """Notes and files kept on `drop` move to `keep`, and show on the card of `company_id`."""
    content_type = ContentType.objects.get_for_model(model)
    for kind in (Note, Attachment):
        kind.objects.filter(target_type=content_type, target_id=drop.pk).update(
            target_id=keep.pk, company_id=company_id
        )


def _merge_lock_pair(
    model: type[Any], *, keep: models.Model, drop: models.Model, actor: User
) -> tuple[Any, Any]:
    """Both records, locked in id order (no deadlock between two merges), or DoesNotExist if either
    is not visible to the actor."""
    if keep.pk == drop.pk:
        raise ValidationError({"drop": _("A record cannot be merged with itself.")})
    visible = model.objects.visible_to(actor).filter(pk__in=[keep.pk, drop.pk])
    if visible.count() != 2:
        raise model.DoesNotExist
    locked = {
        row.pk: row
        for row in model.objects.select_for_update(of=("self",))
        .filter(pk__in=[keep.pk, drop.pk])
        .order_by("pk")
    }
    return locked[keep.pk], locked[drop.pk]


def _merge_check_versions(current_keep: Any, current_drop: Any, keep_version: int, drop_version: int) -> None:
    if current_keep.version != keep_version:
        raise VersionConflict(current_keep.version)
    if current_drop.version != drop_version:
        raise VersionConflict(current_drop.version)


def _merge_account_teams(*, keep: Company, drop: Company) -> None:
    """Drop's account team joins keep's; a user on both stays once (keep's role unless it has none),
    and the owner is never also a member."""
    kept = {member.user_id: member for member in AccountTeamMember.objects.filter(company=keep)}
    for member in AccountTeamMember.objects.filter(company=drop):
        mine = kept.get(member.user_id)
        if mine is not None and not mine.role and member.role:
            mine.role = member.role
            mine.save(update_fields=["role"])
    owner = [keep.owner_id] if keep.owner_id is not None else []
    AccountTeamMember.objects.filter(company=drop, user_id__in=[*kept, *owner]).delete()
    AccountTeamMember.objects.filter(company=drop).update(company=keep)
    AccountTeamMember.objects.filter(company=keep, user_id__in=owner).delete()


@transaction.atomic
def company_merge(
    *,
    keep: Company,
    drop: Company,
    actor: User,
    values: dict[str, str] | None = None,
    keep_version: int | None = None,
    drop_version: int | None = None,
) -> Company:
    """Merge `drop` into `keep`: chosen field values, every related record moved, `drop` deleted.

    `values` maps a field to "keep" or "drop" (defaults: keep's value, or drop's where keep's is
    empty). The versions default to those of the instances passed in, i.e. the ones the caller read.
    """
    if not (actor.has_perm("customers.change_company") and actor.has_perm("customers.delete_company")):
        raise NotAllowed(_("You may not merge companies."))
    with_terms = can_see_commercial_terms(actor)
    fields = [name for name in COMPANY_MERGE_FIELDS if with_terms or name not in Company.COMMERCIAL_FIELDS]
    _check_commercial(actor, values or {})
    keep_version = keep.version if keep_version is None else keep_version
    drop_version = drop.version if drop_version is None else drop_version
    current, other = _merge_lock_pair(Company, keep=keep, drop=drop, actor=actor)
    _merge_check_versions(current, other, keep_version, drop_version)
    choices = _merge_choices(keep=current, drop=other, fields=fields, values=values)

    before = snapshot(current, Company.AUDITED_FIELDS)
    team_before = _account_team_label(current)
    data = {name: getattr(other, name) for name, choice in choices.items() if choice == MERGE_DROP}
    if data.get("parent") is not None and data["parent"].pk in (current.pk, other.pk):
        data["parent"] = None  # drop's parent was keep: the merged company has none
    _apply(current, data)
    if current.parent_id == other.pk:
        current.parent = None
    current.last_contact_at = max(
        (at for at in (current.last_contact_at, other.last_contact_at) if at is not None), default=None
    )
    # Both companies' calls are now the kept one's: its last call is the later of the two.
    called = [company for company in (current, other) if company.last_call_at is not None]
    latest_call = max(called, key=lambda company: company.last_call_at or company.created_at, default=None)
    current.last_call_at = latest_call.last_call_at if latest_call else None
    current.last_call_outcome = latest_call.last_call_outcome if latest_call else None

    _merge_account_teams(keep=current, drop=other)
    current.tags.add(*other.tags.all())
    _merge_move_related(keep=current, drop=other, handled={AccountTeamMember})
    for kind in (Note, Attachment):
        kind.objects.filter(company_id=other.pk).update(company_id=current.pk)
    _merge_move_notes_and_files(model=Company, keep=current, drop=other, company_id=current.pk)

    _save_versioned(
        current,
        keep_version,
        last_contact_at=current.last_contact_at,
        last_call_at=current.last_call_at,
        last_call_outcome=current.last_call_outcome,
    )

    changes = diff(before, snapshot(current, Company.AUDITED_FIELDS))
    team_after = _account_team_label(current)
    if team_after != team_before:
        changes["account_team"] = {
            "from": team_before or None,
            "to": team_after or None,
            "from_label": team_before or None,
            "to_label": team_after or None,
        }
    changes.update(_merge_note("merged_from", other))
    audit_log(
        instance=current,
        action=AuditAction.UPDATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=current, permission="customers.change_company"
        ),
        changes=changes,
    )
    audit_log(
        instance=other,
        action=AuditAction.DELETE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(actor=actor, company=other, permission="customers.delete_company"),
        changes={**removed(snapshot(other, Company.AUDITED_FIELDS)), **_merge_note("merged_into", current)},
    )
    # The kept card shows the whole history of both, its end included. Entries stay append-only: their
    # content is never rewritten, only the card they are shown on moves with the records.
    AuditEntry.objects.filter(company_id=other.pk).update(company_id=current.pk)
    duplicate_dismissals_forget(kind=DuplicateDismissal.Kind.COMPANY, record_ids=[other.pk])
    other.delete()
    return current


def _merge_phone_entry(contact: Contact, name: str) -> dict[str, str]:
    return {"value": getattr(contact, name), "e164": getattr(contact, f"{name}_e164")}


def _merge_phone_key(entry: dict[str, Any]) -> str:
    return str(entry.get("e164") or "") or fold(str(entry.get("value", "")))


@transaction.atomic
def contact_merge(
    *,
    keep: Contact,
    drop: Contact,
    actor: User,
    values: dict[str, str] | None = None,
    keep_version: int | None = None,
    drop_version: int | None = None,
) -> Contact:
    """Merge `drop` into `keep` (one person entered twice): chosen values, other emails and phones
    united (a primary one not chosen joins them), related records moved, `drop` deleted."""
    if not (actor.has_perm("customers.change_contact") and actor.has_perm("customers.delete_contact")):
        raise NotAllowed(_("You may not merge contacts."))
    keep_version = keep.version if keep_version is None else keep_version
    drop_version = drop.version if drop_version is None else drop_version
    current, other = _merge_lock_pair(Contact, keep=keep, drop=drop, actor=actor)
    _merge_check_versions(current, other, keep_version, drop_version)
    choices = _merge_choices(keep=current, drop=other, fields=CONTACT_MERGE_FIELDS, values=values)

    before = snapshot(current, Contact.AUDITED_FIELDS)
    data: dict[str, Any] = {
        name: getattr(other, name) for name, choice in choices.items() if choice == MERGE_DROP
    }
    # Nothing typed is lost: a primary email or phone not chosen joins the other emails or phones.
    source = {
        name: other if choices[name] == MERGE_DROP else current for name in ("email", "phone", "mobile")
    }
    unchosen = {name: current if record is other else other for name, record in source.items()}
    data["other_emails"] = [
        email
        for email in dict.fromkeys([*current.other_emails, *other.other_emails, unchosen["email"].email])
        if email and email != source["email"].email
    ]
    seen = {"", *(_merge_phone_key(_merge_phone_entry(source[name], name)) for name in ("phone", "mobile"))}
    data["other_phones"] = []
    for entry in [
        *current.other_phones,
        *other.other_phones,
        _merge_phone_entry(unchosen["phone"], "phone"),
        _merge_phone_entry(unchosen["mobile"], "mobile"),
    ]:
        if _merge_phone_key(entry) not in seen:
            seen.add(_merge_phone_key(entry))
            data["other_phones"].append(entry["value"])
    if current.previous_id is None and other.previous_id not in (None, current.pk):
        data["previous"] = other.previous
    if current.previous_id == other.pk:
        data["previous"] = other.previous if other.previous_id != current.pk else None
    if "company" in data:
        current.company = data["company"]
    _contact_apply(current, data)

    _merge_move_related(keep=current, drop=other, handled=set())
    _merge_move_notes_and_files(model=Contact, keep=current, drop=other, company_id=current.company_id)

    current.updated_at = timezone.now()
    current.version = keep_version + 1
    saved = Contact.objects.filter(pk=current.pk, version=keep_version).update(
        **{
            field.attname: getattr(current, field.attname)
            for field in Contact._meta.concrete_fields
            if field.name not in {"id", "created_at"}
        }
    )
    if saved != 1:
        raise VersionConflict(Contact.objects.values_list("version", flat=True).get(pk=current.pk))
    changes = diff(before, snapshot(current, Contact.AUDITED_FIELDS))
    changes.update(_merge_note("merged_from", other))
    audit_log(
        instance=current,
        action=AuditAction.UPDATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=current.company, permission="customers.change_contact"
        ),
        changes=changes,
    )
    audit_log(
        instance=other,
        action=AuditAction.DELETE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=other.company, permission="customers.delete_contact"
        ),
        changes={**removed(snapshot(other, Contact.AUDITED_FIELDS)), **_merge_note("merged_into", current)},
    )
    duplicate_dismissals_forget(kind=DuplicateDismissal.Kind.CONTACT, record_ids=[other.pk])
    other.delete()
    return current


@dataclasses.dataclass
class BulkResult:
    """What a bulk change did: ids changed, ids already as asked, and ids refused with the reason."""

    changed: list[int]
    unchanged: list[int]
    refused: dict[int, str]


BULK_CHANGES = ("owner", "status", "status_reason", "add_tags", "remove_tags")
STATUSES_WITH_REASON = (CompanyStatus.LOST, CompanyStatus.INACTIVE)


@transaction.atomic
def company_bulk_update(
    *,
    companies: Sequence[Company | int],
    actor: User,
    versions: Mapping[int, int] | None = None,
    **changes: Any,
) -> BulkResult:
    """Give many companies a new owner (the team follows the owner's), a status, or tags added/removed.

    Each changed company gets its version raised and its own audit entry. A company the actor cannot
    see, or whose version differs from the one in `versions` (what the actor was shown), is refused
    and left untouched; the result names every refused id with the reason.
    """
    if not actor.has_perm("customers.change_company"):
        raise NotAllowed(_("You may not change companies."))
    values, add_names, remove_names = _bulk_values(actor, changes)
    ids = list(dict.fromkeys(item if isinstance(item, int) else item.pk for item in companies))
    rows = {
        row.pk: row
        for row in Company.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("owner", "team")
        .filter(pk__in=ids)
    }
    add_tags = _tags_named(add_names, actor=actor, create=True)
    remove_tags = _tags_named(remove_names, actor=actor, create=False)
    tag_names: dict[int, set[str]] = {pk: set() for pk in rows}
    if add_tags or remove_tags:
        for company_id, name in Company.tags.through.objects.filter(company_id__in=rows).values_list(
            "company_id", "tag__name"
        ):
            tag_names[company_id].add(name)
    fields = [name for name in ("owner", "team", "status", "status_reason") if name in values]
    result = BulkResult(changed=[], unchanged=[], refused={})
    audits: list[tuple[Company, dict[str, dict[str, Any]]]] = []
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            result.refused[pk] = _("Not found, or you may not see it.")
            continue
        if versions is not None and versions.get(pk, row.version) != row.version:
            result.refused[pk] = _("Someone else changed it since the list was shown; look at it again.")
            continue
        before = snapshot(row, fields)
        for name, value in values.items():
            setattr(row, name, value)
        row_changes = diff(before, snapshot(row, fields))
        old_tags = tag_names[pk]
        new_tags = (old_tags | {tag.name for tag in add_tags}) - {tag.name for tag in remove_tags}
        if new_tags != old_tags:
            # The same form as record_set_tags writes: names in alphabetical order, and a label.
            old_names, new_names = sorted(old_tags, key=str.casefold), sorted(new_tags, key=str.casefold)
            row_changes["tags"] = {
                "from": old_names,
                "to": new_names,
                "from_label": ", ".join(old_names) or None,
                "to_label": ", ".join(new_names) or None,
            }
        if row_changes:
            result.changed.append(pk)
            audits.append((row, row_changes))
        else:
            result.unchanged.append(pk)
    if audits:
        _bulk_write(actor=actor, audits=audits, values=values, add_tags=add_tags, remove_tags=remove_tags)
    return result


def _bulk_values(actor: User, changes: dict[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    """The validated field values of a bulk change, and the tag names to add and to remove."""
    unknown = set(changes) - set(BULK_CHANGES)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    values: dict[str, Any] = {}
    if "owner" in changes:
        owner = changes["owner"]
        if not isinstance(owner, User) or not owner.is_active or owner.role == Role.PORTAL:
            raise ValidationError({"owner": _("Choose an active colleague as the owner.")})
        values["owner"], values["team"] = owner, owner.team
    if "status" in changes:
        status = changes["status"]
        reason = " ".join(str(changes.get("status_reason") or "").split())
        if status not in CompanyStatus.values:
            raise ValidationError({"status": _("Choose a status.")})
        if status in STATUSES_WITH_REASON and not reason:
            raise ValidationError({"status_reason": _("Say why the companies are lost or inactive.")})
        if len(reason) > 200:
            raise ValidationError({"status_reason": _("Keep the reason under 200 characters.")})
        values["status"] = status
        values["status_reason"] = reason if status in STATUSES_WITH_REASON else ""
    elif "status_reason" in changes:
        raise ValidationError({"status_reason": _("A reason goes with a status.")})
    add_names = [" ".join(name.split()) for name in changes.get("add_tags") or [] if name.strip()]
    remove_names = [" ".join(name.split()) for name in changes.get("remove_tags") or [] if name.strip()]
    if not values and not add_names and not remove_names:
        raise ValidationError(_("Choose what to change."))
    return values, add_names, remove_names


def _tags_named(names: list[str], *, actor: User, create: bool) -> list[Tag]:
    """The tags with these names (case and diacritics ignored); missing ones as unsaved tags when allowed."""
    if not names:
        return []
    keys = {fold(name)[:50]: name[:50] for name in names}
    tags = {tag.key: tag for tag in Tag.objects.filter(key__in=keys)}
    missing = [key for key in keys if key not in tags]
    if missing and create:
        if not actor.has_perm("core.add_tag"):
            raise ValidationError({"add_tags": _("You may only choose existing tags.")})
        for key in missing:  # stored only if some company gets it (a refused change creates nothing)
            tags[key] = Tag(name=keys[key], key=key)
    return list(tags.values())


def _bulk_write(
    *,
    actor: User,
    audits: list[tuple[Company, dict[str, dict[str, Any]]]],
    values: dict[str, Any],
    add_tags: list[Tag],
    remove_tags: list[Tag],
) -> None:
    """Store a bulk change: one UPDATE per version seen, the tag rows, and one audit entry per company."""
    now = timezone.now()
    by_version: dict[int, list[int]] = {}
    for row, _changes in audits:
        by_version.setdefault(row.version, []).append(row.pk)
    guard = Q(pk__in=[])
    for version, pks in by_version.items():
        guard |= Q(version=version, pk__in=pks)
    saved = Company.objects.filter(guard).update(**values, version=F("version") + 1, updated_at=now)
    pks = [row.pk for row, _changes in audits]
    if saved != len(audits):  # a concurrent writer got in between: store nothing
        stale = Company.objects.filter(pk__in=pks).exclude(guard).values_list("version", flat=True).first()
        raise VersionConflict(stale or 0)
    through = Company.tags.through
    for tag in add_tags:
        if tag.pk is None:
            tag.pk = Tag.objects.get_or_create(key=tag.key, defaults={"name": tag.name})[0].pk
    if add_tags:
        through.objects.bulk_create(
            [through(company_id=pk, tag_id=tag.pk) for pk in pks for tag in add_tags], ignore_conflicts=True
        )
    if remove_tags:
        through.objects.filter(company_id__in=pks, tag__in=remove_tags).delete()
    on_behalf_of = _on_behalf_of_many(actor=actor, ids=pks, permission="customers.change_company")
    content_type = ContentType.objects.get_for_model(Company)
    entries = []
    for row, changes in audits:
        row.version, row.updated_at = row.version + 1, now
        entries.append(
            AuditEntry(
                content_type=content_type,
                object_id=row.pk,
                object_repr=str(row)[:200],
                action=AuditAction.UPDATE,
                actor=actor,
                on_behalf_of=on_behalf_of.get(row.pk),
                at=now,
                changes=changes,
                company_id=row.pk,
            )
        )
    AuditEntry.objects.bulk_create(entries)


def _on_behalf_of_many(*, actor: User, ids: list[int], permission: str) -> dict[int, User]:
    """company_on_behalf_of for many companies at once: id → the absent user the actor works for."""
    own = company_visibility_q(actor, with_delegations=False)
    if not _has_own_permission(actor, permission):
        own_ids: set[int] = set()
    elif own is None:
        own_ids = set(ids)
    else:
        own_ids = set(Company.objects.filter(own, pk__in=ids).values_list("pk", flat=True))
    remaining = [pk for pk in ids if pk not in own_ids]
    result: dict[int, User] = {}
    for absent_user in delegators(actor) if remaining else []:
        if not _has_own_permission(absent_user, permission):
            continue
        theirs = company_visibility_q(absent_user, with_delegations=False)
        if theirs is None:
            hits = set(remaining)
        else:
            hits = set(Company.objects.filter(theirs, pk__in=remaining).values_list("pk", flat=True))
        result.update(dict.fromkeys(hits, absent_user))
        remaining = [pk for pk in remaining if pk not in hits]
    return result


# ----------------------------------------------------------------------------------------------------------
# Import jobs

# An upload never imported for real (left at the columns or after its trial run) is deleted, with its
# file, after this many days: customer lists should not lie about in the media folder.
ABANDONED_IMPORT_DAYS = 7


def import_jobs_purge_abandoned(*, now: datetime.datetime | None = None) -> int:
    """Delete the import jobs not imported for real ABANDONED_IMPORT_DAYS after their last step (the
    upload, or the end of the trial run), with their files; jobs that imported stay. Answers how many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=ABANDONED_IMPORT_DAYS)
    abandoned = ImportJob.objects.filter(
        Q(status=ImportStatus.UPLOADED, created_at__lt=cutoff)
        | Q(is_dry_run=True, status__in=[ImportStatus.DONE, ImportStatus.FAILED], finished_at__lt=cutoff)
    )
    count = 0
    for job in abandoned.iterator():
        # Claimed by the delete itself: a job queued meanwhile (its status changed) is kept.
        still_abandoned = ImportJob.objects.filter(pk=job.pk, status=job.status, is_dry_run=job.is_dry_run)
        deleted, _by_model = still_abandoned.delete()
        if deleted:
            for stored in (job.file, job.rejected_file):
                if stored:
                    stored.delete(save=False)
            count += 1
    return count
