"""Greetings and events in the API: occasions to greet, sending a greeting (once), events, invitations and
their answers."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool

from klient.activities.api import IsoDate
from klient.activities.greetings.models import Event, Invitation
from klient.activities.greetings.selectors import (
    MAX_DAYS,
    Occasion,
    event_get,
    event_list,
    invitation_candidates,
    invitation_get,
    invitation_list,
    occasions_between,
)
from klient.activities.greetings.services import (
    GreetingAlreadySent,
    event_create,
    event_invite,
    greeting_send,
    invitation_answer,
)
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, Error
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.core.visibility import delegators, local_today
from klient.customers.api import IsoDatetime, RecordId, filters_object, not_found, reader
from klient.customers.filters import CompanyFilter
from klient.customers.models import Contact

router = Router(tags=["greetings"])

OccasionKind = Literal["birthday", "professional_holiday", "public_holiday"]
EventKindCode = Literal["exhibition", "fair", "presentation", "conference", "other"]
StatusCode = Literal["invited", "accepted", "declined"]


class OccasionOut(Schema):
    kind: OccasionKind
    occasion: str = Field(description="The occasion's code: birthday, professional-<code> or public-MM-DD")
    name: str = Field(description="The holiday's name in your language; empty for a birthday")
    date: datetime.date
    year: int
    contact: int = Field(description="Id of the contact")
    contact_name: str
    company: int = Field(description="Id of the company")
    has_email: bool
    greeted: bool = Field(description="The greeting has been sent")


class OccasionParams(Schema):
    start: IsoDate | None = Field(None, description="First day; today (your time zone) by default")
    days: int = Field(7, ge=1, le=MAX_DAYS, description="How many days from `start`, included")


class OccasionList(Schema):
    items: list[OccasionOut]


class GreetingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    contact_id: RecordId
    occasion: str = Field(..., min_length=1, max_length=80, description="The occasion's code")
    year: int = Field(..., ge=1900, le=2999)


class GreetingOut(Schema):
    id: int
    contact: int
    occasion: str
    year: int
    sent_at: datetime.datetime
    sent_by: str
    message: int | None = Field(description="Id of the outbox message")


class AlreadySentError(Error):
    greeting: GreetingOut


class EventOut(Schema):
    id: int
    name: str
    kind: str = Field(description="exhibition, fair, presentation, conference or other")
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    description: str
    owner: str = Field(description="Username of the organiser")
    invited: int = Field(description="Invitations you see, all answers")
    accepted: int
    declined: int
    not_answered: int
    version: int


class EventPage(Schema):
    items: list[EventOut]
    next: str | None


class EventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    kind: EventKindCode
    starts_at: IsoDatetime
    ends_at: IsoDatetime
    place: str = Field("", max_length=300)
    description: str = Field("", max_length=20_000)


class InvitationOut(Schema):
    id: int
    event: int
    contact: int
    contact_name: str
    company: int
    status: str = Field(description="invited (not answered), accepted or declined")
    invited_at: datetime.datetime
    invited_by: str
    answered_at: datetime.datetime | None
    answered_by: str | None = Field(description="The rep who set the answer; null when the contact answered")


class InvitationPage(Schema):
    items: list[InvitationOut]
    next: str | None


class CompanyFilterIn(Schema):
    model_config = ConfigDict(extra="forbid")

    q: str = ""
    owner: str = Field("", description="Username, or `me`")
    team: str = ""
    status: list[str] = []
    segment: str = ""
    industry: str = ""
    country: str = ""
    tag: list[str] = []
    is_key_account: StrictBool | None = None


class InviteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    contacts: list[RecordId] = Field([], max_length=1000, description="Ids of contacts to invite")
    company_filter: Annotated[CompanyFilterIn, BeforeValidator(filters_object)] | None = Field(
        None, description="Also invite the current contacts of the companies this company-list filter matches"
    )


class InviteOut(Schema):
    invited: list[InvitationOut]
    already_invited: list[int] = Field(description="Ids of contacts invited before")
    without_email: list[int] = Field(description="Ids of contacts left out: no email address")


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: StatusCode


def occasion_out(occasion: Occasion) -> dict[str, Any]:
    return {
        "kind": occasion.kind,
        "occasion": occasion.code,
        "name": occasion.name,
        "date": occasion.date,
        "year": occasion.year,
        "contact": occasion.contact.pk,
        "contact_name": occasion.contact.full_name,
        "company": occasion.company.pk,
        "has_email": bool(occasion.contact.email),
        "greeted": occasion.is_greeted,
    }


def greeting_out(greeting: Any) -> dict[str, Any]:
    return {
        "id": greeting.pk,
        "contact": greeting.contact_id,
        "occasion": greeting.occasion,
        "year": greeting.year,
        "sent_at": greeting.sent_at,
        "sent_by": greeting.sent_by.username,
        "message": greeting.message_id,
    }


def event_out(event: Event) -> dict[str, Any]:
    counts = {
        "invited": event.invited_count,  # type: ignore[attr-defined]
        "accepted": event.accepted_count,  # type: ignore[attr-defined]
        "declined": event.declined_count,  # type: ignore[attr-defined]
    }
    return {
        "id": event.pk,
        "name": event.name,
        "kind": event.kind,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "place": event.place,
        "description": event.description,
        "owner": event.owner.username,
        **counts,
        "not_answered": counts["invited"] - counts["accepted"] - counts["declined"],
        "version": event.version,
    }


def invitation_out(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "event": invitation.event_id,
        "contact": invitation.contact_id,
        "contact_name": invitation.contact.full_name,
        "company": invitation.contact.company_id,
        "status": invitation.status,
        "invited_at": invitation.invited_at,
        "invited_by": invitation.invited_by.username,
        "answered_at": invitation.answered_at,
        "answered_by": invitation.answered_by.username if invitation.answered_by else None,
    }


def _event(user: User, event_id: int) -> Event:
    return event_get(user=user, pk=event_id)


@router.get(
    "/greetings",
    response={200: OccasionList, **ERRORS},
    summary="Occasions to greet: birthdays and holidays of the contacts of your companies",
)
def greetings_list(
    request: HttpRequest,
    query: Query[OccasionParams],
) -> dict[str, Any]:
    user = reader(request, "greetings.view_greetingsent")
    first = query.start or local_today(user)
    occasions = occasions_between(
        owners=[user, *delegators(user)], start=first, end=first + datetime.timedelta(days=query.days - 1)
    )
    return {"items": [occasion_out(occasion) for occasion in occasions]}


@router.post(
    "/greetings",
    response={201: GreetingOut, 409: AlreadySentError, **ERRORS},
    summary="Send a greeting for an occasion (409 when it has been sent already: nothing is sent again)",
)
def greetings_send(request: HttpRequest, payload: GreetingIn) -> Status:
    user = reader(request, "greetings.add_greetingsent")
    contact = Contact.objects.visible_to(user).select_related("company").filter(pk=payload.contact_id).first()
    if contact is None:
        return not_found("contact_id", _("No contact with this id, or you may not see it."))
    try:
        greeting = greeting_send(actor=user, contact=contact, code=payload.occasion, year=payload.year)
    except GreetingAlreadySent as already:
        return Status(
            409,
            {
                "detail": _("This greeting has already been sent."),
                "errors": [{"field": "occasion", "message": _("already sent")}],
                "greeting": greeting_out(already.greeting),
            },
        )
    return Status(201, greeting_out(greeting))


@router.get("/events", response={200: EventPage, **ERRORS}, summary="List events, latest start first")
def events_list(
    request: HttpRequest,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, "greetings.view_event")
    page = keyset_paginate(event_list(user=user), ordering=["-starts_at", "-id"], cursor=cursor, limit=limit)
    return page_response({"items": [event_out(event) for event in page.items], "next": page.next_cursor})


@router.post("/events", response={201: EventOut, **ERRORS}, summary="Plan an event")
def events_create(request: HttpRequest, payload: EventIn) -> Status:
    user = reader(request, "greetings.add_event")
    event = event_create(actor=user, **payload.dict())
    return Status(201, event_out(_event(user, event.pk)))


@router.get("/events/{event_id}", response={200: EventOut, **ERRORS}, summary="Read an event with its counts")
def events_read(request: HttpRequest, event_id: int) -> dict[str, Any]:
    return event_out(_event(reader(request, "greetings.view_event"), event_id))


@router.get(
    "/events/{event_id}/invitations",
    response={200: InvitationPage, **ERRORS},
    summary="The event's invitations of contacts you see",
)
def invitations_list(
    request: HttpRequest,
    event_id: int,
    status: StatusCode | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> HttpResponse:
    user = reader(request, "greetings.view_invitation")
    event = _event(user, event_id)
    page = keyset_paginate(
        invitation_list(user=user, event=event, status=status), ordering=["id"], cursor=cursor, limit=limit
    )
    return page_response({"items": [invitation_out(item) for item in page.items], "next": page.next_cursor})


@router.post(
    "/events/{event_id}/invitations",
    response={201: InviteOut, **ERRORS},
    summary="Invite contacts (by id, or by a company filter): each gets the invitation mail once",
)
def invitations_create(request: HttpRequest, event_id: int, payload: InviteIn) -> Status:
    user = reader(request, "greetings.add_invitation")
    event = _event(user, event_id)
    company_filter = None
    if payload.company_filter is not None:
        company_filter = CompanyFilter(**payload.company_filter.dict())
    if not payload.contacts and (company_filter is None or not company_filter.is_filtering):
        raise ValidationError({"contacts": _("Choose contacts: give their ids or a company filter.")})
    contacts = invitation_candidates(user=user, contact_ids=payload.contacts, company_filter=company_filter)
    result = event_invite(event=event, actor=user, contacts=contacts)
    invited = invitation_list(user=user, event=event).filter(pk__in=[item.pk for item in result.invited])
    return Status(
        201,
        {
            "invited": [invitation_out(item) for item in invited.order_by("pk")],
            "already_invited": [contact.pk for contact in result.already_invited],
            "without_email": [contact.pk for contact in result.without_email],
        },
    )


@router.post(
    "/invitations/{invitation_id}/answer",
    response={200: InvitationOut, **ERRORS},
    summary="Set the answer to an invitation (e.g. heard on the phone)",
)
def invitations_answer(request: HttpRequest, invitation_id: int, payload: AnswerIn) -> dict[str, Any]:
    user = reader(request, "greetings.change_invitation")
    invitation = invitation_get(user=user, pk=invitation_id)
    invitation_answer(invitation=invitation, status=payload.status, actor=user)
    updated = invitation_list(user=user, event=invitation.event).get(pk=invitation.pk)
    return invitation_out(updated)
