"""Contracts in the API: make one from an accepted quote or a template, change its wording, key terms and
dates, keep the disagreement protocol, ask for and give approval, sign and terminate it, and read its
versions, the difference between two of them and its history. Key terms (payment days, discount,
delivery terms, price type) are commercial terms: left out without view_commercial_terms."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictInt

from klient.activities.api import IsoDate
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError, HistoryEntry, history_entry_out
from klient.catalog.api import DecimalText, decimal_text
from klient.catalog.models import PriceList
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import MAX_ID, RecordId, not_found, reader
from klient.customers.models import Company, Contact
from klient.customers.selectors import can_see_commercial_terms
from klient.sales.contracts.models import (
    Contract,
    ContractTemplate,
    ContractVersion,
    Disagreement,
)
from klient.sales.contracts.selectors import (
    contract_get,
    contract_history,
    contract_list,
    contract_version_get,
)
from klient.sales.contracts.services import (
    DiffLine,
    contract_approve,
    contract_create_from_quote,
    contract_create_from_template,
    contract_diff,
    contract_negotiate,
    contract_request_approval,
    contract_sign,
    contract_template_create,
    contract_terminate,
    contract_update,
    disagreement_add,
    disagreement_resolve,
)
from klient.sales.quotes.models import Quote

router = Router(tags=["contracts"])

VIEW = "contracts.view_contract"
CHANGE = "contracts.change_contract"
UNSET: Any = None
ContractStatusCode = Literal["draft", "negotiation", "approval", "signed", "active", "expired", "terminated"]
DisagreementStatusCode = Literal["open", "resolved", "withdrawn"]
KEY_TERMS = set(Contract.KEY_TERMS)


class ContractIn(Schema):
    model_config = ConfigDict(extra="forbid")

    quote: RecordId | None = Field(None, description="An accepted quote to make the contract of")
    template: RecordId | None = Field(None, description="Or a template, with `company`")
    company: RecordId | None = None
    contact: RecordId | None = None
    title: str = Field("", max_length=200)
    starts_on: IsoDate | None = None
    ends_on: IsoDate | None = None
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    discount_percent: DecimalText | None = None
    delivery_terms: str | None = Field(None, max_length=5000)
    price_type: RecordId | None = None


class ContractPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read (409 if stale)")
    note: str = Field("", max_length=500, description="Why: kept with the new version of the wording")
    title: str = Field(UNSET, min_length=1, max_length=200)
    contact: RecordId | None = None
    language: str = Field(UNSET, min_length=2, max_length=10)
    currency: str = Field(UNSET, min_length=3, max_length=3)
    total: DecimalText = Field(UNSET)
    body: str = Field(UNSET, max_length=200_000)
    starts_on: IsoDate | None = None
    ends_on: IsoDate | None = None
    renewal_notice_days: int = Field(UNSET, ge=0, le=365)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    discount_percent: DecimalText | None = None
    delivery_terms: str = Field(UNSET, max_length=5000)
    price_type: RecordId | None = None


class ContractVersionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read (409 if stale)")


class ContractSignIn(ContractVersionIn):
    signed_on: IsoDate
    customer_signatory: str = Field(..., min_length=1, max_length=200)


class ContractTerminateIn(ContractVersionIn):
    terminated_on: IsoDate
    reason: str = Field(..., min_length=1, max_length=5000)


class ContractLineOut(Schema):
    position: int
    product: int | None
    sku: str
    name: str
    unit: str
    quantity: str
    unit_price: str
    discount_percent: str
    tax_rate: str
    line_subtotal: str
    line_tax: str


class ContractTermsOut(Schema):
    payment_terms_days: int | None
    discount_percent: str | None
    delivery_terms: str
    price_type: int | None


class ContractOut(Schema):
    id: int
    number: str
    title: str
    company: int
    contact: int | None
    deal: int | None
    quote: int | None
    template: int | None
    owner: str
    language: str
    currency: str
    total: str
    status: ContractStatusCode
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    renewal_notice_days: int
    terms: ContractTermsOut | None = Field(description="Left out (null) without view_commercial_terms")
    body: str
    current_version: int
    approved_by: str | None
    approved_at: datetime.datetime | None
    signed_on: datetime.date | None
    signed_at: datetime.datetime | None
    customer_signatory: str
    terminated_on: datetime.date | None
    termination_reason: str
    open_disagreements: int
    lines: list[ContractLineOut]
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ContractSummary(Schema):
    id: int
    number: str
    title: str
    company: int
    company_name: str
    status: ContractStatusCode
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    owner: str
    version: int


class ContractPage(Schema):
    items: list[ContractSummary]
    next: str | None


class ContractVersionOut(Schema):
    number: int
    body: str
    terms: dict[str, str] = Field(description="Key terms left out without view_commercial_terms")
    note: str
    created_by: str | None
    created_at: datetime.datetime


class ContractDiffLineOut(Schema):
    kind: Literal["equal", "insert", "delete", "change", "term"]
    old: str
    new: str
    words: list[tuple[Literal["equal", "insert", "delete"], str]]
    name: str


class ContractDiffOut(Schema):
    older: int
    newer: int
    lines: list[ContractDiffLineOut]


class ContractDisagreementIn(Schema):
    model_config = ConfigDict(extra="forbid")

    clause: str = Field(..., min_length=1, max_length=200)
    our_wording: str = Field("", max_length=20_000)
    their_wording: str = Field("", max_length=20_000)


class ContractDisagreementPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(..., description="The version you read (409 if stale)")
    status: Literal["resolved", "withdrawn"]
    resolution: str = Field("", max_length=20_000)


class ContractDisagreementOut(Schema):
    id: int
    clause: str
    our_wording: str
    their_wording: str
    resolution: str
    status: DisagreementStatusCode
    created_by: str | None
    created_at: datetime.datetime
    resolved_by: str | None
    resolved_at: datetime.datetime | None
    version: int


class ContractTemplateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    language: str = Field(..., min_length=2, max_length=10)
    body: str = Field(..., min_length=1, max_length=200_000)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    discount_percent: DecimalText | None = None
    delivery_terms: str = Field("", max_length=5000)
    duration_months: int = Field(12, ge=1, le=1200)
    is_active: bool = True


class ContractTemplateOut(Schema):
    id: int
    name: str
    language: str
    body: str
    payment_terms_days: int | None
    discount_percent: str | None
    delivery_terms: str
    duration_months: int
    is_active: bool


class ContractHistoryPage(Schema):
    items: list[HistoryEntry]
    next: str | None


def _who(user: User | None) -> str | None:
    return user.username if user is not None else None


def contract_out(contract: Contract, user: User) -> dict[str, Any]:
    terms = (
        {
            "payment_terms_days": contract.payment_terms_days,
            "discount_percent": decimal_text(contract.discount_percent),
            "delivery_terms": contract.delivery_terms,
            "price_type": contract.price_type_id,
        }
        if can_see_commercial_terms(user)
        else None
    )
    disagreements = list(contract.disagreements.all())
    return {
        "id": contract.pk,
        "number": contract.number,
        "title": contract.title,
        "company": contract.company_id,
        "contact": contract.contact_id,
        "deal": contract.deal_id,
        "quote": contract.quote_id,
        "template": contract.template_id,
        "owner": contract.owner.username,
        "language": contract.language,
        "currency": contract.currency,
        "total": str(contract.total),
        "status": contract.status,
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "renewal_notice_days": contract.renewal_notice_days,
        "terms": terms,
        "body": contract.body,
        "current_version": contract.current_version,
        "approved_by": _who(contract.approved_by),
        "approved_at": contract.approved_at,
        "signed_on": contract.signed_on,
        "signed_at": contract.signed_at,
        "customer_signatory": contract.customer_signatory,
        "terminated_on": contract.terminated_on,
        "termination_reason": contract.termination_reason,
        "open_disagreements": sum(1 for item in disagreements if item.status == "open"),
        "lines": [
            {
                "position": line.position,
                "product": line.product_id,
                "sku": line.sku,
                "name": line.name,
                "unit": line.unit,
                "quantity": decimal_text(line.quantity),
                "unit_price": decimal_text(line.unit_price),
                "discount_percent": decimal_text(line.discount_percent),
                "tax_rate": decimal_text(line.tax_rate),
                "line_subtotal": decimal_text(line.line_subtotal),
                "line_tax": decimal_text(line.line_tax),
            }
            for line in contract.lines.all()
        ],
        "version": contract.version,
        "created_at": contract.created_at,
        "updated_at": contract.updated_at,
    }


def visible_terms(terms: dict[str, str], user: User) -> dict[str, str]:
    """A version's terms as the user may read them: the key terms only with view_commercial_terms."""
    if can_see_commercial_terms(user):
        return dict(terms)
    return {name: value for name, value in terms.items() if name not in KEY_TERMS}


