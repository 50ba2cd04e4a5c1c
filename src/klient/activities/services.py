"""State changes of activities: each writes its audit entry in the same transaction."""

from __future__ import annotations

import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from klient.activities.models import Activity, ActivityKind, CallOutcome, Repeat
from klient.core.audit import AuditAction, audit_log, diff, removed, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import Role, User
from klient.customers.models import Company, Contact
from klient.customers.selectors import company_on_behalf_of, company_require_visible

# The fields a caller sets: the audited ones but the company (an activity stays with its company, set
# on creation) and `follows` (set by the service that makes a next step or the next occurrence).
EDITABLE_FIELDS = set(Activity.AUDITED_FIELDS) - {"company", "follows"}
MAX_REPEAT_EVERY = 365
DIRECTED_KINDS = {ActivityKind.CALL, ActivityKind.EMAIL}
# Done activities of these kinds are contact with the customer: they move the company's last contact.
CONTACT_KINDS = {ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.VISIT}
SUBJECT_MAX_LENGTH = Activity._meta.get_field("subject").max_length or 200


def call_outcome_get(code: str) -> CallOutcome:
    """The active outcome of this code; a ValidationError naming `outcome` otherwise."""
    outcome = CallOutcome.objects.filter(code=code, is_active=True).first()
    if outcome is None:
        raise ValidationError({"outcome": _("No call outcome “%(code)s”.") % {"code": code}})
    return outcome


def _apply(activity: Activity, data: dict[str, Any]) -> None:
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        if name == "outcome" and isinstance(value, str):
            value = call_outcome_get(value)
        if isinstance(value, str) and name != "notes":
            value = value.strip()
        setattr(activity, name, value)


def _check(activity: Activity) -> None:
    """Every rule of a stored activity, each error naming its field."""
    errors: dict[str, str] = {}
    if activity.kind not in ActivityKind.values:
        errors["kind"] = _("Unknown kind of activity.")
    if not activity.subject:
        errors["subject"] = _("Give the activity a subject.")
    elif len(activity.subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = _("At most %(count)d characters.") % {"count": SUBJECT_MAX_LENGTH}
    if activity.contact is not None and activity.contact.company_id != activity.company_id:
        errors["contact"] = _("The contact works at another company.")
    if activity.direction and activity.kind not in DIRECTED_KINDS:
        errors["direction"] = _("Only calls and emails have a direction.")
    owner = activity.owner
    if not owner.is_active or owner.role == Role.PORTAL:
        errors["owner"] = _("Activities belong to active staff.")
    if activity.outcome is not None and activity.kind != ActivityKind.CALL:
        errors["outcome"] = _("Only calls have an outcome.")
    elif activity.outcome is not None and activity.outcome.needs_reason and not activity.outcome_reason:
        errors["outcome_reason"] = _("Say why (this outcome needs a reason).")
    if activity.outcome_reason and activity.outcome is None:
        errors["outcome_reason"] = _("A reason goes with an outcome.")
    if activity.outcome is not None and activity.done_at is None:
        errors["done_at"] = _("A call with an outcome has been made: give the time it was done.")
    if activity.due_at is None and activity.done_at is None and activity.kind == ActivityKind.TASK:
        errors["due_at"] = _("A task needs a due time (or the time it was done).")
    if activity.repeat and (activity.kind != ActivityKind.TASK or activity.due_at is None):
        errors["repeat"] = _("Only tasks with a due time repeat.")
    if activity.repeat and activity.repeat not in Repeat.values:
        errors["repeat"] = _("Unknown repetition.")
    if not 1 <= activity.repeat_every <= MAX_REPEAT_EVERY:
        errors["repeat_every"] = _("From 1 to %(most)d.") % {"most": MAX_REPEAT_EVERY}
    for name in ("due_at", "done_at"):
        value = getattr(activity, name)
        if value is not None and timezone.is_naive(value):
            errors[name] = _("Give the time with its time zone.")
    if errors:
        raise ValidationError(errors)


def _timeline_time(activity: Activity) -> datetime.datetime:
    return activity.done_at or activity.due_at or activity.created_at


_STEPS = {
    Repeat.DAILY: lambda count: relativedelta(days=count),
    Repeat.WEEKLY: lambda count: relativedelta(weeks=count),
    Repeat.MONTHLY: lambda count: relativedelta(months=count),
    Repeat.YEARLY: lambda count: relativedelta(years=count),
}


def next_due(activity: Activity) -> datetime.datetime:
    """When a recurring task comes back: `repeat_every` periods after its due time, at the same time of
    day on the owner's clock (across a change to or from summer time), on the last day of a shorter
    month (a task due on the 31st comes back on the 30th, or the 28th)."""
    assert activity.due_at is not None and activity.repeat
    zone = activity.owner.tzinfo
    local = activity.due_at.astimezone(zone).replace(tzinfo=None)
    return (local + _STEPS[Repeat(activity.repeat)](activity.repeat_every)).replace(tzinfo=zone)


def _repeat(activity: Activity, actor: User) -> None:
    """The next occurrence of a recurring task that has just been done (once: doing it again after
    reopening it makes no second one)."""
    if (
        not activity.repeat
        or activity.done_at is None
        or activity.next_steps.filter(repeat=activity.repeat).exists()
    ):
        return
    activity_create(
        actor=actor,
        company=activity.company,
        follows=activity,
        kind=activity.kind,
        contact=activity.contact,
        owner=activity.owner,
        subject=activity.subject,
        notes=activity.notes,
        due_at=next_due(activity),
        repeat=activity.repeat,
        repeat_every=activity.repeat_every,
    )


def _record_contact(activity: Activity) -> None:
    """A done call, email, meeting or visit moves the company's last contact forwards (never back)."""
    done_at = activity.done_at
    if done_at is None or activity.kind not in CONTACT_KINDS:
        return
    Company.objects.filter(pk=activity.company_id).filter(
        Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=done_at)
    ).update(last_contact_at=done_at)


