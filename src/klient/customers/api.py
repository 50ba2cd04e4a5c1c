"""Companies in the API: list, create, read, update, delete, history, bulk upsert, account team."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import typing
from typing import Annotated, Any, Literal, TypeVar

import pydantic
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, Field, StrictInt, StringConstraints

from klient.api.auth import request_user
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError, Error, HistoryEntry, history_entry_out
from klient.catalog.models import PriceList
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import Team, User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from klient.customers.filters import CompanyFilter
from klient.customers.models import (
    AccountTeamMember,
    Company,
    CompanySize,
    CompanySource,
    CompanyStatus,
)
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
    company_mark_reviewed,
    company_set_tags,
    company_update,
    company_upsert,
)

router = Router(tags=["companies"])

COMMERCIAL = "Commercial term: present only for callers with view_commercial_terms."
BULK_MAX_ITEMS = 1000


# ----------------------------------------------------------------------------------------------------------
# Schemas


class CompanyOut(Schema):
    id: int
    name: str
    legal_name: str
    tax_id: str
    registration_number: str
    country: str
    city: str
    legal_address: str
    billing_address: str
    delivery_address: str
    phone: str
    phone_e164: str = Field(description="The phone in E.164 form, derived; empty when not a valid number")
    other_phones: str = Field(description="Further phones, separated by commas, as entered")
    email: str
    website: str
    industry: str
    size: str
    segment: str
    status: str
    status_reason: str
    source: str
    owner: str | None = Field(description="Username")
    team: str | None = Field(description="Team name")
    parent: int | None = Field(description="Id of the parent company")
    tags: list[str] = Field(description="Tag names, alphabetical")
    document_language: str
    document_currency: str
    is_key_account: bool
    external_id: str
    card_reviewed_at: datetime.datetime | None
    last_contact_at: datetime.datetime | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    price_type: int | None = Field(None, description=f"Id of the price list (price type). {COMMERCIAL}")
    payment_terms_days: int | None = Field(None, description=COMMERCIAL)
    credit_limit: decimal.Decimal | None = Field(None, description=COMMERCIAL)
    discount_percent: decimal.Decimal | None = Field(None, description=COMMERCIAL)
    individual_services: str | None = Field(None, description=COMMERCIAL)
    delivery_terms: str | None = Field(None, description=COMMERCIAL)


class CompanyPage(Schema):
    items: list[CompanyOut]
    next: str | None


E = TypeVar("E")
MAX_ID = 2**63 - 1  # the largest id the databases store; a larger one would overflow, not just miss
RecordId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


# A choice that may also be left empty: "" (as the API answers an empty choice) reads as null.
Blankable = Annotated[E | None, BeforeValidator(_blank_is_none)]


def _iso_datetime(value: Any) -> Any:
    # Strictly ISO 8601: pydantic alone would also read "0.5" as seconds since 1970.
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value.strip().upper())
        except ValueError:
            raise ValueError(
                _("Enter a date and time in ISO 8601 form, e.g. 2026-03-01T09:00:00Z.")
            ) from None
    if not isinstance(value, datetime.datetime):
        # A number is not a time here (pydantic would read it as seconds since 1970).
        raise ValueError(_("Enter a date and time in ISO 8601 form, e.g. 2026-03-01T09:00:00Z."))
    return value


IsoDatetime = Annotated[datetime.datetime, BeforeValidator(_iso_datetime)]


def filters_object(value: Any) -> Any:
    """A body's filters must be a JSON object: ninja's schemas would otherwise read any value (a string,
    a number) as an object without fields, that is, as no filter at all."""
    if not isinstance(value, dict | Schema):
        raise ValueError(_('Give the filters as an object, e.g. {"status": ["prospect"]}.'))
    return value


TagName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class CompanyFields(Schema):
    """Every field a caller may write; those not sent are left as they are (or their defaults)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=300)
    tax_id: str | None = Field(None, max_length=50)
    registration_number: str | None = Field(None, max_length=50)
    country: str | None = Field(None, max_length=2, description="ISO 3166-1 alpha-2 code")
    city: str | None = Field(None, max_length=100)
    legal_address: str | None = Field(None, max_length=2000)
    billing_address: str | None = Field(None, max_length=2000)
    delivery_address: str | None = Field(None, max_length=2000)
    phone: str | None = Field(None, max_length=40)
    other_phones: str | None = Field(None, max_length=200, description="Separated by commas")
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)
    industry: str | None = Field(None, max_length=100)
    size: Blankable[CompanySize] = Field(None, description="Empty clears it")
    segment: str | None = Field(None, max_length=50)
    status: CompanyStatus | None = None
    status_reason: str | None = Field(None, max_length=200)
    source: Blankable[CompanySource] = Field(None, description="Empty clears it")
    owner: str | None = Field(None, description="Username; on create, defaults to the caller")
    team: str | None = Field(None, description="Team name; on create, defaults to the owner's team")
    parent: RecordId | None = Field(None, description="Id of a company you may see")
    tags: list[TagName] | None = Field(
        None, max_length=50, description="Tag names; replace the company's tags (new ones are created)"
    )
    document_language: str | None = Field(None, max_length=10)
    document_currency: str | None = Field(None, max_length=3, description="ISO 4217 code")
    is_key_account: bool | None = None
    external_id: str | None = Field(None, max_length=100, description="The company's id in your ERP")
    price_type: RecordId | None = Field(None, description=f"Id of a price list (price type). {COMMERCIAL}")
    payment_terms_days: StrictInt | None = Field(None, ge=0, le=365, description=COMMERCIAL)
    credit_limit: decimal.Decimal | None = Field(
        None, ge=0, max_digits=14, decimal_places=2, description=COMMERCIAL
    )
    discount_percent: decimal.Decimal | None = Field(None, ge=0, le=100, description=COMMERCIAL)
    individual_services: str | None = Field(None, max_length=5000, description=COMMERCIAL)
    delivery_terms: str | None = Field(None, max_length=5000, description=COMMERCIAL)


