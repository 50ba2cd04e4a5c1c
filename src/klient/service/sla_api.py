"""Business calendars and SLA policies in the API: list, read, create and change them. Service-desk
managers and administrators only (the model permissions); a bad setting is a 422 naming the field."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool, StrictInt

from klient.api.schemas import ERRORS
from klient.customers.api import MAX_ID, RecordId, not_found, reader
from klient.service.models import BusinessCalendar, SlaPolicy
from klient.service.sla import schedule_for
from klient.service.sla_services import calendar_create, calendar_update, policy_create, policy_update

router = Router(tags=["service levels"])

UNSET: Any = None  # a field left out of a PATCH
PriorityCode = Literal["low", "normal", "high", "urgent"]
Minutes = StrictInt
HOURS_EXAMPLE = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "tue": [["09:00", "17:00"]]}


class BusinessCalendarIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=100)
    timezone: str = Field("UTC", max_length=64, description="IANA time zone, e.g. Europe/Warsaw")
    hours: dict[str, Any] = Field(
        default_factory=dict,
        description='Opening hours per weekday (mon…sun): [["HH:MM", "HH:MM"], …]; "24:00" as an end; '
        "a day left out is closed",
        examples=[HOURS_EXAMPLE],
    )
    holiday_country: str = Field(
        "", max_length=2, description="ISO 3166 code; its public holidays are closed"
    )
    holiday_subdivision: str = Field("", max_length=10, description="A region of the country (e.g. DE: BY)")
    closed_days: list[Any] = Field(
        default_factory=list, max_length=1000, description="Extra closed days, YYYY-MM-DD"
    )
    is_default: StrictBool = False


class BusinessCalendarPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(UNSET, min_length=1, max_length=100)
    timezone: str = Field(UNSET, max_length=64)
    hours: dict[str, Any] = Field(UNSET)
    holiday_country: str = Field(UNSET, max_length=2)
    holiday_subdivision: str = Field(UNSET, max_length=10)
    closed_days: list[Any] = Field(UNSET, max_length=1000)
    is_default: StrictBool = Field(UNSET)


class BusinessCalendarOut(Schema):
    id: int
    name: str
    timezone: str
    hours: dict[str, list[list[str]]]
    holiday_country: str
    holiday_subdivision: str
    closed_days: list[str]
    is_default: bool
    next_opening: datetime.datetime | None = Field(description="When the desk next opens (now if open now)")
    updated_at: datetime.datetime


class BusinessCalendarPage(Schema):
    items: list[BusinessCalendarOut]
    next: str | None


class SlaTargetIn(Schema):
    model_config = ConfigDict(extra="forbid")

    priority: PriorityCode
    first_response_minutes: Minutes | None = Field(None, ge=1, le=527_040)
    next_response_minutes: Minutes | None = Field(None, ge=1, le=527_040)
    resolution_minutes: Minutes | None = Field(None, ge=1, le=527_040)


class SlaTargetOut(Schema):
    priority: PriorityCode
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None


class SlaPolicyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=100)
    calendar: RecordId = Field(..., description="Id of a business calendar")
    is_default: StrictBool = False
    order: StrictInt = Field(
        100, ge=0, le=1_000_000, description="The first matching policy by order applies"
    )
    conditions: dict[str, Any] = Field(
        default_factory=dict,
        description="Which tickets it applies to: queues, companies (ids), types, channels, priorities (codes), "
        "key_account (true); each left out matches all",
    )
    is_active: StrictBool = True
    targets: list[SlaTargetIn] = Field(default_factory=list, max_length=4)


class SlaPolicyPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(UNSET, min_length=1, max_length=100)
    calendar: RecordId = Field(UNSET)
    is_default: StrictBool = Field(UNSET)
    order: StrictInt = Field(UNSET, ge=0, le=1_000_000)
    conditions: dict[str, Any] = Field(UNSET)
    is_active: StrictBool = Field(UNSET)
    targets: list[SlaTargetIn] = Field(UNSET, max_length=4, description="Replace the targets")


class SlaPolicyOut(Schema):
    id: int
    name: str
    calendar: int
    calendar_name: str
    is_default: bool
    order: int
    conditions: dict[str, Any]
    is_active: bool
    targets: list[SlaTargetOut]
    updated_at: datetime.datetime


class SlaPolicyPage(Schema):
    items: list[SlaPolicyOut]
    next: str | None


def calendar_out(calendar: BusinessCalendar) -> dict[str, Any]:
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "timezone": calendar.timezone,
        "hours": calendar.hours,
        "holiday_country": calendar.holiday_country,
        "holiday_subdivision": calendar.holiday_subdivision,
        "closed_days": calendar.closed_days,
        "is_default": calendar.is_default,
        "next_opening": schedule_for(calendar).next_opening(timezone.now()),
        "updated_at": calendar.updated_at,
    }


def policy_out(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "name": policy.name,
        "calendar": policy.calendar_id,
        "calendar_name": policy.calendar.name,
        "is_default": policy.is_default,
        "order": policy.order,
        "conditions": policy.conditions,
        "is_active": policy.is_active,
        "targets": [
            {
                "priority": target.priority,
                "first_response_minutes": target.first_response_minutes,
                "next_response_minutes": target.next_response_minutes,
                "resolution_minutes": target.resolution_minutes,
            }
            for target in sorted(policy.targets.all(), key=lambda item: PRIORITY_ORDER.index(item.priority))
        ],
        "updated_at": policy.updated_at,
    }


PRIORITY_ORDER = ["urgent", "high", "normal", "low"]


def _policies() -> Any:
    return SlaPolicy.objects.select_related("calendar").prefetch_related("targets")


def _calendar_ref(pk: int) -> BusinessCalendar | None:
    return BusinessCalendar.objects.filter(pk=pk).first()


@router.get(
    "/business-calendars",
    response={200: BusinessCalendarPage, **ERRORS},
    summary="List the business calendars",
)
def calendars_list(request: HttpRequest) -> dict[str, Any]:
    reader(request, "service.view_businesscalendar")
    return {
        "items": [calendar_out(calendar) for calendar in BusinessCalendar.objects.order_by("name")],
        "next": None,
    }


@router.post(
    "/business-calendars",
    response={201: BusinessCalendarOut, **ERRORS},
    summary="Create a business calendar (time zone, opening hours, public holidays, closed days)",
)
def calendars_create(request: HttpRequest, payload: BusinessCalendarIn) -> Status:
    user = reader(request, "service.add_businesscalendar")
    calendar = calendar_create(actor=user, **payload.dict())
    return Status(201, calendar_out(BusinessCalendar.objects.get(pk=calendar.pk)))


@router.get(
    "/business-calendars/{calendar_id}",
    response={200: BusinessCalendarOut, **ERRORS},
    summary="Read a business calendar",
)
def calendars_read(request: HttpRequest, calendar_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    reader(request, "service.view_businesscalendar")
    return calendar_out(BusinessCalendar.objects.get(pk=calendar_id))


@router.patch(
    "/business-calendars/{calendar_id}",
    response={200: BusinessCalendarOut, **ERRORS},
    summary="Change a business calendar (the open tickets using it are recomputed)",
)
def calendars_update(
    request: HttpRequest, calendar_id: int = Path(..., ge=1, le=MAX_ID), *, payload: BusinessCalendarPatch
) -> dict[str, Any]:
    user = reader(request, "service.change_businesscalendar")
    calendar = BusinessCalendar.objects.get(pk=calendar_id)
    data = {name: value for name, value in payload.dict(exclude_unset=True).items() if value is not None}
    calendar = calendar_update(calendar=calendar, actor=user, **data)
    return calendar_out(BusinessCalendar.objects.get(pk=calendar.pk))


@router.get(
    "/sla-policies", response={200: SlaPolicyPage, **ERRORS}, summary="List the SLA policies, in order"
)
def policies_list(request: HttpRequest) -> dict[str, Any]:
    reader(request, "service.view_slapolicy")
    return {"items": [policy_out(policy) for policy in _policies().order_by("order", "name")], "next": None}


@router.post(
    "/sla-policies",
    response={201: SlaPolicyOut, **ERRORS},
    summary="Create an SLA policy with its targets per priority (business minutes)",
)
def policies_create(request: HttpRequest, payload: SlaPolicyIn) -> Status:
    user = reader(request, "service.add_slapolicy")
    data = payload.dict()
    calendar = _calendar_ref(data.pop("calendar"))
    if calendar is None:
        return not_found("calendar", _("No business calendar has this id."))
    policy = policy_create(actor=user, calendar=calendar, **data)
    return Status(201, policy_out(_policies().get(pk=policy.pk)))


@router.get("/sla-policies/{policy_id}", response={200: SlaPolicyOut, **ERRORS}, summary="Read an SLA policy")
def policies_read(request: HttpRequest, policy_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    reader(request, "service.view_slapolicy")
    return policy_out(_policies().get(pk=policy_id))


@router.patch(
    "/sla-policies/{policy_id}",
    response={200: SlaPolicyOut, **ERRORS},
    summary="Change an SLA policy (targets, when sent, replace the old ones; open tickets are recomputed)",
)
def policies_update(
    request: HttpRequest, policy_id: int = Path(..., ge=1, le=MAX_ID), *, payload: SlaPolicyPatch
) -> Any:
    user = reader(request, "service.change_slapolicy")
    policy = SlaPolicy.objects.get(pk=policy_id)
    data = payload.dict(exclude_unset=True)
    if "calendar" in data:
        calendar = _calendar_ref(data["calendar"])
        if calendar is None:
            return not_found("calendar", _("No business calendar has this id."))
        data["calendar"] = calendar
    data = {name: value for name, value in data.items() if value is not None}
    policy = policy_update(policy=policy, actor=user, **data)
    return policy_out(_policies().get(pk=policy.pk))
