"""Deals in the API: pipelines with their stages, deals (list, create, read, change, history), the Kanban
board of a pipeline and the weighted forecast. Amounts are decimal strings; totals are in the base
currency."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool, StrictInt

from klient.activities.api import IsoDate
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError, HistoryEntry, history_entry_out
from klient.catalog.api import DecimalText, decimal_text
from klient.core.audit import history_for
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, RecordId, not_found, reader
from klient.customers.models import Company
from klient.sales.competitors.models import Competitor
from klient.sales.models import Deal, Pipeline, Stage
from klient.sales.selectors import (
    competitor_win_loss,
    deal_board,
    deal_forecast,
    deal_get,
    deal_list,
    pipelines,
)
from klient.sales.services import deal_contact, deal_create, deal_update, pipeline_create

router = Router(tags=["deals"])

VIEW = "sales.view_deal"
UNSET: Any = None
StatusCode = Literal["open", "won", "lost"]
SourceCode = Literal[
    "exhibition", "fair", "advert", "referral", "cold_call", "website", "partner", "tender", "other", ""
]


# --- pipelines --------------------------------------------------------------------------------------


class StageOut(Schema):
    id: int
    name: str
    names: dict[str, str]
    position: int
    probability: int
    kind: StatusCode


class PipelineOut(Schema):
    id: int
    name: str
    names: dict[str, str]
    is_default: bool
    stages: list[StageOut]


class PipelinePage(Schema):
    items: list[PipelineOut]
    next: None = None


class StageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=100)
    names: dict[str, str] = {}
    probability: StrictInt = Field(..., ge=0, le=100)
    kind: StatusCode = "open"


class PipelineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=100)
    is_default: StrictBool = False
    stages: list[StageIn] = Field(..., min_length=3, max_length=30)


def _stage_out(stage: Stage) -> dict[str, Any]:
    return {
        "id": stage.pk,
        "name": stage.name,
        "names": stage.names,
        "position": stage.position,
        "probability": stage.probability,
        "kind": stage.kind,
    }


def pipeline_out(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "id": pipeline.pk,
        "name": pipeline.name,
        "names": pipeline.names,
        "is_default": pipeline.is_default,
        "stages": [_stage_out(stage) for stage in pipeline.stages.all()],
    }


@router.get(
    "/pipelines", response={200: PipelinePage, **ERRORS}, summary="Active pipelines with their stages"
)
def pipelines_list(request: HttpRequest) -> dict[str, Any]:
    reader(request, "sales.view_pipeline")
    return {"items": [pipeline_out(pipeline) for pipeline in pipelines()], "next": None}


@router.post("/pipelines", response={201: PipelineOut, **ERRORS}, summary="Add a pipeline with its stages")
def pipelines_create(request: HttpRequest, payload: PipelineIn) -> Status:
    user = reader(request, "sales.add_pipeline")
    pipeline = pipeline_create(
        actor=user,
        name=payload.name,
        is_default=payload.is_default,
        stages=[stage.dict() for stage in payload.stages],
    )
    return Status(201, pipeline_out(Pipeline.objects.prefetch_related("stages").get(pk=pipeline.pk)))


# --- deals ------------------------------------------------------------------------------------------


class MemberIn(Schema):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(..., min_length=1, max_length=150, description="Username")
    role: str = Field("", max_length=100, description="Their part in the deal")


class MemberOut(Schema):
    user: str
    name: str
    role: str


class DealOut(Schema):
    id: int
    title: str
    company: int
    company_name: str
    contact: int | None
    pipeline: int
    stage: int
    stage_name: str
    status: StatusCode
    probability: int = Field(description="The stage's probability (%) when the deal entered it")
    amount: str
    currency: str
    amount_base: str = Field(description="The amount in the base currency (boards and forecasts add these)")
    expected_close_date: datetime.date | None
    next_step: str
    next_step_date: datetime.date | None
    source: str
    competitors: list[int]
    lost_reason: str
    lost_to: int | None
    owner: str
    team: str | None
    members: list[MemberOut]
    stage_changed_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class DealSummary(Schema):
    id: int
    title: str
    company: int
    company_name: str
    stage: int
    status: StatusCode
    amount: str
    currency: str
    expected_close_date: datetime.date | None
    next_step: str
    owner: str
    version: int


class DealPage(Schema):
    items: list[DealSummary]
    next: str | None


class DealIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(..., min_length=1, max_length=200)
    company: RecordId
    contact: RecordId | None = None
    stage: RecordId | None = Field(None, description="The default pipeline's first stage when left out")
    amount: DecimalText = "0"
    currency: str = Field(
        "", max_length=3, description="ISO 4217; the company's document currency by default"
    )
    expected_close_date: IsoDate | None = None
    next_step: str = Field("", max_length=200)
    next_step_date: IsoDate | None = None
    source: SourceCode = ""
    competitors: list[RecordId] = Field([], max_length=50)
    members: list[MemberIn] = Field([], max_length=50, description="The account team on the deal")
    owner: str | None = Field(None, max_length=150, description="Username; the caller by default")


class DealPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read (409 if stale)")
    title: str = Field(UNSET, min_length=1, max_length=200)
    contact: RecordId | None = None
    stage: RecordId = Field(UNSET, description="Moving the deal; a lost stage needs lost_reason")
    amount: DecimalText = Field(UNSET)
    currency: str = Field(UNSET, min_length=3, max_length=3)
    expected_close_date: IsoDate | None = None
    next_step: str = Field(UNSET, max_length=200)
    next_step_date: IsoDate | None = None
    source: SourceCode = Field(UNSET)
    competitors: list[RecordId] = Field(UNSET, max_length=50)
    members: list[MemberIn] = Field(UNSET, max_length=50)
    lost_reason: str = Field(UNSET, max_length=200)
    lost_to: RecordId | None = None
    owner: str = Field(UNSET, max_length=150)


def deal_out(deal: Deal) -> dict[str, Any]:
    return {
        "id": deal.pk,
        "title": deal.title,
        "company": deal.company_id,
        "company_name": deal.company.name,
        "contact": deal.contact_id,
        "pipeline": deal.pipeline_id,
        "stage": deal.stage_id,
        "stage_name": deal.stage.name,
        "status": deal.status,
        "probability": deal.probability,
        "amount": decimal_text(deal.amount),
        "currency": deal.currency,
        "amount_base": decimal_text(deal.amount_base),
        "expected_close_date": deal.expected_close_date,
        "next_step": deal.next_step,
        "next_step_date": deal.next_step_date,
        "source": deal.source,
        "competitors": sorted(competitor.pk for competitor in deal.competitors.all()),
        "lost_reason": deal.lost_reason,
        "lost_to": deal.lost_to_id,
        "owner": deal.owner.username,
        "team": deal.team.name if deal.team else None,
        "members": [
            {"user": member.user.username, "name": member.user.get_full_name(), "role": member.role}
            for member in deal.members.all()
        ],
        "stage_changed_at": deal.stage_changed_at,
        "closed_at": deal.closed_at,
        "version": deal.version,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
    }


def deal_summary(deal: Deal) -> dict[str, Any]:
    return {
        "id": deal.pk,
        "title": deal.title,
        "company": deal.company_id,
        "company_name": deal.company.name,
        "stage": deal.stage_id,
        "status": deal.status,
        "amount": decimal_text(deal.amount),
        "currency": deal.currency,
        "expected_close_date": deal.expected_close_date,
        "next_step": deal.next_step,
        "owner": deal.owner.username,
        "version": deal.version,
    }


def _references(user: User, data: dict[str, Any], company: Company) -> dict[str, Any]:
    """Objects for the ids and usernames of a request (a ValidationError naming the field otherwise)."""
    if "contact" in data:
        data["contact"] = deal_contact(company, data["contact"])
    if data.get("owner") is not None:
        owner = User.objects.filter(username=data["owner"], is_active=True).first()
        if owner is None:
            raise ValidationError({"owner": _("No active user named “%(name)s”.") % {"name": data["owner"]}})
        data["owner"] = owner
    if "lost_to" in data and data["lost_to"] is not None:
        competitor = Competitor.objects.filter(pk=data["lost_to"]).first()
        if competitor is None:
            raise ValidationError({"lost_to": _("No competitor with this id.")})
        data["lost_to"] = competitor
    if "stage" in data and data["stage"] is not None:
        stage = Stage.objects.select_related("pipeline").filter(pk=data["stage"]).first()
        if stage is None:
            raise ValidationError({"stage": _("No stage with this id.")})
        data["stage"] = stage
    if "members" in data and data["members"] is not None:
        data["members"] = [dict(member) for member in data["members"]]
    return data


@router.get("/deals", response={200: DealPage, **ERRORS}, summary="List deals, newest first")
def deals_list(
    request: HttpRequest,
    q: str = "",
    pipeline: int | None = Query(None, ge=1, le=MAX_ID),
    stage: int | None = Query(None, ge=1, le=MAX_ID),
    status: StatusCode | None = None,
    company: int | None = Query(None, ge=1, le=MAX_ID),
    owner: str = Query("", description="Username, or `me`"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, VIEW)
    owner_id = None
    if owner:
        owner_user = user if owner == "me" else User.objects.filter(username=owner).first()
        owner_id = owner_user.pk if owner_user else 0
    deals = deal_list(
        user=user,
        pipeline_id=pipeline,
        stage_id=stage,
        status=status,
        owner_id=owner_id,
        company_id=company,
        q=q,
    )
    page = keyset_paginate(deals, ordering=["-created_at", "-id"], cursor=cursor, limit=limit)
    return page_response({"items": [deal_summary(deal) for deal in page.items], "next": page.next_cursor})


@router.post("/deals", response={201: DealOut, **ERRORS}, summary="Open a deal with a company")
def deals_create(request: HttpRequest, payload: DealIn) -> Status:
    user = reader(request, "sales.add_deal")
    data = payload.dict()
    company = Company.objects.visible_to(user).filter(pk=data.pop("company")).first()
    if company is None:
        return not_found("company", _("No company with this id, or you may not see it."))
    data = _references(user, data, company)
    if not data.get("currency"):
        data.pop("currency")
    deal = deal_create(actor=user, company=company, **data)
    return Status(201, deal_out(deal_get(user=user, pk=deal.pk)))


# Before /deals/{deal_id}: the first route whose path matches answers.
class BoardCard(Schema):
    id: int
    title: str
    company: int
    company_name: str
    amount: str
    currency: str
    expected_close_date: datetime.date | None
    next_step: str
    owner: str
    version: int


class BoardStage(Schema):
    id: int
    name: str
    kind: StatusCode
    probability: int
    count: int = Field(description="Open deals in the stage (won and lost: closed in the last 30 days)")
    total: str
    weighted: str
    deals: list[BoardCard] = Field(description="The first deals, soonest to close first")


class BoardOut(Schema):
    pipeline: int
    currency: str = Field(description="The base currency of the totals")
    stages: list[BoardStage]


@router.get("/deals/board", response={200: BoardOut, **ERRORS}, summary="A pipeline's Kanban board")
def deals_board(
    request: HttpRequest,
    pipeline: int | None = Query(None, ge=1, le=MAX_ID, description="The default pipeline when left out"),
    owner: str = Query("", description="Username, or `me`"),
) -> Any:
    user = reader(request, VIEW)
    chosen = (
        Pipeline.objects.filter(pk=pipeline).first()
        if pipeline
        else Pipeline.objects.filter(is_default=True).first()
    )
    if chosen is None:
        return not_found("pipeline", _("No pipeline with this id."))
    owner_id = None
    if owner:
        owner_user = user if owner == "me" else User.objects.filter(username=owner).first()
        owner_id = owner_user.pk if owner_user else 0
    columns = deal_board(user=user, pipeline=chosen, owner_id=owner_id)
    return page_response(
        {
            "pipeline": chosen.pk,
            "currency": settings.BASE_CURRENCY,
            "stages": [
                {
                    "id": column.stage.pk,
                    "name": column.stage.name,
                    "kind": column.stage.kind,
                    "probability": column.stage.probability,
                    "count": column.count,
                    "total": decimal_text(column.total),
                    "weighted": decimal_text(column.weighted),
                    "deals": [
                        {
                            "id": deal.pk,
                            "title": deal.title,
                            "company": deal.company_id,
                            "company_name": deal.company.name,
                            "amount": decimal_text(deal.amount),
                            "currency": deal.currency,
                            "expected_close_date": deal.expected_close_date,
                            "next_step": deal.next_step,
                            "owner": deal.owner.username,
                            "version": deal.version,
                        }
                        for deal in column.deals
                    ],
                }
                for column in columns
            ],
        }
    )


class ForecastRowOut(Schema):
    key: int | None = Field(description="The owner's or team's id; null for everyone or no team")
    label: str
    weighted: dict[str, str] = Field(description="By month (YYYY-MM): open deals × probability")
    won: dict[str, str] = Field(description="By month (YYYY-MM): won deals")
    weighted_total: str
    won_total: str


class ForecastOut(Schema):
    currency: str
    months: list[str]
    rows: list[ForecastRowOut]


def _month(value: str) -> datetime.date:
    if len(value) == 7:
        try:
            return datetime.date.fromisoformat(f"{value}-01")
        except ValueError:
            pass
    raise ValidationError({"start": _("Give a month as YYYY-MM, e.g. 2026-03.")})


@router.get("/deals/forecast", response={200: ForecastOut, **ERRORS}, summary="Weighted forecast by month")
def deals_forecast(
    request: HttpRequest,
    start: str = Query("", description="First month, YYYY-MM; this month by default"),
    months: int = Query(6, ge=1, le=24),
    group_by: Literal["owner", "team", ""] = "",
    pipeline: int | None = Query(None, ge=1, le=MAX_ID),
) -> dict[str, Any]:
    user = reader(request, VIEW)
    columns, rows = deal_forecast(
        user=user,
        start=_month(start) if start else timezone.localdate(),
        months=months,
        group_by=group_by,
        pipeline_id=pipeline,
    )
    return {
        "currency": settings.BASE_CURRENCY,
        "months": [month.strftime("%Y-%m") for month in columns],
        "rows": [
            {
                "key": row.key,
                "label": row.label,
                "weighted": {
                    month.strftime("%Y-%m"): decimal_text(value) for month, value in row.weighted.items()
                },
                "won": {month.strftime("%Y-%m"): decimal_text(value) for month, value in row.won.items()},
                "weighted_total": decimal_text(row.weighted_total),
                "won_total": decimal_text(row.won_total),
            }
            for row in rows
        ],
    }


@router.get("/deals/{deal_id}", response={200: DealOut, **ERRORS}, summary="Read a deal")
def deals_read(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    user = reader(request, VIEW)
    return deal_out(deal_get(user=user, pk=deal_id))


@router.patch(
    "/deals/{deal_id}",
    response={200: DealOut, 409: ConflictError, **ERRORS},
    summary="Change a deal or move it to another stage (with its version)",
)
def deals_update(request: HttpRequest, deal_id: int, payload: DealPatch) -> dict[str, Any]:
    user = reader(request, "sales.change_deal")
    deal = deal_get(user=user, pk=deal_id)
    data = _references(user, payload.dict(exclude_unset=True), deal.company)
    version = data.pop("version")
    deal_update(deal=deal, actor=user, version=version, **data)
    return deal_out(deal_get(user=user, pk=deal_id))


class DealHistoryPage(Schema):
    items: list[HistoryEntry]
    next: str | None


@router.get(
    "/deals/{deal_id}/history",
    response={200: DealHistoryPage, **ERRORS},
    summary="A deal's history (fields, stages, team, competitors), newest first",
)
def deals_history(
    request: HttpRequest,
    deal_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    user = reader(request, VIEW)
    deal_get(user=user, pk=deal_id)  # 404 for a deal the caller does not see
    page = keyset_paginate(history_for(Deal, deal_id), ordering=["-at", "-id"], cursor=cursor, limit=limit)
    return {"items": [history_entry_out(entry) for entry in page.items], "next": page.next_cursor}


class WinLossRow(Schema):
    competitor: int
    name: str
    competed: int = Field(description="Closed deals it was named on or lost to it")
    won: int
    lost_to: int = Field(description="Lost to this competitor")
    lost_other: int = Field(description="Lost to someone else while it competed")
    win_rate: str | None = Field(description="Won of the closed deals it competed in, %")
    won_amount: str
    lost_amount: str
    open: int = Field(description="Open deals it competes in now")


class WinLossOut(Schema):
    start: datetime.date
    end: datetime.date
    currency: str
    items: list[WinLossRow]


@router.get(
    "/competitors/win-loss",
    response={200: WinLossOut, **ERRORS},
    summary="Win/loss by competitor over the deals closed in a period",
)
def competitors_win_loss(
    request: HttpRequest, start: IsoDate | None = None, end: IsoDate | None = None
) -> dict[str, Any]:
    user = reader(request, VIEW)
    last = end or timezone.localdate()
    first = start or last - datetime.timedelta(days=365)
    if first > last:
        raise ValidationError({"start": _("The start comes after the end.")})
    return {
        "start": first,
        "end": last,
        "currency": settings.BASE_CURRENCY,
        "items": [
            {
                "competitor": row.competitor_id,
                "name": row.name,
                "competed": row.competed,
                "won": row.won,
                "lost_to": row.lost_to,
                "lost_other": row.lost_other,
                "win_rate": decimal_text(row.win_rate),
                "won_amount": decimal_text(row.won_amount),
                "lost_amount": decimal_text(row.lost_amount),
                "open": row.open,
            }
            for row in competitor_win_loss(user=user, start=first, end=last)
        ],
    }
