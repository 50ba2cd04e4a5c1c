"""Activities in the API: list (by owner, company, kind, period), create, read, update, delete, history."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, Field, StrictInt

from klient.activities.models import Activity, ActivityKind, Direction
from klient.activities.selectors import activity_list
from klient.activities.services import activity_create, activity_delete, activity_update, contact_of
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError, HistoryEntry, history_entry_out
from klient.core.audit import history_for
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, IsoDatetime, RecordId, not_found, reader
from klient.customers.models import Company

router = Router(tags=["activities"])

VIEW = "activities.view_activity"
KindCode = Literal["call", "email", "meeting", "visit", "task", "note"]


def _iso_date(value: Any) -> Any:
    # Strictly YYYY-MM-DD: pydantic alone would also read "0" as a day in 1970.
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(_("Enter a date in ISO 8601 form, e.g. 2026-03-01.")) from None
    if not isinstance(value, datetime.date):
        raise ValueError(_("Enter a date in ISO 8601 form, e.g. 2026-03-01."))
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date)]
DirectionCode = Literal["inbound", "outbound", ""]
RepeatCode = Literal["daily", "weekly", "monthly", "yearly", ""]


class ActivityOut(Schema):
    id: int
    kind: str = Field(description="call, email, meeting, visit, task or note")
    company: int = Field(description="Id of the company")
    contact: int | None = Field(description="Id of the contact")
    direction: str = Field(description="inbound or outbound (calls and emails), else empty")
    subject: str
    notes: str
    owner: str = Field(description="Username")
    due_at: datetime.datetime | None
    done_at: datetime.datetime | None = Field(description="Empty while the activity is open")
    duration: int | None = Field(description="Seconds")
    outcome: str | None = Field(description="Code of the call's outcome")
    outcome_reason: str
    follows: int | None = Field(description="Id of the activity whose next step this is")
    repeat: str = Field(description="A recurring task: daily, weekly, monthly or yearly; else empty")
    repeat_every: int = Field(description="Every how many days, weeks, months or years")
    purpose: str = Field(description="Emails sent from Klient: proposal, greeting or invitation; else empty")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ActivityPage(Schema):
    items: list[ActivityOut]
    next: str | None


class HistoryPage(Schema):
    items: list[HistoryEntry]
    next: str | None


class NextStepIn(Schema):
    """The follow-up created with the activity: a task unless `kind` says otherwise."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(..., min_length=1, max_length=200)
    due_at: IsoDatetime
    kind: KindCode = "task"
    notes: str = ""


class ActivityFields(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: KindCode | None = None
    contact: RecordId | None = None
    direction: DirectionCode | None = None
    subject: str | None = Field(None, min_length=1, max_length=200)
    notes: str | None = Field(None, max_length=20_000)
    owner: str | None = Field(None, description="Username; the caller by default")
    due_at: IsoDatetime | None = None
    done_at: IsoDatetime | None = None
    duration: StrictInt | None = Field(None, ge=0, le=366 * 24 * 3600, description="Seconds")
    outcome: str | None = Field(None, description="Code of a call outcome (calls that were made)")
    outcome_reason: str | None = Field(None, max_length=200)
    repeat: RepeatCode | None = Field(None, description="Tasks with a due time: done, they come back")
    repeat_every: StrictInt | None = Field(None, ge=1, le=365)


class ActivityIn(ActivityFields):
    kind: KindCode
    company: RecordId
    subject: str = Field(..., min_length=1, max_length=200)
    next_step: NextStepIn | None = Field(None, description="Creates the follow-up in the same request")


class ActivityPatch(ActivityFields):
    version: StrictInt = Field(..., description="The version you read (409 if stale)")


class ActivityFilterParams(Schema):
    owner: str | None = Field(None, description="Username, or `me`")
    company: int | None = Field(None, ge=1, le=MAX_ID, description="Id of the company")
    kind: KindCode | None = None
    start: IsoDate | None = Field(None, description="First day of the period (your time zone)")
    end: IsoDate | None = Field(None, description="Last day of the period, included")
    done: bool | None = Field(None, description="true: done ones; false: open ones")


def activity_out(activity: Activity) -> dict[str, Any]:
    """An activity as the API shows it."""
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "company": activity.company_id,
        "contact": activity.contact_id,
        "direction": activity.direction,
        "subject": activity.subject,
        "notes": activity.notes,
        "owner": activity.owner.username,
        "due_at": activity.due_at,
        "done_at": activity.done_at,
        "duration": activity.duration,
        "outcome": activity.outcome.code if activity.outcome else None,
        "outcome_reason": activity.outcome_reason,
        "follows": activity.follows_id,
        "repeat": activity.repeat,
        "repeat_every": activity.repeat_every,
        "purpose": activity.purpose,
        "version": activity.version,
        "created_at": activity.created_at,
        "updated_at": activity.updated_at,
    }


