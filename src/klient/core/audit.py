"""Audit trail: snapshots and diffs of business records, written in the caller's transaction."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from klient.core.models import AuditAction, AuditEntry, User

Snapshot = dict[str, Any]


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def _label(instance: models.Model, field_name: str) -> str | None:
    """What a person reads for a field's value: display names for choices and relations."""
    field = instance._meta.get_field(field_name)
    if field.is_relation:
        related = getattr(instance, field_name)
        return str(related) if related is not None else None
    if getattr(field, "choices", None) or hasattr(instance, f"get_{field_name}_display"):
        display = getattr(instance, f"get_{field_name}_display")()
        return str(display) if display else None
    value = getattr(instance, field_name)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):  # e.g. other phones [{"value": ..., "e164": ...}] or other emails
        return ", ".join(
            str(item.get("value", "")) if isinstance(item, dict) else str(item) for item in value
        )
    return None if value is None else str(value)


def snapshot(instance: models.Model, fields: list[str]) -> Snapshot:
    """The tracked fields' values and labels, taken before a change."""
    result: Snapshot = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = field.attname if field.is_relation else name  # type: ignore[union-attr]
        result[name] = {"value": _plain(getattr(instance, attname)), "label": _label(instance, name)}
    return result


def diff(before: Snapshot, after: Snapshot) -> dict[str, dict[str, Any]]:
    """Fields whose value differs: {"field": {"from", "to", "from_label", "to_label"}}."""
    changes: dict[str, dict[str, Any]] = {}
    for name, new in after.items():
        is_new_record = name not in before
        old = before.get(name, {"value": None, "label": None})
        if _is_blank(old["value"]) and _is_blank(new["value"], unset_flag=is_new_record):
            continue  # "" and None are both "nothing"; a new record's unset flags are not news
        if old["value"] != new["value"]:
            changes[name] = {
                "from": old["value"],
                "to": new["value"],
                "from_label": old["label"],
                "to_label": new["label"],
            }
    return changes


def _is_blank(value: Any, *, unset_flag: bool = False) -> bool:
    return value in (None, "") or value == [] or value == {} or (unset_flag and value is False)


def removed(before: Snapshot) -> dict[str, dict[str, Any]]:
    """The changes of a deletion: every field that had a value, to nothing."""
    return {
        name: {"from": v["value"], "to": None, "from_label": v["label"], "to_label": None}
        for name, v in before.items()
        if not _is_blank(v["value"], unset_flag=True)
    }


def audit_company_id(instance: models.Model) -> int | None:
    """The company whose client card shows the record's history: a company is its own; a contact, note,
    file (or any record with a `company_id`) belongs to its company at the time; others to none."""
    if instance._meta.label == "customers.Company":
        return int(instance.pk) if instance.pk is not None else None
    company_id = getattr(instance, "company_id", None)
    return company_id if isinstance(company_id, int) else None


def audit_log(
    *,
    instance: models.Model,
    action: str,
    actor: User | None,
    changes: dict[str, dict[str, Any]],
    on_behalf_of: User | None = None,
    object_id: int | None = None,
    company_id: int | None = None,
) -> AuditEntry:
    """Append one audit entry; call inside the transaction that made the change.

    The entry is shown on the card of `company_id`, by default the record's company (audit_company_id).
    A record that moved to another company (its `company` changed) also gets a "moved to" entry on the
    old company's card, so each card keeps the whole story of the people who were there.
    """
    entry = AuditEntry.objects.create(
        # Not type(instance): request.user arrives wrapped in a lazy object (django-otp's middleware).
        content_type=ContentType.objects.get_for_model(instance._meta.model),
        object_id=object_id if object_id is not None else instance.pk,
        object_repr=str(instance)[:200],
        action=action,
        actor=actor,
        on_behalf_of=on_behalf_of,
        changes=changes,
        company_id=company_id if company_id is not None else audit_company_id(instance),
    )
    moved = changes.get("company") or {}
    left = moved.get("from")
    if (
        action == AuditAction.UPDATE
        and isinstance(left, int)
        and left not in (moved.get("to"), entry.company_id)
    ):
        AuditEntry.objects.create(
            content_type_id=entry.content_type_id,
            object_id=entry.object_id,
            object_repr=entry.object_repr,
            action=action,
            actor=actor,
            on_behalf_of=on_behalf_of,
            at=entry.at,
            changes={"moved_to": {**moved, "from": None, "from_label": None}},
            company_id=left,
        )
    return entry


def history_for(model: type[models.Model], object_id: int) -> models.QuerySet[AuditEntry]:
    """Audit entries of one record, newest first."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=object_id
    ).select_related("actor", "on_behalf_of")


__all__ = ["AuditAction", "audit_company_id", "audit_log", "diff", "history_for", "removed", "snapshot"]