class CompanyIn(CompanyFields):
    name: str = Field(..., min_length=1, max_length=200)


class CompanyPatch(CompanyFields):
    version: StrictInt = Field(..., description="The version you read; a stale one is refused with 409")


class CompanyBulkItem(CompanyFields):
    id: RecordId | None = Field(None, description="The key when `key` is `id`")
    version: StrictInt | None = Field(None, description="When sent, a stale version is refused for this item")


class CompanyBulkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    key: Literal["external_id", "tax_id", "id"] = Field(
        ..., description="The field that finds the company to update; without a match one is created"
    )
    items: list[dict[str, Any]] = Field(
        ...,
        max_length=BULK_MAX_ITEMS,
        description="Up to 1,000 companies, each with the fields of POST /companies and the key",
    )


class BulkItemResult(Schema):
    index: int
    id: int | None
    result: Literal["created", "updated", "unchanged", "error"]
    errors: list[dict[str, str | None]]


class CompanyBulkOut(Schema):
    created: int
    updated: int
    unchanged: int
    failed: int
    items: list[BulkItemResult]


class CompanyFilterParams(Schema):
    """The company list's query parameters: the fields of CompanyFilter, plus `updated_since`."""

    q: str = Field(
        "", description="Search names, tax ids, phones, emails, websites; ignores case and accents"
    )
    owner: str = Field("", description="Owner username, or `me`")
    team: str = Field("", description="Team id")
    status: list[CompanyStatus] = Field([], description="Any of these statuses (repeat the parameter)")
    segment: str = Field("", description="Segment, ignoring case")
    industry: str = Field("", description="Industry, ignoring case")
    country: str = Field("", description="ISO 3166-1 alpha-2 code")
    tag: list[str] = Field([], description="Tag names, any of them (repeat the parameter)")
    is_key_account: bool | None = Field(None, description="true: key accounts only; false: the others")
    last_contact: str = Field(
        "",
        pattern=r"^(never|[0-9]{1,5})?$",
        description="`never`, or N: not contacted in the last N days (never contacted included)",
    )
    freshness: Literal["", "fresh", "ageing", "stale", "never"] = Field(
        "", description="Card freshness: reviewed in 30 days, 30–90 days, over 90 days ago, never"
    )
    source: Blankable[CompanySource] = Field(None, description="How the company came to us")
    parent: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, description="Id of the parent company"
    )
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        [], description="Only these ids (repeat the parameter)"
    )
    sort: str = Field(
        "name",
        description="name, -name, created, -created, updated (oldest change first: for sync), -updated, "
        "country, -country, last_contact, -last_contact, card_reviewed, -card_reviewed; "
        "an unknown value sorts by name",
    )
    updated_since: IsoDatetime | None = Field(
        None, description="Only companies changed at or after this time (ISO 8601; without a zone, UTC)"
    )


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


