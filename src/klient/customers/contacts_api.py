"""Contacts in the API: list, create, read, update, delete, history."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict, Field, StrictInt

from klient.api.auth import request_user
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, ConflictError, HistoryEntry, history_entry_out
from klient.core.audit import history_for
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import (
    MAX_ID,
    Blankable,
    IsoDatetime,
    RecordId,
    aware,
    list_filter,
    not_found,
    reader,
)
from klient.customers.filters import ContactFilter
from klient.customers.models import BuyingRole, Channel, Company, Contact
from klient.customers.services import contact_create, contact_delete, contact_update

router = Router(tags=["contacts"])

VIEW = "customers.view_contact"
NO_COMPANY = gettext_lazy("No company with this id, or you may not see it.")


class ContactPhone(Schema):
    value: str = Field(description="As entered")
    e164: str = Field(description="E.164 form; empty when the number could not be read")


class ContactOut(Schema):
    id: int
    company: int = Field(description="Id of the company")
    first_name: str
    middle_name: str
    last_name: str
    position: str
    buying_role: str
    email: str
    other_emails: list[str]
    phone: str
    phone_e164: str
    mobile: str
    mobile_e164: str
    other_phones: list[ContactPhone]
    birthday: datetime.date | None
    language: str
    preferred_channel: str
    marketing_consent: bool
    marketing_consent_at: datetime.datetime | None
    marketing_consent_source: str
    left_on: datetime.date | None
    external_id: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ContactPage(Schema):
    items: list[ContactOut]
    next: str | None


class ContactPhoneIn(Schema):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(..., max_length=40)
    e164: str | None = Field(None, description="Ignored: derived from `value`")


class ContactFields(Schema):
    """Every field a caller may write; those not sent are left as they are (or their defaults)."""

    model_config = ConfigDict(extra="forbid")

    company: RecordId | None = Field(None, description="Id of a company you may see")
    first_name: str | None = Field(None, max_length=100)
    middle_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    position: str | None = Field(None, max_length=150)
    buying_role: Blankable[BuyingRole] = Field(None, description="Empty clears it")
    email: str | None = Field(None, max_length=254)
    other_emails: list[str] | None = Field(None, max_length=20)
    phone: str | None = Field(None, max_length=40)
    mobile: str | None = Field(None, max_length=40)
    other_phones: list[str | ContactPhoneIn] | None = Field(
        None, max_length=20, description="Phones as entered (strings, or objects as the API answers them)"
    )
    birthday: datetime.date | None = None
    language: str | None = Field(None, max_length=10, description="A language code of this installation")
    preferred_channel: Blankable[Channel] = Field(None, description="Empty clears it")
    marketing_consent: bool | None = None
    marketing_consent_at: AwareDatetime | None = Field(
        None, description="When consent was given; defaults to now when consent is given without it"
    )
    marketing_consent_source: str | None = Field(None, max_length=100)
    left_on: datetime.date | None = Field(None, description="The day the person left the company")
    external_id: str | None = Field(None, max_length=100)


class ContactIn(ContactFields):
    company: RecordId = Field(..., description="Id of a company you may see")


class ContactPatch(ContactFields):
    version: StrictInt = Field(..., description="The version you read; a stale one is refused with 409")


class ContactFilterParams(Schema):
    """The contact list's query parameters: the fields of ContactFilter, plus `updated_since`."""

    q: str = Field("", description="Search names, position, emails and phones; ignores case and accents")
    company: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(None, description="Id of the company")
    buying_role: Blankable[BuyingRole] = None
    language: str = Field("", description="Language code")
    has_left: bool | None = Field(None, description="true: only people who left their company")
    has_email: bool | None = None
    has_phone: bool | None = Field(None, description="Phone, mobile or another phone")
    birthday_this_month: bool = False
    consent: bool | None = Field(None, description="Marketing consent")
    sort: str = Field(
        "name",
        description="name (last, first), -name, updated (oldest change first: for sync), -updated; "
        "an unknown value sorts by name",
    )
    updated_since: IsoDatetime | None = Field(
        None, description="Only contacts changed at or after this time (ISO 8601; without a zone, UTC)"
    )


class HistoryPage(Schema):
    items: list[HistoryEntry]
    next: str | None


