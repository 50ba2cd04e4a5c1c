"""Companies in the API: list, create, read, update, delete, history."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictInt

from klient.api.auth import request_user
from klient.api.schemas import ERRORS, ConflictError, HistoryEntry, history_entry_out
from klient.core.models import Team, User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.filters import CompanyFilter
from klient.customers.models import AccountTeamMember, Company
from klient.customers.selectors import (
    account_team_list,
    can_see_commercial_terms,
    company_get,
    company_history,
    company_list,
)
from klient.customers.services import (
    account_team_add,
    account_team_remove,
    company_create,
    company_delete,
    company_update,
)

router = Router(tags=["companies"])


class CompanyOut(Schema):
    id: int
    name: str
    legal_name: str
    country: str
    tax_id: str
    owner: str | None
    team: str | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    payment_terms_days: int | None = Field(
        None, description="Commercial term: only with view_commercial_terms."
    )
    discount_percent: decimal.Decimal | None = Field(
        None, description="Commercial term: only with view_commercial_terms."
    )


class CompanyPage(Schema):
    items: list[CompanyOut]
    next: str | None


class CompanyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    legal_name: str = Field("", max_length=300)
    country: str = Field("", max_length=2, description="ISO 3166-1 alpha-2 code")
    tax_id: str = Field("", max_length=50)
    owner: str | None = Field(None, description="Username; defaults to the caller")
    team: str | None = Field(None, description="Team name; defaults to the owner's team")
    payment_terms_days: StrictInt | None = Field(None, ge=0, le=365)
    discount_percent: decimal.Decimal | None = Field(None, ge=0, le=100)


class CompanyPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read; a stale one is refused with 409")
    name: str | None = Field(None, min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=300)
    country: str | None = Field(None, max_length=2)
    tax_id: str | None = Field(None, max_length=50)
    owner: str | None = None
    team: str | None = None
    payment_terms_days: StrictInt | None = Field(None, ge=0, le=365)
    discount_percent: decimal.Decimal | None = Field(None, ge=0, le=100)


class CompanyFilterParams(Schema):
    q: str = Field("", description="Search names, legal names and tax ids, ignoring case and diacritics")
    owner: str = Field("", description="Owner username, or `me`")
    team: str = Field("", description="Team id")
    country: str = Field("", description="ISO 3166-1 alpha-2 code")
    sort: str = Field("name", description="name, -name, created, -created, country, -country")


class AccountTeamMemberOut(Schema):
    username: str
    full_name: str
    role: str


class AccountTeamPage(Schema):
    items: list[AccountTeamMemberOut]
    next: str | None


class AccountTeamMemberIn(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(..., min_length=1, max_length=150)
    role: str = Field("", max_length=100, description="Role on the account, e.g. technical lead")


class HistoryPage(Schema):
    items: list[HistoryEntry]
    next: str | None


def company_out(company: Company, *, with_terms: bool) -> dict[str, Any]:
    """A company as the API shows it; commercial terms are left out without the permission."""
    data: dict[str, Any] = {
        "id": company.pk,
        "name": company.name,
        "legal_name": company.legal_name,
        "country": str(company.country or ""),
        "tax_id": company.tax_id,
        "owner": company.owner.username if company.owner else None,
        "team": company.team.name if company.team else None,
        "version": company.version,
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }
    if with_terms:
        data["payment_terms_days"] = company.payment_terms_days
        data["discount_percent"] = company.discount_percent
    return data


def _reader(request: HttpRequest) -> User:
    """The caller, refused (403) without the permission to view companies, as in the UI."""
    user = request_user(request)
    if not user.has_perm("customers.view_company"):
        raise PermissionDenied
    return user


def _resolve_people(data: dict[str, Any]) -> dict[str, Any]:
    """Turn owner usernames and team names into objects, naming the field when one is unknown."""
    if "owner" in data and data["owner"] is not None:
        owner = User.objects.filter(username=data["owner"], is_active=True).select_related("team").first()
        if owner is None:
            raise ValidationError({"owner": _("No active user named “%(name)s”.") % {"name": data["owner"]}})
        data["owner"] = owner
    if "team" in data and data["team"] is not None:
        team = Team.objects.filter(name=data["team"]).first()
        if team is None:
            raise ValidationError({"team": _("No team named “%(name)s”.") % {"name": data["team"]}})
        data["team"] = team
    return data


@router.get("", response={200: CompanyPage, **ERRORS}, exclude_unset=True, summary="List visible companies")
def companies_list(
    request: HttpRequest,
    filters: Query[CompanyFilterParams],
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    user = _reader(request)
    company_filter = CompanyFilter(**filters.dict())
    queryset = company_filter.apply(company_list(user=user), username=user.username)
    page = keyset_paginate(queryset, ordering=company_filter.ordering, cursor=cursor, limit=limit)
    with_terms = can_see_commercial_terms(user)
    return {"items": [company_out(c, with_terms=with_terms) for c in page.items], "next": page.next_cursor}


@router.post("", response={201: CompanyOut, **ERRORS}, exclude_unset=True, summary="Create a company")
def companies_create(request: HttpRequest, payload: CompanyIn) -> Status:
    user = request_user(request)
    data = _resolve_people(payload.dict(exclude_unset=True))
    if data.get("owner") is None:
        data.pop("owner", None)
    if "team" in data and data["team"] is None:
        data["team"] = None
    company = company_create(actor=user, **data)
    return Status(201, company_out(company, with_terms=can_see_commercial_terms(user)))


@router.get(
    "/{company_id}", response={200: CompanyOut, **ERRORS}, exclude_unset=True, summary="Read a company"
)
def companies_read(request: HttpRequest, company_id: int) -> dict[str, Any]:
    user = _reader(request)
    return company_out(company_get(user=user, pk=company_id), with_terms=can_see_commercial_terms(user))


@router.patch(
    "/{company_id}",
    response={200: CompanyOut, 409: ConflictError, **ERRORS},
    exclude_unset=True,
    summary="Change a company (send the version you read)",
)
def companies_update(request: HttpRequest, company_id: int, payload: CompanyPatch) -> dict[str, Any]:
    user = request_user(request)
    company = company_get(user=user, pk=company_id)
    data = _resolve_people(payload.dict(exclude_unset=True))
    version = data.pop("version")
    company = company_update(company=company, actor=user, version=version, **data)
    return company_out(company, with_terms=can_see_commercial_terms(user))


@router.delete(
    "/{company_id}",
    response={204: None, 409: ConflictError, **ERRORS},
    summary="Delete a company",
)
def companies_delete(request: HttpRequest, company_id: int, version: int | None = None) -> HttpResponse:
    user = request_user(request)
    company_delete(company=company_get(user=user, pk=company_id), actor=user, version=version)
    return HttpResponse(status=204)


@router.get(
    "/{company_id}/history",
    response={200: HistoryPage, **ERRORS},
    summary="A company's audit history, newest first",
)
def companies_history(
    request: HttpRequest,
    company_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    user = _reader(request)
    page = company_history(
        user=user, company=company_get(user=user, pk=company_id), cursor=cursor, limit=limit
    )
    return {"items": [history_entry_out(entry) for entry in page.items], "next": page.next_cursor}


def _member_out(member: AccountTeamMember) -> dict[str, Any]:
    return {"username": member.user.username, "full_name": member.user.get_full_name(), "role": member.role}


@router.get(
    "/{company_id}/account-team",
    response={200: AccountTeamPage, **ERRORS},
    summary="Users on the company's account team (they see the company)",
)
def account_team_read(request: HttpRequest, company_id: int) -> dict[str, Any]:
    company = company_get(user=_reader(request), pk=company_id)
    return {"items": [_member_out(m) for m in account_team_list(company=company)], "next": None}


@router.post(
    "/{company_id}/account-team",
    response={201: AccountTeamMemberOut, **ERRORS},
    summary="Put a user on the account team (or change their role on it)",
)
def account_team_create(request: HttpRequest, company_id: int, payload: AccountTeamMemberIn) -> Status:
    user = request_user(request)
    company = company_get(user=user, pk=company_id)
    member_user = User.objects.filter(username=payload.username, is_active=True).first()
    if member_user is None:
        raise ValidationError(
            {"username": _("No active user named “%(name)s”.") % {"name": payload.username}}
        )
    member = account_team_add(company=company, user=member_user, role=payload.role, actor=user)
    return Status(201, _member_out(member))


@router.delete(
    "/{company_id}/account-team/{username}",
    response={204: None, **ERRORS},
    summary="Take a user off the account team",
)
def account_team_delete(request: HttpRequest, company_id: int, username: str) -> HttpResponse:
    user = request_user(request)
    company = company_get(user=user, pk=company_id)
    member_user = User.objects.filter(username=username).first()
    if member_user is None or not account_team_remove(company=company, user=member_user, actor=user):
        raise Http404
    return HttpResponse(status=204)
