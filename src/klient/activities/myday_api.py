"""My Day and targets in the API: the day's items, target progress, history, and setting targets."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, StrictInt

from klient.activities.api import IsoDate
from klient.activities.myday import MyDayItem, myday_build
from klient.activities.targets import (
    people_to_follow,
    target_set,
    targets_history,
    targets_progress,
)
from klient.api.responses import page_response
from klient.api.schemas import ERRORS
from klient.core.models import Team, User
from klient.core.visibility import local_today
from klient.customers.api import not_found, reader

router = Router(tags=["my day and targets"])

VIEW = "activities.view_activity"
MetricCode = Literal["calls", "phone_offers", "proposal_emails", "new_contracts"]
PeriodCode = Literal["day", "week", "month"]


class MyDayItemOut(Schema):
    kind: str = Field(
        description="overdue, task, email, note, call, meeting, visit, call_list, negotiate, "
        "card_review, contract_renewal, birthday, professional_holiday, public_holiday"
    )
    title: str
    company: int | None = Field(description="Id of the company")
    company_name: str | None
    contact: int | None = Field(description="Id of the contact")
    contact_name: str | None
    due: datetime.datetime | datetime.date | None = Field(description="A time (with offset) or a date")
    url: str = Field(description="Where to act on it (a path of the web UI)")
    detail: str
    owner: str = Field(description="Username of the user whose item it is")
    delegated: bool = Field(description="True for an absent user's item shown to their deputy")


class MyDayOut(Schema):
    date: datetime.date
    user: str
    items: list[MyDayItemOut]
    more: dict[str, int] = Field(description="Per group, how many items were left out (at most 50 shown)")


class TargetProgressOut(Schema):
    metric: str
    period: str
    target: int
    done: int
    start: datetime.date = Field(description="First day of the period")
    end: datetime.date = Field(description="Last day of the period, included")


class TargetProgressPage(Schema):
    user: str
    date: datetime.date
    items: list[TargetProgressOut]


class TargetHistoryRowOut(Schema):
    start: datetime.date
    end: datetime.date
    metric: str
    target: int
    done: int


class TargetHistoryOut(Schema):
    user: str
    period: str
    items: list[TargetHistoryRowOut]


class TargetIn(Schema):
    model_config = ConfigDict(extra="forbid")

    metric: MetricCode
    period: PeriodCode
    value: StrictInt = Field(..., ge=0, le=100_000, description="0 switches the metric off")
    user: str | None = Field(None, description="Username (set exactly one of user, team, role)")
    team: str | None = Field(None, description="Team name")
    role: str | None = Field(None, description="Role code, e.g. telesales (administrators only)")
    starts_on: IsoDate | None = Field(None, description="First day it applies; today by default")


class TargetSetOut(Schema):
    id: int
    metric: str
    period: str
    value: int
    user: str | None
    team: str | None
    role: str
    starts_on: datetime.date


def _item_out(item: MyDayItem, user: User) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "title": item.title,
        "company": item.company.pk if item.company else None,
        "company_name": item.company.name if item.company else None,
        "contact": item.contact.pk if item.contact else None,
        "contact_name": str(item.contact) if item.contact else None,
        "due": item.due,
        "url": item.url,
        "detail": item.detail,
        "owner": item.owner.username,
        "delegated": item.owner.pk != user.pk,
    }


def _person(request: HttpRequest, username: str | None) -> User | None:
    """The named user if the caller may follow them (the caller when no name is given)."""
    user = reader(request, VIEW)
    if not username or username == "me":
        return user
    return people_to_follow(user).filter(username=username).first()


@router.get(
    "/my-day",
    response={200: MyDayOut, **ERRORS},
    summary="The caller's day: overdue and due work, calls, clients to negotiate with, reviews, occasions",
)
def my_day(request: HttpRequest, date: IsoDate | None = None) -> HttpResponse:
    user = reader(request, VIEW)
    day = date or local_today(user)
    return page_response(my_day_out(user, day))


def my_day_out(user: User, day: datetime.date) -> dict[str, Any]:
    """The body of GET /my-day, each field already of MyDayOut's type (written without validating it
    again; tests/activities/test_my_day.py checks validation would change nothing)."""
    groups = myday_build(user=user, date=day)
    return {
        "date": day,
        "user": user.username,
        "items": [_item_out(item, user) for group in groups for item in group.items],
        "more": {group.name: group.more for group in groups if group.more},
    }


@router.get(
    "/targets/progress",
    response={200: TargetProgressPage, **ERRORS},
    summary="Target progress for the day, week and month containing the date, in the user's time zone",
)
def progress(request: HttpRequest, user: str | None = None, date: IsoDate | None = None) -> Any:
    person = _person(request, user)
    if person is None:
        return not_found("user", _("No user with this name, or you may not follow their work."))
    day = date or local_today(person)
    items = targets_progress(user=person, day=day)
    return {
        "user": person.username,
        "date": day,
        "items": [
            {
                "metric": item.metric,
                "period": item.period,
                "target": item.target,
                "done": item.done,
                "start": item.start,
                "end": item.end,
            }
            for item in items
        ],
    }


@router.get(
    "/targets/history",
    response={200: TargetHistoryOut, **ERRORS},
    summary="Targets and results of the last days (31), weeks (13) or months (12), newest first",
)
def history(
    request: HttpRequest, period: PeriodCode = "day", user: str | None = None, date: IsoDate | None = None
) -> Any:
    person = _person(request, user)
    if person is None:
        return not_found("user", _("No user with this name, or you may not follow their work."))
    rows = targets_history(user=person, period=period, day=date or local_today(person))
    return {
        "user": person.username,
        "period": period,
        "items": [
            {"start": row.start, "end": row.end, "metric": metric, "target": target, "done": done}
            for row in rows
            for metric, (target, done) in row.values.items()
        ],
    }


@router.post(
    "/targets",
    response={201: TargetSetOut, **ERRORS},
    summary="Set a target for a user, a team (sales managers: their own) or a role (administrators)",
)
def target_create(request: HttpRequest, payload: TargetIn) -> Any:
    actor = reader(request, "activities.add_target")
    person = team = None
    if payload.user:
        person = people_to_follow(actor).filter(username=payload.user).first()
        if person is None:
            return not_found("user", _("No user with this name, or you may not follow their work."))
    if payload.team:
        team = Team.objects.filter(name=payload.team).first()
        if team is None:
            return not_found("team", _("No team with this name."))
    target = target_set(
        actor=actor,
        metric=payload.metric,
        period=payload.period,
        value=payload.value,
        starts_on=payload.starts_on or local_today(actor),
        user=person,
        team=team,
        role=payload.role or "",
    )
    return Status(
        201,
        {
            "id": target.pk,
            "metric": target.metric,
            "period": target.period,
            "value": target.value,
            "user": target.user.username if target.user else None,
            "team": target.team.name if target.team else None,
            "role": target.role,
            "starts_on": target.starts_on,
        },
    )
