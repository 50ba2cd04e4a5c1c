"""State changes of business calendars and SLA policies: create and change them (a policy's targets are
replaced as a whole), with their audit entries; the open tickets they affect are recomputed by a job after
the commit. Only service-desk managers and administrators (the model permissions) may."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.service.models import (
    BusinessCalendar,
    Channel,
    Priority,
    Queue,
    SlaPolicy,
    SlaTarget,
    TicketType,
)
from klient.service.sla import clean_calendar

CALENDAR_FIELDS = [
    "name",
    "timezone",
    "hours",
    "holiday_country",
    "holiday_subdivision",
    "closed_days",
    "is_default",
]
POLICY_FIELDS = ["name", "calendar", "is_default", "order", "conditions", "is_active"]
TARGET_MINUTES = ("first_response_minutes", "next_response_minutes", "resolution_minutes")
# The longest target: a year of business minutes, far beyond any sensible service level.
MAX_TARGET_MINUTES = 366 * 24 * 60
CONDITION_NAMES = {"queues", "types", "companies", "key_account", "channels", "priorities"}


def _require(actor: User, permission: str) -> None:
    if not (actor.is_active and actor.has_perm(permission)):
        raise NotAllowed(_("You may not change business calendars and SLA policies."))


def _recompute_after_commit(*, policy_id: int | None = None, calendar_id: int | None = None) -> None:
    from klient.service.tasks import sla_recompute_changed

    transaction.on_commit(lambda: sla_recompute_changed.delay(policy_id=policy_id, calendar_id=calendar_id))


def _clean_name(model: type[BusinessCalendar] | type[SlaPolicy], name: str, pk: int | None) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValidationError({"name": _("Give it a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("At most 100 characters.")})
    taken = model.objects.filter(name__iexact=name)
    if pk is not None:
        taken = taken.exclude(pk=pk)
    if taken.exists():
        raise ValidationError({"name": _("“%(value)s” is taken already.") % {"value": name}})
    return name


# --- calendars -------------------------------------------------------------------------------------------


@transaction.atomic
def calendar_create(
    *,
    actor: User,
    name: str,
    timezone: str = "UTC",
    hours: dict[str, Any] | None = None,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    closed_days: list[Any] | None = None,
    is_default: bool = False,
) -> BusinessCalendar:
    """Create a business calendar (a default one makes the others not default)."""
    _require(actor, "service.add_businesscalendar")
    name = _clean_name(BusinessCalendar, name, None)
    cleaned = clean_calendar(
        timezone_name=timezone,
        hours=hours if hours is not None else {},
        holiday_country=holiday_country,
        holiday_subdivision=holiday_subdivision,
        closed_days=closed_days if closed_days is not None else [],
    )
    calendar = BusinessCalendar.objects.create(name=name, is_default=is_default, **cleaned)
    if is_default:
        BusinessCalendar.objects.exclude(pk=calendar.pk).filter(is_default=True).update(is_default=False)
    audit_log(instance=calendar, action=AuditAction.CREATE, actor=actor, changes={})
    return calendar


@transaction.atomic
def calendar_update(*, calendar: BusinessCalendar, actor: User, **data: Any) -> BusinessCalendar:
    """Change a calendar's name, time zone, hours, holidays, closed days or default flag; the open tickets
    whose policy uses it are recomputed after the commit."""
    _require(actor, "service.change_businesscalendar")
    unknown = set(data) - set(CALENDAR_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    current = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    before = snapshot(current, CALENDAR_FIELDS)
    if "name" in data:
        current.name = _clean_name(BusinessCalendar, data["name"], current.pk)
    cleaned = clean_calendar(
        timezone_name=data.get("timezone", current.timezone),
        hours=data.get("hours", current.hours),
        holiday_country=data.get("holiday_country", current.holiday_country),
        holiday_subdivision=data.get("holiday_subdivision", current.holiday_subdivision),
        closed_days=data.get("closed_days", current.closed_days),
    )
    for field, value in cleaned.items():
        setattr(current, field, value)
    if "is_default" in data:
        current.is_default = bool(data["is_default"])
    changes = diff(before, snapshot(current, CALENDAR_FIELDS))
    if not changes:
        return current
    current.save()
    if current.is_default:
        BusinessCalendar.objects.exclude(pk=current.pk).filter(is_default=True).update(is_default=False)
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    if set(changes) - {"name", "is_default"}:
        _recompute_after_commit(calendar_id=current.pk)
    return current


# --- policies --------------------------------------------------------------------------------------------


def clean_targets(targets: Any) -> list[dict[str, Any]]:
    """A policy's targets checked: one per known priority at most, minutes whole and positive (or empty:
    not measured)."""
    if not isinstance(targets, list):
        raise ValidationError({"targets": _("Give the targets as a list.")})
    errors: list[str] = []
    seen: set[str] = set()
    cleaned: list[dict[str, Any]] = []
    for position, item in enumerate(targets, start=1):
        if not isinstance(item, dict):
            errors.append(_("Target %(position)s: not an object.") % {"position": position})
            continue
        priority = item.get("priority")
        if priority not in Priority.values:
            errors.append(
                _("Target %(position)s: “%(value)s” is not a priority (%(known)s).")
                % {"position": position, "value": priority, "known": ", ".join(Priority.values)}
            )
            continue
        if priority in seen:
            errors.append(
                _("Target %(position)s: %(priority)s is given twice.")
                % {"position": position, "priority": priority}
            )
            continue
        seen.add(priority)
        row: dict[str, Any] = {"priority": priority}
        for name in TARGET_MINUTES:
            value = item.get(name)
            if value is None or value == "":
                row[name] = None
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_TARGET_MINUTES:
                errors.append(
                    _("Target %(position)s: %(field)s is %(value)s; give whole minutes, 1 to %(max)s.")
                    % {"position": position, "field": name, "value": value, "max": MAX_TARGET_MINUTES}
                )
                continue
            row[name] = value
        unknown = sorted(set(item) - {"priority", *TARGET_MINUTES})
        if unknown:
            errors.append(
                _("Target %(position)s: unknown fields %(fields)s.")
                % {"position": position, "fields": ", ".join(unknown)}
            )
        cleaned.append(row)
    if errors:
        raise ValidationError({"targets": errors})
    return cleaned


def clean_conditions(conditions: Any) -> dict[str, Any]:
    """A policy's conditions checked: queues and companies as ids of existing records, types, channels and
    priorities as known codes, key_account true or false; an empty condition is left out."""
    from klient.customers.models import Company

    if not isinstance(conditions, dict):
        raise ValidationError({"conditions": _("Give the conditions as an object.")})
    errors: list[str] = []
    cleaned: dict[str, Any] = {}
    for name, value in conditions.items():
        if name not in CONDITION_NAMES:
            errors.append(
                _("“%(name)s” is not a condition (%(known)s).")
                % {"name": name, "known": ", ".join(sorted(CONDITION_NAMES))}
            )
            continue
        if name == "key_account":
            if not isinstance(value, bool):
                errors.append(_("key_account is true or false."))
            elif value:
                cleaned[name] = True
            continue
        if not isinstance(value, list):
            errors.append(_("%(name)s: give a list.") % {"name": name})
            continue
        if not value:
            continue
        if name in ("queues", "companies"):
            if not all(isinstance(item, int) and not isinstance(item, bool) for item in value):
                errors.append(_("%(name)s: give ids.") % {"name": name})
                continue
            model = Queue if name == "queues" else Company
            found = set(model.objects.filter(pk__in=value).values_list("pk", flat=True))
            missing = [item for item in value if item not in found]
            if missing:
                errors.append(
                    _("%(name)s: no record with id %(ids)s.")
                    % {"name": name, "ids": ", ".join(map(str, missing))}
                )
                continue
        else:
            known = {"types": TicketType.values, "channels": Channel.values, "priorities": Priority.values}[
                name
            ]
            wrong = [str(item) for item in value if item not in known]
            if wrong:
                errors.append(
                    _("%(name)s: “%(values)s” not known (%(known)s).")
                    % {"name": name, "values": ", ".join(wrong), "known": ", ".join(known)}
                )
                continue
        cleaned[name] = list(dict.fromkeys(value))
    if errors:
        raise ValidationError({"conditions": errors})
    return cleaned


def _set_targets(policy: SlaPolicy, targets: list[dict[str, Any]]) -> None:
    SlaTarget.objects.filter(policy=policy).delete()
    SlaTarget.objects.bulk_create(SlaTarget(policy=policy, **row) for row in targets)


def _targets_plain(policy: SlaPolicy) -> list[dict[str, Any]]:
    return [
        {"priority": target.priority, **{name: getattr(target, name) for name in TARGET_MINUTES}}
        for target in SlaTarget.objects.filter(policy=policy).order_by("priority")
    ]


def _clean_order(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise ValidationError({"order": _("Give a whole number, 0 to 1000000.")})
    return value


@transaction.atomic
def policy_create(
    *,
    actor: User,
    name: str,
    calendar: BusinessCalendar,
    targets: list[dict[str, Any]] | None = None,
    is_default: bool = False,
    order: int = 100,
    conditions: dict[str, Any] | None = None,
    is_active: bool = True,
) -> SlaPolicy:
    """Create an SLA policy with its targets per priority (a default one makes the others not default);
    the open tickets are recomputed after the commit, since the new policy may now apply to some."""
    _require(actor, "service.add_slapolicy")
    name = _clean_name(SlaPolicy, name, None)
    cleaned_targets = clean_targets(targets if targets is not None else [])
    cleaned_conditions = clean_conditions(conditions if conditions is not None else {})
    policy = SlaPolicy.objects.create(
        name=name,
        calendar=calendar,
        is_default=is_default,
        order=_clean_order(order),
        conditions=cleaned_conditions,
        is_active=is_active,
    )
    _set_targets(policy, cleaned_targets)
    if is_default:
        SlaPolicy.objects.exclude(pk=policy.pk).filter(is_default=True).update(is_default=False)
    audit_log(
        instance=policy,
        action=AuditAction.CREATE,
        actor=actor,
        changes={"targets": {"from": None, "to": cleaned_targets, "from_label": None, "to_label": None}},
    )
    _recompute_after_commit(policy_id=policy.pk)
    return policy


@transaction.atomic
def policy_update(*, policy: SlaPolicy, actor: User, **data: Any) -> SlaPolicy:
    """Change a policy (its targets, when given, replace the old ones); the open tickets are recomputed
    after the commit."""
    _require(actor, "service.change_slapolicy")
    unknown = set(data) - {*POLICY_FIELDS, "targets"}
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    current = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    before = snapshot(current, POLICY_FIELDS)
    targets_before = _targets_plain(current)
    if "name" in data:
        current.name = _clean_name(SlaPolicy, data["name"], current.pk)
    if "calendar" in data:
        current.calendar = data["calendar"]
    if "conditions" in data:
        current.conditions = clean_conditions(data["conditions"])
    if "order" in data:
        current.order = _clean_order(data["order"])
    for flag in ("is_default", "is_active"):
        if flag in data:
            setattr(current, flag, bool(data[flag]))
    cleaned_targets = clean_targets(data["targets"]) if "targets" in data else None
    changes = diff(before, snapshot(current, POLICY_FIELDS))
    if cleaned_targets is not None:
        ordered = sorted(cleaned_targets, key=lambda row: row["priority"])
        if ordered != targets_before:
            _set_targets(current, cleaned_targets)
            changes["targets"] = {"from": targets_before, "to": ordered, "from_label": None, "to_label": None}
    if not changes:
        return current
    current.save()
    if current.is_default:
        SlaPolicy.objects.exclude(pk=current.pk).filter(is_default=True).update(is_default=False)
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    if set(changes) != {"name"}:
        _recompute_after_commit(policy_id=current.pk)
    return current