def version_out(version: ContractVersion, user: User) -> dict[str, Any]:
    return {
        "number": version.number,
        "body": version.body,
        "terms": visible_terms(version.terms, user),
        "note": version.note,
        "created_by": _who(version.created_by),
        "created_at": version.created_at,
    }


def diff_line_out(line: DiffLine) -> dict[str, Any]:
    return {"kind": line.kind, "old": line.old, "new": line.new, "words": line.words, "name": line.name}


def disagreement_out(disagreement: Disagreement) -> dict[str, Any]:
    return {
        "id": disagreement.pk,
        "clause": disagreement.clause,
        "our_wording": disagreement.our_wording,
        "their_wording": disagreement.their_wording,
        "resolution": disagreement.resolution,
        "status": disagreement.status,
        "created_by": _who(disagreement.created_by),
        "created_at": disagreement.created_at,
        "resolved_by": _who(disagreement.resolved_by),
        "resolved_at": disagreement.resolved_at,
        "version": disagreement.version,
    }


def template_out(template: ContractTemplate) -> dict[str, Any]:
    return {
        "id": template.pk,
        "name": template.name,
        "language": template.language,
        "body": template.body,
        "payment_terms_days": template.payment_terms_days,
        "discount_percent": decimal_text(template.discount_percent),
        "delivery_terms": template.delivery_terms,
        "duration_months": template.duration_months,
        "is_active": template.is_active,
    }


