"""Competitors in the API: the catalogue of competitors with its history, and on each company the
competitors that supply it with what and at what price. Prices are decimal strings."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool, StrictInt

from klient.activities.api import IsoDate
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError, HistoryEntry, history_entry_out
from klient.catalog.api import UNSET, DecimalText, decimal_text
from klient.core.audit import history_for
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, RecordId, reader
from klient.customers.models import Company
from klient.sales.competitors.models import Competitor, CompetitorSupply
from klient.sales.competitors.selectors import (
    competitor_list,
    supplies_of_company,
    supplies_of_competitor,
    supply_get,
)
from klient.sales.competitors.services import (
    competitor_create,
    competitor_update,
    supply_create,
    supply_delete,
    supply_update,
)

router = Router(tags=["competitors"])

VIEW = "competitors.view_competitor"
VIEW_SUPPLIES = "competitors.view_competitorsupply"


class CompetitorOut(Schema):
    id: int
    name: str
    website: str
    country: str = Field(description="ISO 3166-1 alpha-2 code, or empty")
    strengths: str
    weaknesses: str
    notes: str
    is_active: bool
    created_by: str | None = Field(description="Username of who added it")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CompetitorPage(Schema):
    items: list[CompetitorOut]
    next: str | None


class CompetitorFields(Schema):
    # Fields that cannot be empty take no null (left out, they keep their value).
    model_config = ConfigDict(extra="forbid")

    name: str = Field(UNSET, min_length=1, max_length=200)
    website: str = Field(UNSET, max_length=200)
    country: str = Field(UNSET, max_length=2, description="ISO 3166-1 alpha-2 code; empty for none")
    strengths: str = Field(UNSET, max_length=20_000)
    weaknesses: str = Field(UNSET, max_length=20_000)
    notes: str = Field(UNSET, max_length=20_000)
    is_active: StrictBool = Field(UNSET, description="false retires it: it stays on what points at it")


class CompetitorIn(CompetitorFields):
    name: str = Field(..., min_length=1, max_length=200)


class CompetitorPatch(CompetitorFields):
    version: StrictInt = Field(..., description="The version you read (409 if stale)")


class CompetitorHistoryPage(Schema):
    items: list[HistoryEntry]
    next: str | None


class CompetitorSupplyOut(Schema):
    id: int
    company: int = Field(description="Id of the company supplied")
    company_name: str
    competitor: int = Field(description="Id of the competitor")
    competitor_name: str
    description: str = Field(description="What they supply")
    product: int | None = Field(description="Id of our product it competes with")
    product_sku: str | None
    price: str | None = Field(description='Their price, e.g. "12.5"; with `currency`')
    currency: str = Field(description="ISO 4217 code of the price; empty when there is no price")
    since: datetime.date | None
    note: str
    recorded_by: str | None = Field(description="Username of who recorded or last changed it")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CompetitorSupplyPage(Schema):
    items: list[CompetitorSupplyOut]
    next: str | None


class CompetitorSupplyFields(Schema):
    model_config = ConfigDict(extra="forbid")

    competitor: RecordId = Field(UNSET, description="Id of an active competitor")
    description: str = Field(UNSET, min_length=1, max_length=300, description="What they supply")
    product: RecordId | None = Field(None, description="Id of our product it competes with; null: none")
    price: DecimalText | None = Field(None, description='Their price, e.g. "12.50"; null: unknown')
    currency: str | None = Field(None, max_length=3, description="ISO 4217 code, given with the price")
    since: IsoDate | None = None
    note: str = Field(UNSET, max_length=20_000)


class CompetitorSupplyIn(CompetitorSupplyFields):
    competitor: RecordId = Field(..., description="Id of an active competitor")
    description: str = Field(..., min_length=1, max_length=300, description="What they supply")


class CompetitorSupplyPatch(CompetitorSupplyFields):
    version: StrictInt = Field(..., description="The version you read (409 if stale)")


def competitor_out(competitor: Competitor) -> dict[str, Any]:
    """A competitor as the API shows it (`created_by` read with it)."""
    return {
        "id": competitor.pk,
        "name": competitor.name,
        "website": competitor.website,
        "country": str(competitor.country or ""),
        "strengths": competitor.strengths,
        "weaknesses": competitor.weaknesses,
        "notes": competitor.notes,
        "is_active": competitor.is_active,
        "created_by": competitor.created_by.username if competitor.created_by else None,
        "version": competitor.version,
        "created_at": competitor.created_at,
        "updated_at": competitor.updated_at,
    }


def supply_out(supply: CompetitorSupply) -> dict[str, Any]:
    """A supply as the API shows it (its company, competitor, product and recorder read with it)."""
    return {
        "id": supply.pk,
        "company": supply.company_id,
        "company_name": supply.company.name,
        "competitor": supply.competitor_id,
        "competitor_name": supply.competitor.name,
        "description": supply.description,
        "product": supply.product_id,
        "product_sku": supply.product.sku if supply.product else None,
        "price": decimal_text(supply.price),
        "currency": supply.currency,
        "since": supply.since,
        "note": supply.note,
        "recorded_by": supply.recorded_by.username if supply.recorded_by else None,
        "version": supply.version,
        "created_at": supply.created_at,
        "updated_at": supply.updated_at,
    }


def _competitor_get(pk: int) -> Competitor:
    return Competitor.objects.select_related("created_by").get(pk=pk)


def _supply_values(data: dict[str, Any]) -> dict[str, Any]:
    if "currency" in data and data["currency"] is None:
        data["currency"] = ""
    return data


@router.get(
    "/competitors",
    response={200: CompetitorPage, **ERRORS},
    summary="List competitors by name (search by name, case and diacritics ignored)",
)
def competitors_list(
    request: HttpRequest,
    q: str = "",
    active: bool | None = Query(True, description="false: retired ones; omit for active only"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    reader(request, VIEW)
    competitors = competitor_list(q=q, active=active).select_related("created_by")
    page = keyset_paginate(competitors, ordering=["name", "id"], cursor=cursor, limit=limit)
    return page_response({"items": [competitor_out(item) for item in page.items], "next": page.next_cursor})


@router.post("/competitors", response={201: CompetitorOut, **ERRORS}, summary="Add a competitor")
def competitors_create(request: HttpRequest, payload: CompetitorIn) -> Status:
    user = reader(request, "competitors.add_competitor")
    competitor = competitor_create(actor=user, **payload.dict(exclude_unset=True))
    return Status(201, competitor_out(_competitor_get(competitor.pk)))


@router.get(
    "/competitors/{competitor_id}", response={200: CompetitorOut, **ERRORS}, summary="Read a competitor"
)
def competitors_read(request: HttpRequest, competitor_id: int) -> dict[str, Any]:
    reader(request, VIEW)
    return competitor_out(_competitor_get(competitor_id))


@router.patch(
    "/competitors/{competitor_id}",
    response={200: CompetitorOut, 409: ConflictError, **ERRORS},
    summary="Change a competitor (send the version you read); is_active false retires it",
)
def competitors_update(request: HttpRequest, competitor_id: int, payload: CompetitorPatch) -> dict[str, Any]:
    user = reader(request, "competitors.change_competitor")
    competitor = _competitor_get(competitor_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    competitor_update(competitor=competitor, actor=user, version=version, **data)
    return competitor_out(_competitor_get(competitor_id))


@router.get(
    "/competitors/{competitor_id}/history",
    response={200: CompetitorHistoryPage, **ERRORS},
    summary="A competitor's history, newest first",
)
def competitors_history(
    request: HttpRequest,
    competitor_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    reader(request, VIEW)
    Competitor.objects.get(pk=competitor_id)  # 404 for an unknown id
    page = keyset_paginate(
        history_for(Competitor, competitor_id), ordering=["-at", "-id"], cursor=cursor, limit=limit
    )
    return {"items": [history_entry_out(entry) for entry in page.items], "next": page.next_cursor}


@router.get(
    "/competitors/{competitor_id}/supplies",
    response={200: CompetitorSupplyPage, **ERRORS},
    summary="Which of the companies you may see the competitor supplies, with what and at what price",
)
def competitors_supplies(
    request: HttpRequest,
    competitor_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, VIEW_SUPPLIES)
    competitor = Competitor.objects.get(pk=competitor_id)
    supplies = supplies_of_competitor(user=user, competitor=competitor)
    page = keyset_paginate(supplies, ordering=["id"], cursor=cursor, limit=limit)
    return page_response({"items": [supply_out(item) for item in page.items], "next": page.next_cursor})


def _visible_company(user: Any, pk: int) -> Company:
    return Company.objects.visible_to(user).get(pk=pk)


@router.get(
    "/companies/{company_id}/competitors",
    response={200: CompetitorSupplyPage, **ERRORS},
    summary="The competitors that supply a company, with what and at what price",
)
def companies_competitors(
    request: HttpRequest,
    company_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, VIEW_SUPPLIES)
    company = _visible_company(user, company_id)
    supplies = supplies_of_company(user=user, company=company)
    page = keyset_paginate(supplies, ordering=["id"], cursor=cursor, limit=limit)
    return page_response({"items": [supply_out(item) for item in page.items], "next": page.next_cursor})


@router.post(
    "/companies/{company_id}/competitors",
    response={201: CompetitorSupplyOut, **ERRORS},
    summary="Record that a competitor supplies the company (what, at what price, since when)",
)
def companies_competitors_create(
    request: HttpRequest, company_id: int, payload: CompetitorSupplyIn
) -> Status:
    user = reader(request, "competitors.add_competitorsupply")
    company = _visible_company(user, company_id)
    supply = supply_create(actor=user, company=company, **_supply_values(payload.dict(exclude_unset=True)))
    return Status(201, supply_out(supply_get(user=user, pk=supply.pk)))


@router.patch(
    "/competitor-supplies/{supply_id}",
    response={200: CompetitorSupplyOut, 409: ConflictError, **ERRORS},
    summary="Change a competitor's supply to a company (send the version you read)",
)
def competitor_supplies_update(
    request: HttpRequest, supply_id: int, payload: CompetitorSupplyPatch
) -> dict[str, Any]:
    user = reader(request, "competitors.change_competitorsupply")
    supply = supply_get(user=user, pk=supply_id)
    data = _supply_values(payload.dict(exclude_unset=True))
    version = data.pop("version")
    supply_update(supply=supply, actor=user, version=version, **data)
    return supply_out(supply_get(user=user, pk=supply_id))


@router.delete(
    "/competitor-supplies/{supply_id}",
    response={204: None, 409: ConflictError, **ERRORS},
    summary="Remove a competitor's supply to a company (it no longer supplies it)",
)
def competitor_supplies_delete(
    request: HttpRequest, supply_id: int, version: int | None = Query(None, ge=1, le=MAX_ID)
) -> HttpResponse:
    user = reader(request, "competitors.delete_competitorsupply")
    supply_delete(supply=supply_get(user=user, pk=supply_id), actor=user, version=version)
    return HttpResponse(status=204)