def _owner(username: str) -> User:
    owner = User.objects.filter(username=username, is_active=True).first()
    if owner is None:
        raise ValidationError({"owner": _("No active user named “%(name)s”.") % {"name": username}})
    return owner


def _values(company: Company, data: dict[str, Any]) -> dict[str, Any]:
    """The services' values: users and contacts for their names and ids."""
    if "owner" in data:
        if data["owner"] is None:
            raise ValidationError({"owner": _("An activity has an owner.")})
        data["owner"] = _owner(data["owner"])
    if "contact" in data:
        data["contact"] = contact_of(company, data["contact"])
    if "repeat_every" in data and data["repeat_every"] is None:
        data["repeat_every"] = 1
    for name in ("direction", "notes", "outcome_reason", "repeat"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


def _activity_get(user: User, pk: int) -> Activity:
    return activity_list(user=user).get(pk=pk)


@router.get("", response={200: ActivityPage, **ERRORS}, summary="List activities, newest first")
def activities_list(
    request: HttpRequest,
    query: Query[ActivityFilterParams],
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, VIEW)
    owner = None
    if query.owner is not None:
        owner = user if query.owner == "me" else User.objects.filter(username=query.owner).first()
        if owner is None:
            return page_response({"items": [], "next": None})
    if query.start is not None and query.end is not None and query.end < query.start:
        raise ValidationError({"end": _("The period ends before it starts.")})
    activities = activity_list(
        user=user,
        owner=owner,
        company_id=query.company,
        kind=query.kind,
        start=query.start,
        end=query.end,
        is_done=query.done,
    )
    page = keyset_paginate(activities, ordering=["-at", "-id"], cursor=cursor, limit=limit)
    return page_response({"items": [activity_out(item) for item in page.items], "next": page.next_cursor})


@router.post(
    "",
    response={201: ActivityOut, **ERRORS},
    summary="Record an activity with a company (404 naming `company` when you may not see it)",
)
def activities_create(request: HttpRequest, payload: ActivityIn) -> Status:
    user = reader(request, "activities.add_activity")
    data = payload.dict(exclude_unset=True)
    company = Company.objects.visible_to(user).filter(pk=data.pop("company")).first()
    if company is None:
        return not_found("company", _("No company with this id, or you may not see it."))
    next_step = data.pop("next_step", None)
    activity = activity_create(actor=user, company=company, next_step=next_step, **_values(company, data))
    return Status(201, activity_out(activity))


@router.get("/{activity_id}", response={200: ActivityOut, **ERRORS}, summary="Read an activity")
def activities_read(request: HttpRequest, activity_id: int) -> dict[str, Any]:
    return activity_out(_activity_get(reader(request, VIEW), activity_id))


@router.patch(
    "/{activity_id}",
    response={200: ActivityOut, 409: ConflictError, **ERRORS},
    summary="Change an activity (send the version you read); set done_at to mark it done",
)
def activities_update(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> dict[str, Any]:
    user = reader(request, "activities.change_activity")
    activity = _activity_get(user, activity_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return activity_out(
        activity_update(activity=activity, actor=user, version=version, **_values(activity.company, data))
    )


@router.delete(
    "/{activity_id}", response={204: None, 409: ConflictError, **ERRORS}, summary="Delete an activity"
)
def activities_delete(request: HttpRequest, activity_id: int, version: int | None = None) -> HttpResponse:
    user = reader(request, "activities.delete_activity")
    activity_delete(activity=_activity_get(user, activity_id), actor=user, version=version)
    return HttpResponse(status=204)


@router.get(
    "/{activity_id}/history",
    response={200: HistoryPage, **ERRORS},
    summary="An activity's audit history, newest first",
)
def activities_history(
    request: HttpRequest,
    activity_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    user = reader(request, VIEW)
    activity = _activity_get(user, activity_id)
    page = keyset_paginate(
        history_for(Activity, activity.pk), ordering=["-at", "-id"], cursor=cursor, limit=limit
    )
    return {"items": [history_entry_out(entry) for entry in page.items], "next": page.next_cursor}


__all__ = ["ActivityKind", "Direction", "router"]