def _contract(user: User, pk: int) -> Contract:
    return contract_get(user=user, pk=pk)


def _references(data: dict[str, Any], company: Company) -> dict[str, Any]:
    if data.get("contact") is not None:
        contact = Contact.objects.filter(pk=data["contact"], company=company).first()
        if contact is None:
            raise ValidationError({"contact": _("No contact of this company has this id.")})
        data["contact"] = contact
    if data.get("price_type") is not None:
        price_type = PriceList.objects.filter(pk=data["price_type"]).first()
        if price_type is None:
            raise ValidationError({"price_type": _("No price type with this id.")})
        data["price_type"] = price_type
    return data


@router.get("/contracts", response={200: ContractPage, **ERRORS}, summary="List contracts, newest first")
def contracts_list(
    request: HttpRequest,
    q: str = "",
    status: ContractStatusCode | None = None,
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
    contracts = contract_list(user=user, company_id=company, status=status or "", owner_id=owner_id, q=q)
    page = keyset_paginate(contracts, ordering=["-created_at", "-id"], cursor=cursor, limit=limit)
    return page_response(
        {
            "items": [
                {
                    "id": contract.pk,
                    "number": contract.number,
                    "title": contract.title,
                    "company": contract.company_id,
                    "company_name": contract.company.name,
                    "status": contract.status,
                    "starts_on": contract.starts_on,
                    "ends_on": contract.ends_on,
                    "owner": contract.owner.username,
                    "version": contract.version,
                }
                for contract in page.items
            ],
            "next": page.next_cursor,
        }
    )


@router.post(
    "/contracts",
    response={201: ContractOut, **ERRORS},
    summary="Make a contract of an accepted quote, or from a template for a company",
)
def contracts_create(request: HttpRequest, payload: ContractIn) -> Status:
    user = reader(request, "contracts.add_contract")
    data = payload.dict(exclude_unset=True)
    dates = {"starts_on": data.pop("starts_on", None), "ends_on": data.pop("ends_on", None)}
    title = data.pop("title", "")
    if data.get("quote") is not None:
        extra = sorted(set(data) - {"quote"})
        if extra:
            raise ValidationError({name: _("Not with a quote: the quote gives it.") for name in extra})
        quote = Quote.objects.visible_to(user).filter(pk=data["quote"]).first()
        if quote is None:
            return not_found("quote", _("No quote with this id, or you may not see it."))
        contract = contract_create_from_quote(quote=quote, actor=user, title=title, **dates)
        return Status(201, contract_out(_contract(user, contract.pk), user))
    if data.get("template") is None or data.get("company") is None:
        raise ValidationError({"quote": _("Give an accepted quote, or a template and a company.")})
    template = ContractTemplate.objects.filter(pk=data.pop("template")).first()
    if template is None:
        raise ValidationError({"template": _("No template with this id.")})
    company = Company.objects.visible_to(user).filter(pk=data.pop("company")).first()
    if company is None:
        return not_found("company", _("No company with this id, or you may not see it."))
    data.pop("quote", None)
    data = _references(data, company)
    contract = contract_create_from_template(
        template=template, company=company, actor=user, title=title, **dates, **data
    )
    return Status(201, contract_out(_contract(user, contract.pk), user))


@router.get("/contracts/{contract_id}", response={200: ContractOut, **ERRORS}, summary="Read a contract")
def contracts_read(request: HttpRequest, contract_id: int) -> dict[str, Any]:
    user = reader(request, VIEW)
    return contract_out(_contract(user, contract_id), user)


@router.patch(
    "/contracts/{contract_id}",
    response={200: ContractOut, 409: ConflictError, **ERRORS},
    summary="Change a contract not yet signed (wording, key terms or dates make a new version)",
)
def contracts_update(request: HttpRequest, contract_id: int, payload: ContractPatch) -> dict[str, Any]:
    user = reader(request, CHANGE)
    contract = _contract(user, contract_id)
    data = _references(payload.dict(exclude_unset=True), contract.company)
    version = data.pop("version")
    note = data.pop("note", "")
    contract_update(contract=contract, actor=user, version=version, note=note, **data)
    return contract_out(_contract(user, contract_id), user)


def _act(request: HttpRequest, contract_id: int, permission: str, action: Any, **arguments: Any) -> Any:
    user = reader(request, permission)
    action(contract=_contract(user, contract_id), actor=user, **arguments)
    return contract_out(_contract(user, contract_id), user)


@router.post(
    "/contracts/{contract_id}/negotiate",
    response={200: ContractOut, 409: ConflictError, **ERRORS},
    summary="Start negotiating a draft",
)
def contracts_negotiate(request: HttpRequest, contract_id: int, payload: ContractVersionIn) -> Any:
    return _act(request, contract_id, CHANGE, contract_negotiate, version=payload.version)


@router.post(
    "/contracts/{contract_id}/request-approval",
    response={200: ContractOut, 409: ConflictError, **ERRORS},
    summary="Ask a manager to approve the contract (no disagreement may be open)",
)
def contracts_request_approval(request: HttpRequest, contract_id: int, payload: ContractVersionIn) -> Any:
    return _act(request, contract_id, CHANGE, contract_request_approval, version=payload.version)


@router.post(
    "/contracts/{contract_id}/approve",
    response={200: ContractOut, 409: ConflictError, **ERRORS},
    summary="Approve a contract awaiting approval",
)
def contracts_approve(request: HttpRequest, contract_id: int, payload: ContractVersionIn) -> Any:
    return _act(request, contract_id, "contracts.approve_contract", contract_approve, version=payload.version)


@router.post(
    "/contracts/{contract_id}/sign",
    response={200: ContractOut, 409: ConflictError, **ERRORS},
    summary="Record the signature of an approved contract (its key terms become the client's)",
)
def contracts_sign(request: HttpRequest, contract_id: int, payload: ContractSignIn) -> Any:
    return _act(
        request,
        contract_id,
        CHANGE,
        contract_sign,
        version=payload.version,
        signed_on=payload.signed_on,
        customer_signatory=payload.customer_signatory,
    )


@router.post(
    "/contracts/{contract_id}/terminate",
    response={200: ContractOut, 409: ConflictError, **ERRORS},
    summary="End a signed or active contract early",
)
def contracts_terminate(request: HttpRequest, contract_id: int, payload: ContractTerminateIn) -> Any:
    return _act(
        request,
        contract_id,
        CHANGE,
        contract_terminate,
        version=payload.version,
        terminated_on=payload.terminated_on,
        reason=payload.reason,
    )


@router.get(
    "/contracts/{contract_id}/versions",
    response={200: list[ContractVersionOut], **ERRORS},
    summary="A contract's versions of its wording and terms, newest first",
)
def contracts_versions(request: HttpRequest, contract_id: int) -> list[dict[str, Any]]:
    user = reader(request, VIEW)
    contract = _contract(user, contract_id)
    return [version_out(version, user) for version in contract.versions.all()]


@router.get(
    "/contracts/{contract_id}/diff",
    response={200: ContractDiffOut, **ERRORS},
    summary="What changed between two versions: the wording line by line and word by word, and the terms",
)
def contracts_diff(
    request: HttpRequest,
    contract_id: int,
    older: int = Query(..., alias="from", ge=1, le=MAX_ID),
    newer: int = Query(..., alias="to", ge=1, le=MAX_ID),
) -> dict[str, Any]:
    user = reader(request, VIEW)
    contract = _contract(user, contract_id)
    lines = contract_diff(
        older=contract_version_get(contract=contract, number=older),
        newer=contract_version_get(contract=contract, number=newer),
    )
    hidden = set() if can_see_commercial_terms(user) else KEY_TERMS
    return {
        "older": older,
        "newer": newer,
        "lines": [diff_line_out(line) for line in lines if line.name not in hidden],
    }


@router.get(
    "/contracts/{contract_id}/disagreements",
    response={200: list[ContractDisagreementOut], **ERRORS},
    summary="The disagreement protocol of a contract",
)
def contracts_disagreements(request: HttpRequest, contract_id: int) -> list[dict[str, Any]]:
    user = reader(request, VIEW)
    contract = _contract(user, contract_id)
    return [disagreement_out(item) for item in contract.disagreements.all()]


@router.post(
    "/contracts/{contract_id}/disagreements",
    response={201: ContractDisagreementOut, **ERRORS},
    summary="Add a disputed clause to the protocol",
)
def contracts_disagreement_add(
    request: HttpRequest, contract_id: int, payload: ContractDisagreementIn
) -> Status:
    user = reader(request, "contracts.add_disagreement")
    disagreement = disagreement_add(contract=_contract(user, contract_id), actor=user, **payload.dict())
    return Status(201, disagreement_out(disagreement))


@router.patch(
    "/contracts/{contract_id}/disagreements/{disagreement_id}",
    response={200: ContractDisagreementOut, 409: ConflictError, **ERRORS},
    summary="Settle a disputed clause: resolved (with the resolution) or withdrawn",
)
def contracts_disagreement_resolve(
    request: HttpRequest, contract_id: int, disagreement_id: int, payload: ContractDisagreementPatch
) -> dict[str, Any]:
    user = reader(request, "contracts.change_disagreement")
    contract = _contract(user, contract_id)
    disagreement = Disagreement.objects.get(pk=disagreement_id, contract=contract)
    saved = disagreement_resolve(
        disagreement=disagreement,
        actor=user,
        resolution=payload.resolution,
        status=payload.status,
        version=payload.version,
    )
    return disagreement_out(Disagreement.objects.select_related("created_by", "resolved_by").get(pk=saved.pk))


@router.get(
    "/contracts/{contract_id}/history",
    response={200: ContractHistoryPage, **ERRORS},
    summary="A contract's history",
)
def contracts_history(
    request: HttpRequest,
    contract_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    user = reader(request, VIEW)
    _contract(user, contract_id)
    page = contract_history(user=user, contract_id=contract_id, cursor=cursor, limit=limit)
    return {"items": [history_entry_out(entry) for entry in page.items], "next": page.next_cursor}


@router.get(
    "/contract-templates",
    response={200: list[ContractTemplateOut], **ERRORS},
    summary="The contract templates in use (with `include_inactive`, all of them)",
)
def contract_templates_list(request: HttpRequest, include_inactive: bool = False) -> list[dict[str, Any]]:
    reader(request, "contracts.view_contracttemplate")
    templates = ContractTemplate.objects.order_by("name", "id")
    if not include_inactive:
        templates = templates.filter(is_active=True)
    return [template_out(template) for template in templates]


@router.post(
    "/contract-templates",
    response={201: ContractTemplateOut, **ERRORS},
    summary="Add a contract template",
)
def contract_templates_create(request: HttpRequest, payload: ContractTemplateIn) -> Status:
    user = reader(request, "contracts.add_contracttemplate")
    template = contract_template_create(actor=user, **payload.dict())
    return Status(201, template_out(template))