def _is_done_call(activity: Activity) -> bool:
    return activity.kind == ActivityKind.CALL and activity.done_at is not None


def company_last_call_refresh(*, companies: QuerySet[Company] | None = None) -> int:
    """Set each company's last call (time and outcome code) from its done calls: of `companies`, or of
    every company (after a bulk load that bypassed the services). One statement; returns the companies
    updated."""
    calls = Activity.objects.filter(
        company_id=OuterRef("pk"), kind=ActivityKind.CALL, done_at__isnull=False
    ).order_by("-at", "-id")
    return (Company.objects.all() if companies is None else companies).update(
        last_call_at=Subquery(calls.values("at")[:1]),
        last_call_outcome=Subquery(calls.values("outcome__code")[:1]),
    )


def _record_call(*activities: Activity) -> None:
    """After a done call is recorded, changed or deleted: its company's last call is read again (one
    indexed probe). Each argument is a state of the activity (before and after a change)."""
    companies = {activity.company_id for activity in activities if _is_done_call(activity)}
    if companies:
        company_last_call_refresh(companies=Company.objects.filter(pk__in=companies))


@transaction.atomic
def activity_create(
    *,
    actor: User,
    company: Company,
    next_step: dict[str, Any] | None = None,
    follows: Activity | None = None,
    **data: Any,
) -> Activity:
    """Record an activity with a company the actor sees; owned by the actor unless `owner` is given.
    `next_step` ({"subject", "due_at", and optionally "kind", "notes"}) creates the follow-up in the same
    transaction, owned by the same user, with the same contact."""
    if not actor.has_perm("activities.add_activity"):
        raise NotAllowed(_("You may not record activities."))
    company_require_visible(user=actor, company=company)
    activity = Activity(company=company, owner=actor, follows=follows)
    _apply(activity, data)
    activity.at = _timeline_time(activity)
    _check(activity)
    activity.save()
    _record_contact(activity)
    _record_call(activity)
    audit_log(
        instance=activity,
        action=AuditAction.CREATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(actor=actor, company=company, permission="activities.add_activity"),
        changes=diff({}, snapshot(activity, Activity.AUDITED_FIELDS)),
    )
    _repeat(activity, actor)
    if next_step:
        step = {"kind": ActivityKind.TASK, "contact": activity.contact, "owner": activity.owner, **next_step}
        try:
            activity_create(actor=actor, company=company, follows=activity, **step)
        except ValidationError as error:
            raise ValidationError(
                {f"next_step.{name}": messages for name, messages in error.message_dict.items()}
            ) from None
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, actor: User, version: int, **data: Any) -> Activity:
    """Change an activity; refused with VersionConflict if `version` is stale."""
    if not actor.has_perm("activities.change_activity"):
        raise NotAllowed(_("You may not change activities."))
    current = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("company", "contact", "owner", "outcome")
        .get(pk=activity.pk)
    )
    if current.version != version:
        raise VersionConflict(current.version)
    before = snapshot(current, Activity.AUDITED_FIELDS)
    was = Activity(company_id=current.company_id, kind=current.kind, done_at=current.done_at)
    _apply(current, data)
    current.at = _timeline_time(current)
    _check(current)
    changes = diff(before, snapshot(current, Activity.AUDITED_FIELDS))
    if not changes:
        return current
    current.updated_at = timezone.now()
    current.version = version + 1
    current.save()
    _record_contact(current)
    _record_call(was, current)
    audit_log(
        instance=current,
        action=AuditAction.UPDATE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=current.company, permission="activities.change_activity"
        ),
        changes=changes,
    )
    _repeat(current, actor)
    return current


@transaction.atomic
def activity_delete(*, activity: Activity, actor: User, version: int | None = None) -> None:
    """Delete an activity; the audit entry keeps its last values. Its next steps stay, without the link."""
    if not actor.has_perm("activities.delete_activity"):
        raise NotAllowed(_("You may not delete activities."))
    current = Activity.objects.select_for_update(of=("self",)).select_related("company").get(pk=activity.pk)
    if version is not None and current.version != version:
        raise VersionConflict(current.version)
    audit_log(
        instance=current,
        action=AuditAction.DELETE,
        actor=actor,
        on_behalf_of=company_on_behalf_of(
            actor=actor, company=current.company, permission="activities.delete_activity"
        ),
        changes=removed(snapshot(current, Activity.AUDITED_FIELDS)),
    )
    current.delete()
    _record_call(current)


def contact_of(company: Company, contact_id: int | None) -> Contact | None:
    """The company's contact of this id (None for None); a ValidationError naming `contact` otherwise."""
    if contact_id is None:
        return None
    contact = Contact.objects.filter(pk=contact_id, company=company).first()
    if contact is None:
        raise ValidationError({"contact": _("The contact works at another company.")})
    return contact
