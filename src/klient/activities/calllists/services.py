"""State changes of call lists: building, assigning, claiming the next entry, and handling an entry (log
the call, skip it, snooze it). Each writes its audit entry in the same transaction."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from klient.activities.calllists.models import (
    CallList,
    CallListAssignee,
    CallListEntry,
    CallScript,
    EntryState,
    Objection,
    ObjectionAnswer,
    ObjectionMark,
)
from klient.activities.models import Activity, ActivityKind
from klient.activities.services import activity_create
from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed
from klient.core.models import Role, User
from klient.core.visibility import company_visibility_q, delegators, user_team_ids
from klient.customers.filters import CompanyFilter
from klient.customers.models import Company, Contact

MAX_ENTRIES = 5000
NAME_MAX_LENGTH = 200
# A claimed entry nobody handled within this time goes back to the list (a rep closed the page).
CLAIM_TIMEOUT = datetime.timedelta(minutes=30)
CLAIM_ATTEMPTS = 5


class EntryTaken(Exception):
    """The entry is not (or no longer) the caller's to handle: a colleague has it, or it was handled."""


@dataclass(frozen=True)
class ObjectionUse:
    """An objection that came up on a call: the answer used (if any) and whether it was overcome."""

    objection: Objection
    answer: ObjectionAnswer | None
    is_overcome: bool


def _audit(call_list: CallList, action: str, actor: User, changes: dict[str, Any]) -> None:
    audit_log(instance=call_list, action=action, actor=actor, changes=changes)


def _ordered(queryset: Any, ordering: list[str]) -> Any:
    # The company list's order, with companies lacking the first value (never contacted) last.
    expressions = [
        F(name[1:]).desc(nulls_last=True) if name.startswith("-") else F(name).asc(nulls_last=True)
        for name in ordering
    ]
    return queryset.order_by(*expressions)


def _first_contacts(company_ids: list[int]) -> dict[int, int]:
    """Each company's first current contact: decision makers first, then by name."""
    contacts = (
        Contact.objects.filter(company_id__in=company_ids, left_on__isnull=True)
        .order_by("company_id", "last_name", "first_name", "id")
        .values_list("company_id", "pk", "buying_role")
    )
    first: dict[int, tuple[bool, int]] = {}
    for company_id, contact_id, buying_role in contacts:
        is_decision_maker = buying_role == "decision_maker"
        if company_id not in first or (is_decision_maker and not first[company_id][0]):
            first[company_id] = (is_decision_maker, contact_id)
    return {company_id: contact_id for company_id, (_maker, contact_id) in first.items()}


@transaction.atomic
def call_list_build(
    *,
    actor: User,
    name: str,
    company_filter: CompanyFilter,
    script: CallScript | None = None,
    with_contacts: bool = True,
    assignees: Sequence[User] | None = None,
    round_robin: bool = False,
) -> CallList:
    """A call list of the companies the actor sees that match the company filter, in the filter's order,
    each with its first contact when `with_contacts`. Assigned to `assignees` (managers), else to the
    actor."""
    if not actor.has_perm("calllists.add_calllist"):
        raise NotAllowed(_("You may not build call lists."))
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the call list a name.")
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = _("At most %(count)d characters.") % {"count": NAME_MAX_LENGTH}
    if script is not None and not script.is_active:
        errors["script"] = _("This script is no longer in use.")
    companies = company_filter.apply(Company.objects.visible_to(actor), username=actor.username)
    company_ids = list(
        _ordered(companies, company_filter.ordering).values_list("pk", flat=True)[: MAX_ENTRIES + 1]
    )
    if not company_ids:
        errors["filter"] = _("No company you can see matches the filter.")
    elif len(company_ids) > MAX_ENTRIES:
        errors["filter"] = _("More than %(count)d companies match: narrow the filter.") % {
            "count": MAX_ENTRIES
        }
    if errors:
        raise ValidationError(errors)
    call_list = CallList.objects.create(
        name=name,
        script=script,
        filter_query=company_filter.to_query()[:2000],
        with_contacts=with_contacts,
        created_by=actor,
        team_id=actor.team_id,
    )
    contacts = _first_contacts(company_ids) if with_contacts else {}
    CallListEntry.objects.bulk_create(
        CallListEntry(call_list=call_list, position=position, company_id=pk, contact_id=contacts.get(pk))
        for position, pk in enumerate(company_ids, start=1)
    )
    changes = diff({}, snapshot(call_list, CallList.AUDITED_FIELDS))
    changes["entries"] = {"from": None, "to": len(company_ids), "from_label": None, "to_label": None}
    _audit(call_list, AuditAction.CREATE, actor, changes)
    if assignees:
        call_list_assign(call_list=call_list, actor=actor, users=assignees, round_robin=round_robin)
    else:
        CallListAssignee.objects.create(call_list=call_list, user=actor)
    return call_list