# ----------------------------------------------------------------------------------------------------------
# Helpers shared with the contacts router


def not_found(field: str, message: str) -> Status:
    """404 in the error format, naming the field that points at a record the caller cannot see."""
    return Status(404, {"detail": _("Not found."), "errors": [{"field": field, "message": message}]})


def reader(request: HttpRequest, permission: str = "customers.view_company") -> User:
    """The caller, refused (403) without the permission to view, as in the UI."""
    user = request_user(request)
    if not user.has_perm(permission):
        raise PermissionDenied
    return user


def aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A time from a query string; one without a zone is taken as UTC."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, datetime.UTC)
    return moment


F = TypeVar("F")


def list_filter(filter_class: type[F], params: Schema) -> F:
    """The list filter (a dataclass of filters.py) from validated query parameters of the same names."""
    hints = typing.get_type_hints(filter_class)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(filter_class):  # type: ignore[arg-type]
        if not hasattr(params, field.name):
            continue
        value = getattr(params, field.name)
        if isinstance(value, list):
            value = [item.value if isinstance(item, enum.Enum) else item for item in value]
        elif isinstance(value, enum.Enum):
            value = value.value
        elif hints[field.name] is str:
            value = "" if value is None else str(value)
        values[field.name] = value
    return filter_class(**values)