def contact_out(contact: Contact) -> dict[str, Any]:
    """A contact as the API shows it."""
    return {
        "id": contact.pk,
        "company": contact.company_id,
        "first_name": contact.first_name,
        "middle_name": contact.middle_name,
        "last_name": contact.last_name,
        "position": contact.position,
        "buying_role": contact.buying_role,
        "email": contact.email,
        "other_emails": list(contact.other_emails),
        "phone": contact.phone,
        "phone_e164": contact.phone_e164,
        "mobile": contact.mobile,
        "mobile_e164": contact.mobile_e164,
        "other_phones": [
            {"value": str(item.get("value", "")), "e164": str(item.get("e164", ""))}
            for item in contact.other_phones
        ],
        "birthday": contact.birthday,
        "language": contact.language,
        "preferred_channel": contact.preferred_channel,
        "marketing_consent": contact.marketing_consent,
        "marketing_consent_at": contact.marketing_consent_at,
        "marketing_consent_source": contact.marketing_consent_source,
        "left_on": contact.left_on,
        "external_id": contact.external_id,
        "version": contact.version,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def writer(request: HttpRequest, permission: str) -> User:
    """The caller, refused (403) without the permission before anything is looked up."""
    return reader(request, permission)


def _contacts(user: User) -> QuerySet[Contact]:
    """Contacts of the companies the user may see."""
    return Contact.objects.visible_to(user)


def _contact_get(user: User, pk: int) -> Contact:
    """One visible contact, with its company (the services need it); DoesNotExist otherwise."""
    return _contacts(user).select_related("company").get(pk=pk)


def _visible_company(user: User, pk: int) -> Company | None:
    return Company.objects.visible_to(user).filter(pk=pk).first()


def _values(data: dict[str, Any]) -> dict[str, Any]:
    """The services' values: choices as plain strings, phones as entered."""
    for name in ("buying_role", "preferred_channel"):
        if data.get(name) is not None:
            data[name] = str(data[name])
    if data.get("other_phones") is not None:
        data["other_phones"] = [
            item if isinstance(item, str) else item["value"] for item in data["other_phones"]
        ]
    return data


@router.get("", response={200: ContactPage, **ERRORS}, summary="List the contacts of visible companies")
def contacts_list(
    request: HttpRequest,
    query: Query[ContactFilterParams],  # named so that errors name the parameter alone
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, VIEW)
    contact_filter = list_filter(ContactFilter, query)
    queryset = contact_filter.apply(_contacts(user), username=user.username)
    updated_since = aware(query.updated_since)
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    page = contact_filter.paginate(queryset, cursor=cursor, limit=limit)
    return page_response(
        {"items": [contact_out(contact) for contact in page.items], "next": page.next_cursor}
    )


@router.post(
    "",
    response={201: ContactOut, **ERRORS},
    summary="Add a contact to a company (404 naming `company` when you may not see it)",
)
def contacts_create(request: HttpRequest, payload: ContactIn) -> Status:
    user = writer(request, "customers.add_contact")
    data = _values(payload.dict(exclude_unset=True))
    company = _visible_company(user, data.pop("company"))
    if company is None:
        return not_found("company", str(NO_COMPANY))
    contact = contact_create(actor=user, company=company, **data)
    return Status(201, contact_out(contact))


@router.get("/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Read a contact")
def contacts_read(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    return contact_out(_contact_get(reader(request, VIEW), contact_id))


@router.patch(
    "/{contact_id}",
    response={200: ContactOut, 409: ConflictError, **ERRORS},
    summary="Change a contact (send the version you read)",
)
def contacts_update(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Status | dict[str, Any]:
    user = writer(request, "customers.change_contact")
    contact = _contact_get(user, contact_id)
    data = _values(payload.dict(exclude_unset=True))
    version = data.pop("version")
    if "company" in data:
        if data["company"] is None:
            raise ValidationError({"company": _("A contact belongs to a company.")})
        company = _visible_company(user, data["company"])
        if company is None:
            return not_found("company", str(NO_COMPANY))
        data["company"] = company
    return contact_out(contact_update(contact=contact, actor=user, version=version, **data))


@router.delete(
    "/{contact_id}",
    response={204: None, 409: ConflictError, **ERRORS},
    summary="Delete a contact",
)
def contacts_delete(request: HttpRequest, contact_id: int, version: int | None = None) -> HttpResponse:
    user = writer(request, "customers.delete_contact")
    contact_delete(contact=_contact_get(user, contact_id), actor=user, version=version)
    return HttpResponse(status=204)


@router.get(
    "/{contact_id}/history",
    response={200: HistoryPage, **ERRORS},
    summary="A contact's audit history, newest first",
)
def contacts_history(
    request: HttpRequest,
    contact_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    user = reader(request, VIEW)
    contact = _contact_get(user, contact_id)
    page = keyset_paginate(
        history_for(Contact, contact.pk), ordering=["-at", "-id"], cursor=cursor, limit=limit
    )
    return {"items": [history_entry_out(entry) for entry in page.items], "next": page.next_cursor}


class ContactMergeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    drop: StrictInt = Field(..., description="Id of the contact merged into this one, then deleted")
    values: dict[str, Literal["keep", "drop"]] = Field(
        default_factory=dict,
        description="Where a field's value comes from; by default this contact's, or the other's where "
        "this one's is empty. Other emails and phones of both are always kept.",
    )
    version: StrictInt | None = Field(None, description="This contact's version you read (409 if stale)")
    drop_version: StrictInt | None = Field(
        None, description="The other contact's version you read (409 if stale)"
    )


@router.post(
    "/{contact_id}/merge",
    response={200: ContactOut, 409: ConflictError, **ERRORS},
    summary="Merge a duplicate into this contact: its records move here, the duplicate is deleted",
)
def contacts_merge(request: HttpRequest, contact_id: int, payload: ContactMergeIn) -> dict[str, Any]:
    from klient.customers.services import contact_merge

    user = request_user(request)
    keep = _contact_get(user, contact_id)
    drop = _contact_get(user, payload.drop)
    merged = contact_merge(
        keep=keep,
        drop=drop,
        actor=user,
        values=dict(payload.values),
        keep_version=payload.version,
        drop_version=payload.drop_version,
    )
    return contact_out(merged)