def _may_assign_to(actor: User, user: User) -> bool:
    if actor.is_superuser or user == actor:
        return True
    return user.team_id is not None and user.team_id in user_team_ids(actor)


@transaction.atomic
def call_list_assign(
    *, call_list: CallList, actor: User, users: Sequence[User], round_robin: bool = False
) -> CallList:
    """Give the list to these users (in place of those before). Round robin deals the entries still to
    call out among them in the list's order; otherwise any of them takes the next one. Only managers
    assign, to members of their teams."""
    if not actor.has_perm("calllists.change_calllist"):
        raise NotAllowed(_("You may not assign call lists."))
    if not CallList.objects.visible_to(actor).filter(pk=call_list.pk).exists():
        raise CallList.DoesNotExist
    people = list(dict.fromkeys(users))
    if not people:
        raise ValidationError({"users": _("Name at least one user.")})
    for user in people:
        if not user.is_active or user.role == Role.PORTAL or not user.has_perm("calllists.view_calllist"):
            raise ValidationError({"users": _("%(name)s may not work call lists.") % {"name": user.username}})
        if not _may_assign_to(actor, user):
            raise ValidationError({"users": _("%(name)s is not in your team.") % {"name": user.username}})
    locked = CallList.objects.select_for_update().get(pk=call_list.pk)
    before = sorted(
        CallListAssignee.objects.filter(call_list=locked).values_list("user__username", flat=True)
    )
    CallListAssignee.objects.filter(call_list=locked).exclude(user__in=people).delete()
    for user in people:
        CallListAssignee.objects.get_or_create(call_list=locked, user=user)
    to_call = CallListEntry.objects.filter(call_list=locked, state__in=[EntryState.OPEN, EntryState.SNOOZED])
    # Claims of people who no longer work the list go back to it.
    to_call.exclude(claimed_by__in=people).update(claimed_by=None, claimed_at=None)
    if round_robin:
        dealt: dict[int, list[int]] = {user.pk: [] for user in people}
        ids = to_call.order_by("position").values_list("pk", flat=True)
        for pk, user in zip(ids, itertools.cycle(people), strict=False):
            dealt[user.pk].append(pk)
        for user_id, entry_ids in dealt.items():
            CallListEntry.objects.filter(pk__in=entry_ids).update(assigned_to_id=user_id)
    else:
        to_call.update(assigned_to=None)
    after = sorted(user.username for user in people)
    changes: dict[str, Any] = {}
    if before != after:
        changes["assignees"] = {
            "from": before,
            "to": after,
            "from_label": ", ".join(before),
            "to_label": ", ".join(after),
        }
    changes["round_robin"] = {"from": None, "to": round_robin, "from_label": None, "to_label": None}
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["version", "updated_at"])
    _audit(locked, AuditAction.UPDATE, actor, changes)
    return locked


def works_on(call_list: CallList, user: User) -> bool:
    """Whether the list is assigned to the user (or to an absent colleague they stand in for)."""
    principals = [user, *delegators(user)]
    return CallListAssignee.objects.filter(call_list=call_list, user__in=principals).exists()