def validation_errors(error: ValidationError) -> list[dict[str, str | None]]:
    """A Django ValidationError as the items of `errors`."""
    if hasattr(error, "error_dict"):
        return [
            {"field": None if field == "__all__" else field, "message": str(message)}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": str(message)} for message in error.messages]


def schema_errors(error: pydantic.ValidationError) -> list[dict[str, str | None]]:
    """A pydantic ValidationError as the items of `errors` (the same form as the API's 422)."""
    return [
        {"field": ".".join(str(part) for part in item["loc"]) or None, "message": str(item["msg"])}
        for item in error.errors()
    ]


def conflict_errors(error: VersionConflict) -> list[dict[str, str | None]]:
    return [
        {
            "field": "version",
            "message": _("current version is %(version)s") % {"version": error.current_version},
        }
    ]


# ----------------------------------------------------------------------------------------------------------
# Companies


def company_out(company: Company, *, with_terms: bool) -> dict[str, Any]:
    """A company as the API shows it; commercial terms are left out without the permission.

    `tags` reads the prefetched tags: list queries prefetch them (one query per page).
    """
    data: dict[str, Any] = {
        "id": company.pk,
        "name": company.name,
        "legal_name": company.legal_name,
        "tax_id": company.tax_id,
        "registration_number": company.registration_number,
        "country": str(company.country or ""),
        "city": company.city,
        "legal_address": company.legal_address,
        "billing_address": company.billing_address,
        "delivery_address": company.delivery_address,
        "phone": company.phone,
        "phone_e164": company.phone_e164,
        "other_phones": company.other_phones,
        "email": company.email,
        "website": company.website,
        "industry": company.industry,
        "size": company.size,
        "segment": company.segment,
        "status": company.status,
        "status_reason": company.status_reason,
        "source": company.source,
        "owner": company.owner.username if company.owner else None,
        "team": company.team.name if company.team else None,
        "parent": company.parent_id,
        "tags": sorted((tag.name for tag in company.tags.all()), key=str.casefold),
        "document_language": company.document_language,
        "document_currency": company.document_currency,
        "is_key_account": company.is_key_account,
        "external_id": company.external_id,
        "card_reviewed_at": company.card_reviewed_at,
        "last_contact_at": company.last_contact_at,
        "version": company.version,
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }
    if with_terms:
        for name in Company.COMMERCIAL_FIELDS:
            data[name] = getattr(company, name)
        data["price_type"] = company.price_type_id
    return data


def _companies(user: User) -> QuerySet[Company]:
    return company_list(user=user).prefetch_related("tags")


def _company_answer(user: User, pk: int) -> dict[str, Any]:
    """The company as stored now (after a write), as the caller may see it."""
    company = _companies(user).filter(pk=pk).first()
    if company is None:  # given to an owner and team whose companies the caller does not see
        company = Company.objects.select_related("owner", "team").prefetch_related("tags").get(pk=pk)
    return company_out(company, with_terms=can_see_commercial_terms(user))


class _References:
    """Resolves usernames, team names, parent and price list ids of a request, remembering each answer."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.owners: dict[str, User | None] = {}
        self.teams: dict[str, Team | None] = {}
        self.parents: dict[int, Company | None] = {}
        self.price_lists: dict[int, PriceList | None] = {}

    def resolve(self, data: dict[str, Any]) -> dict[str, Any]:
        """Objects for names and ids; a ValidationError naming the field when one is unknown."""
        owner_name = data.get("owner")
        if owner_name is not None:
            if owner_name not in self.owners:
                self.owners[owner_name] = (
                    User.objects.filter(username=owner_name, is_active=True).select_related("team").first()
                )
            if self.owners[owner_name] is None:
                raise ValidationError({"owner": _("No active user named “%(name)s”.") % {"name": owner_name}})
            data["owner"] = self.owners[owner_name]
        team_name = data.get("team")
        if team_name is not None:
            if team_name not in self.teams:
                self.teams[team_name] = Team.objects.filter(name=team_name).first()
            if self.teams[team_name] is None:
                raise ValidationError({"team": _("No team named “%(name)s”.") % {"name": team_name}})
            data["team"] = self.teams[team_name]
        parent_id = data.get("parent")
        if parent_id is not None:
            if parent_id not in self.parents:
                self.parents[parent_id] = Company.objects.visible_to(self.user).filter(pk=parent_id).first()
            if self.parents[parent_id] is None:
                raise ValidationError({"parent": _("No company with this id, or you may not see it.")})
            data["parent"] = self.parents[parent_id]
        price_list_id = data.get("price_type")
        if price_list_id is not None:
            if price_list_id not in self.price_lists:
                self.price_lists[price_list_id] = PriceList.objects.filter(pk=price_list_id).first()
            if self.price_lists[price_list_id] is None:
                raise ValidationError({"price_type": _("No price list with this id.")})
            data["price_type"] = self.price_lists[price_list_id]
        for name in ("size", "status", "source"):
            if data.get(name) is not None:
                data[name] = str(data[name])  # the choices' values, not the enum members
        return data


@router.get("", response={200: CompanyPage, **ERRORS}, exclude_unset=True, summary="List visible companies")
def companies_list(
    request: HttpRequest,
    query: Query[CompanyFilterParams],  # named so that errors name the parameter alone
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request)
    company_filter = list_filter(CompanyFilter, query)
    queryset = company_filter.apply(_companies(user), username=user.username)
    updated_since = aware(query.updated_since)
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    page = company_filter.paginate(queryset, cursor=cursor, limit=limit)
    with_terms = can_see_commercial_terms(user)
    return page_response(
        {"items": [company_out(c, with_terms=with_terms) for c in page.items], "next": page.next_cursor}
    )


@router.post("", response={201: CompanyOut, **ERRORS}, exclude_unset=True, summary="Create a company")
def companies_create(request: HttpRequest, payload: CompanyIn) -> Status:
    user = request_user(request)
    data = _References(user).resolve(payload.dict(exclude_unset=True))
    tags = data.pop("tags", None)
    if data.get("owner") is None:
        data.pop("owner", None)
    with transaction.atomic():
        company = company_create(actor=user, **data)
        if tags:
            company_set_tags(company=company, names=tags, actor=user)
    return Status(201, _company_answer(user, company.pk))


# Declared before the "/{company_id}" paths, which would otherwise take "bulk" for an id.
@router.post(
    "/bulk",
    response={200: CompanyBulkOut, 413: Error, **ERRORS},
    summary="Create or update up to 1,000 companies, found by a key, in one transaction",
)
def companies_bulk(request: HttpRequest, payload: CompanyBulkIn) -> dict[str, Any]:
    user = request_user(request)
    if not (user.has_perm("customers.add_company") or user.has_perm("customers.change_company")):
        raise PermissionDenied
    references = _References(user)
    results = []
    with transaction.atomic():
        for index, item in enumerate(payload.items):
            results.append({"index": index, **_bulk_item(user, payload.key, item, references)})
    counts = {
        name: sum(1 for r in results if r["result"] == name) for name in ("created", "updated", "unchanged")
    }
    return {**counts, "failed": sum(1 for r in results if r["result"] == "error"), "items": results}


def _bulk_item(user: User, key: str, item: dict[str, Any], references: _References) -> dict[str, Any]:
    """Upsert one item: its result, and the errors that kept it from being stored."""
    try:
        data = CompanyBulkItem.model_validate(item).dict(exclude_unset=True)
    except pydantic.ValidationError as error:
        return {"id": None, "result": "error", "errors": schema_errors(error)}
    value = data.pop("id", None) if key == "id" else data.get(key)
    version = data.pop("version", None)
    tags = data.pop("tags", None)
    try:
        data = references.resolve(data)
        if data.get("owner") is None:
            data.pop("owner", None)
        # The service runs in its own savepoint: a failing item changes nothing and the others go on.
        company, result = company_upsert(
            actor=user, key=key, value=value, data=data, tags=tags, version=version
        )
    except ValidationError as error:
        return {"id": None, "result": "error", "errors": validation_errors(error)}
    except VersionConflict as error:
        return {"id": None, "result": "error", "errors": conflict_errors(error)}
    except NotAllowed as error:
        return {"id": None, "result": "error", "errors": [{"field": None, "message": str(error)}]}
    return {"id": company.pk, "result": result, "errors": []}


@router.get(
    "/{company_id}", response={200: CompanyOut, **ERRORS}, exclude_unset=True, summary="Read a company"
)
def companies_read(request: HttpRequest, company_id: int) -> dict[str, Any]:
    user = reader(request)
    return company_out(_companies(user).get(pk=company_id), with_terms=can_see_commercial_terms(user))


@router.patch(
    "/{company_id}",
    response={200: CompanyOut, 409: ConflictError, **ERRORS},
    exclude_unset=True,
    summary="Change a company (send the version you read)",
)
def companies_update(request: HttpRequest, company_id: int, payload: CompanyPatch) -> dict[str, Any]:
    user = request_user(request)
    company = company_get(user=user, pk=company_id)
    data = _References(user).resolve(payload.dict(exclude_unset=True))
    version = data.pop("version")
    tags = data.pop("tags", None)
    with transaction.atomic():
        # Always called, even for tags alone: it checks the version.
        company = company_update(company=company, actor=user, version=version, **data)
        if tags is not None:
            company_set_tags(company=company, names=tags, actor=user)
    return _company_answer(user, company.pk)


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
    user = reader(request)
    page = company_history(
        user=user, company=company_get(user=user, pk=company_id), cursor=cursor, limit=limit
    )
    return {"items": [history_entry_out(entry) for entry in page.items], "next": page.next_cursor}


@router.post(
    "/{company_id}/reviewed",
    response={200: CompanyOut, **ERRORS},
    exclude_unset=True,
    summary="Mark the client card reviewed (it is current as of now)",
)
def companies_reviewed(request: HttpRequest, company_id: int) -> dict[str, Any]:
    user = request_user(request)
    company_mark_reviewed(company=company_get(user=user, pk=company_id), actor=user)
    return _company_answer(user, company_id)


# ----------------------------------------------------------------------------------------------------------
# Account team


def _member_out(member: AccountTeamMember) -> dict[str, Any]:
    return {"username": member.user.username, "full_name": member.user.get_full_name(), "role": member.role}


@router.get(
    "/{company_id}/account-team",
    response={200: AccountTeamPage, **ERRORS},
    summary="Users on the company's account team (they see the company)",
)
def account_team_read(request: HttpRequest, company_id: int) -> dict[str, Any]:
    company = company_get(user=reader(request), pk=company_id)
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


# ----------------------------------------------------------------------------------------------------------
# Merging duplicates


class CompanyMergeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    drop: StrictInt = Field(..., description="Id of the company merged into this one, then deleted")
    values: dict[str, Literal["keep", "drop"]] = Field(
        default_factory=dict,
        description="Where a field's value comes from; by default this company's, or the other's where "
        "this one's is empty",
    )
    version: StrictInt | None = Field(None, description="This company's version you read (409 if stale)")
    drop_version: StrictInt | None = Field(
        None, description="The other company's version you read (409 if stale)"
    )


@router.post(
    "/{company_id}/merge",
    response={200: CompanyOut, 409: ConflictError, **ERRORS},
    exclude_unset=True,
    summary="Merge a duplicate into this company: every related record moves here, the duplicate is deleted",
)
def companies_merge(request: HttpRequest, company_id: int, payload: CompanyMergeIn) -> dict[str, Any]:
    from klient.customers.services import company_merge

    user = request_user(request)
    keep = company_get(user=user, pk=company_id)
    drop = company_get(user=user, pk=payload.drop)
    company_merge(
        keep=keep,
        drop=drop,
        actor=user,
        values=dict(payload.values),
        keep_version=payload.version,
        drop_version=payload.drop_version,
    )
    return _company_answer(user, keep.pk)