def _workable(actor: User, now: datetime.datetime) -> Q:
    """Entries the actor may take now: to call (or snoozed until a time that has come), theirs or
    anyone's, not claimed by a colleague within the claim time, of a company the actor sees."""
    principals = [actor, *delegators(actor)]
    condition = (
        (Q(state=EntryState.OPEN) | Q(state=EntryState.SNOOZED, snoozed_until__lte=now))
        & (Q(assigned_to__isnull=True) | Q(assigned_to__in=principals))
        & (Q(claimed_by__isnull=True) | Q(claimed_by=actor) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
    )
    visible = company_visibility_q(actor, prefix="company__")
    return condition if visible is None else condition & visible


def call_list_current(*, call_list: CallList, actor: User) -> CallListEntry | None:
    """The entry the actor has claimed and not handled yet, if any."""
    return (
        CallListEntry.objects.filter(
            call_list=call_list,
            claimed_by=actor,
            state=EntryState.OPEN,
            claimed_at__gte=timezone.now() - CLAIM_TIMEOUT,
        )
        .order_by("position")
        .first()
    )


def call_list_next(*, call_list: CallList, actor: User) -> CallListEntry | None:
    """Claim the next entry of the list for the actor (or give back the one they hold): a conditional
    UPDATE, so two reps working the same list never get the same entry. None when nothing is left to
    call now."""
    if not works_on(call_list, actor):
        raise NotAllowed(_("This call list is not assigned to you."))
    current = call_list_current(call_list=call_list, actor=actor)
    if current is not None:
        return current
    for _attempt in range(CLAIM_ATTEMPTS):
        now = timezone.now()
        candidates = list(
            CallListEntry.objects.filter(_workable(actor, now), call_list=call_list)
            .order_by("position", "id")
            .values_list("pk", flat=True)[:10]
        )
        if not candidates:
            return None
        for pk in candidates:
            claimed = CallListEntry.objects.filter(_workable(actor, now), pk=pk).update(
                claimed_by=actor, claimed_at=now, state=EntryState.OPEN
            )
            if claimed:
                return CallListEntry.objects.select_related("company", "contact", "call_list").get(pk=pk)
    return None


def _release(entry: CallListEntry, actor: User, **values: Any) -> CallListEntry:
    """Mark the actor's claimed entry handled with `values`; EntryTaken when it is not theirs (any more)."""
    now = timezone.now()
    handled = CallListEntry.objects.filter(pk=entry.pk, claimed_by=actor, state=EntryState.OPEN).update(
        claimed_by=None, claimed_at=None, handled_by=actor, handled_at=now, **values
    )
    if not handled:
        raise EntryTaken
    return CallListEntry.objects.select_related("call_list", "company").get(pk=entry.pk)


def _entry_audit(entry: CallListEntry, actor: User, changes: dict[str, Any]) -> None:
    audit_log(instance=entry, action=AuditAction.UPDATE, actor=actor, changes=changes)


def _state_change(state: str) -> dict[str, Any]:
    return {
        "state": {
            "from": EntryState.OPEN.value,
            "to": state,
            "from_label": str(EntryState.OPEN.label),
            "to_label": str(EntryState(state).label),
        }
    }


def _check_objections(uses: Sequence[ObjectionUse]) -> None:
    seen: set[int] = set()
    for use in uses:
        if not use.objection.is_active:
            raise ValidationError(
                {"objections": _("“%(name)s” is no longer in use.") % {"name": use.objection}}
            )
        if use.objection.pk in seen:
            raise ValidationError({"objections": _("“%(name)s” is marked twice.") % {"name": use.objection}})
        seen.add(use.objection.pk)
        if use.answer is not None and use.answer.objection_id != use.objection.pk:
            raise ValidationError(
                {
                    "objections": _("That answer belongs to another objection than “%(name)s”.")
                    % {"name": use.objection}
                }
            )


@transaction.atomic
def call_list_entry_log(
    *,
    entry: CallListEntry,
    actor: User,
    objections: Sequence[ObjectionUse] = (),
    next_step: dict[str, Any] | None = None,
    **call: Any,
) -> Activity:
    """Log the call made for the actor's claimed entry (activity_create's values: outcome, notes, …),
    with the objections that came up; the entry is done. EntryTaken when the entry is not the actor's."""
    _check_objections(objections)
    handled = _release(entry, actor, state=EntryState.DONE)
    values = {"kind": ActivityKind.CALL, "subject": _("Call"), "done_at": timezone.now(), **call}
    if values["kind"] != ActivityKind.CALL:
        raise ValidationError({"kind": _("A call list logs calls.")})
    activity = activity_create(actor=actor, company=handled.company, next_step=next_step, **values)
    CallListEntry.objects.filter(pk=entry.pk).update(activity=activity)
    at = activity.done_at or activity.at
    ObjectionMark.objects.bulk_create(
        ObjectionMark(
            activity=activity,
            objection=use.objection,
            answer=use.answer,
            is_overcome=use.is_overcome,
            owner=activity.owner,
            at=at,
        )
        for use in objections
    )
    changes = _state_change(EntryState.DONE)
    changes["activity"] = {"from": None, "to": activity.pk, "from_label": None, "to_label": str(activity)}
    _entry_audit(handled, actor, changes)
    return activity


@transaction.atomic
def call_list_entry_skip(*, entry: CallListEntry, actor: User, reason: str = "") -> CallListEntry:
    """Skip the actor's claimed entry, with an optional reason; it is not offered again."""
    reason = reason.strip()
    if len(reason) > NAME_MAX_LENGTH:
        raise ValidationError({"reason": _("At most %(count)d characters.") % {"count": NAME_MAX_LENGTH}})
    handled = _release(entry, actor, state=EntryState.SKIPPED, skip_reason=reason)
    changes = _state_change(EntryState.SKIPPED)
    if reason:
        changes["skip_reason"] = {"from": None, "to": reason, "from_label": None, "to_label": reason}
    _entry_audit(handled, actor, changes)
    return handled


@transaction.atomic
def call_list_entry_snooze(*, entry: CallListEntry, actor: User, until: datetime.datetime) -> CallListEntry:
    """Put the actor's claimed entry aside until a later time, when it comes back to the list."""
    if timezone.is_naive(until):
        raise ValidationError({"until": _("Give the time with its time zone.")})
    if until <= timezone.now():
        raise ValidationError({"until": _("Snooze until a time in the future.")})
    handled = _release(entry, actor, state=EntryState.SNOOZED, snoozed_until=until)
    changes = _state_change(EntryState.SNOOZED)
    changes["snoozed_until"] = {
        "from": None,
        "to": until.isoformat(),
        "from_label": None,
        "to_label": until.isoformat(),
    }
    _entry_audit(handled, actor, changes)
    return handled
