"""Call lists in the API: list, build from the company filter, read with progress, assign, claim the next
entry, handle an entry (log the call / skip / snooze); scripts, the objection library and its report."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from klient.activities.api import IsoDate, NextStepIn
from klient.activities.calllists.models import CallList, CallListEntry, CallScript
from klient.activities.calllists.selectors import (
    Progress,
    call_list_assignees,
    call_list_get,
    call_list_list,
    call_list_progress,
    objection_library,
    objection_report,
    script_list,
)
from klient.activities.calllists.services import (
    EntryTaken,
    ObjectionUse,
    call_list_assign,
    call_list_build,
    call_list_entry_log,
    call_list_entry_skip,
    call_list_entry_snooze,
    call_list_next,
)
from klient.activities.services import call_outcome_get, contact_of
from klient.api.responses import page_response
from klient.api.schemas import ERRORS, Error
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_paginate
from klient.customers.api import (
    MAX_ID,
    CompanyFilterParams,
    IsoDatetime,
    RecordId,
    filters_object,
    list_filter,
    not_found,
    reader,
)
from klient.customers.filters import CompanyFilter

router = Router(tags=["call lists"])

VIEW = "calllists.view_calllist"


class ProgressOut(Schema):
    total: int
    done: int = Field(description="Called")
    skipped: int
    snoozed: int = Field(description="Snoozed until a time still ahead")
    left: int = Field(description="Still to call (snoozed entries whose time has come included)")


class CallListOut(Schema):
    id: int
    name: str
    script: int | None = Field(description="Id of the call script")
    filter: str = Field(description="The company list filter it was built from, as a query string")
    with_contacts: bool
    created_by: str = Field(description="Username")
    team: str | None = Field(description="Team name of the builder")
    assignees: list[str] = Field(description="Usernames of the users who work the list")
    progress: ProgressOut
    version: int
    created_at: datetime.datetime


class CallListPage(Schema):
    items: list[CallListOut]
    next: str | None


class CallListIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    script: RecordId | None = Field(None, description="Id of an active call script")
    with_contacts: StrictBool = Field(True, description="Add each company's first current contact")
    filter: Annotated[CompanyFilterParams, BeforeValidator(filters_object)] = Field(
        default_factory=CompanyFilterParams,  # type: ignore[arg-type]
        description="The company list's filters (as GET /companies takes them); the list keeps their order",
    )
    assignees: list[str] = Field([], description="Usernames (managers: members of their teams); default: you")
    round_robin: StrictBool = Field(False, description="Deal the entries out among the assignees in turn")


class AssignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    users: list[str] = Field(..., min_length=1, description="Usernames of members of your teams")
    round_robin: StrictBool = False


class CompanyBrief(Schema):
    id: int
    name: str
    status: str
    phone: str
    phone_e164: str


class ContactBrief(Schema):
    id: int
    name: str
    phone: str
    mobile: str
    email: str


class EntryOut(Schema):
    id: int
    position: int
    company: CompanyBrief
    contact: ContactBrief | None
    state: str = Field(description="open, done, skipped or snoozed")
    assigned_to: str | None = Field(description="Username when dealt out by round robin")
    snoozed_until: datetime.datetime | None
    skip_reason: str
    activity: int | None = Field(description="Id of the logged call")


class NextOut(Schema):
    entry: EntryOut | None = Field(description="The entry now yours to call; null when none is left now")
    progress: ProgressOut


class ObjectionUseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    objection: str = Field(..., description="Code of the objection")
    answer: RecordId | None = Field(None, description="Id of the answer used")
    overcome: StrictBool = False


class EntryActionIn(Schema):
    """`log` records the call (outcome required), `skip` puts the entry away (optional `reason`),
    `snooze` brings it back at `until`."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["log", "skip", "snooze"]
    outcome: str | None = Field(None, description="log: code of the call outcome")
    outcome_reason: str = Field("", max_length=200)
    contact: RecordId | None = Field(None, description="log: id of the contact; the entry's by default")
    direction: Literal["inbound", "outbound"] = "outbound"
    subject: str = Field("", max_length=200, description="log: the outcome's name when empty")
    notes: str = Field("", max_length=20_000)
    duration: StrictInt | None = Field(None, ge=0, le=24 * 3600, description="Seconds")
    next_step: NextStepIn | None = None
    objections: list[ObjectionUseIn] = Field([], description="log: objections that came up")
    reason: str = Field("", max_length=200, description="skip: why")
    until: IsoDatetime | None = Field(None, description="snooze: when to call again")


class EntryActionOut(Schema):
    entry: EntryOut
    progress: ProgressOut


class StepOut(Schema):
    position: int
    title: str
    prompt: str


class ScriptOut(Schema):
    id: int
    name: str
    description: str
    steps: list[StepOut]


class ScriptPage(Schema):
    items: list[ScriptOut]
    next: str | None


class AnswerOut(Schema):
    id: int
    text: str = Field(description="In the language asked for, else English")


class ObjectionOut(Schema):
    id: int
    code: str
    name: str = Field(description="In the language asked for, else English")
    answers: list[AnswerOut]


class ObjectionPage(Schema):
    items: list[ObjectionOut]
    next: str | None


class ReportRow(Schema):
    objection: str = Field(description="Code of the objection")
    objection_name: str
    answer: int | None = Field(description="Id of the answer used; null: none chosen")
    answer_text: str
    used: int
    overcome: int
    success_rate: float = Field(description="Overcome of used, per cent")


class ReportOut(Schema):
    start: datetime.date
    end: datetime.date
    items: list[ReportRow]


def _progress_out(progress: Progress) -> dict[str, int]:
    return {
        "total": progress.total,
        "done": progress.done,
        "skipped": progress.skipped,
        "snoozed": progress.snoozed,
        "left": progress.left,
    }


def _call_list_out(call_list: CallList, progress: Progress, assignees: list[User]) -> dict[str, Any]:
    return {
        "id": call_list.pk,
        "name": call_list.name,
        "script": call_list.script_id,
        "filter": call_list.filter_query,
        "with_contacts": call_list.with_contacts,
        "created_by": call_list.created_by.username,
        "team": call_list.team.name if call_list.team else None,
        "assignees": [user.username for user in assignees],
        "progress": _progress_out(progress),
        "version": call_list.version,
        "created_at": call_list.created_at,
    }


def _call_list_answer(user: User, pk: int) -> dict[str, Any]:
    call_list = call_list_get(user=user, pk=pk)
    return _call_list_out(call_list, call_list_progress([pk])[pk], call_list_assignees([pk])[pk])


def _entry_out(entry: CallListEntry) -> dict[str, Any]:
    company = entry.company
    contact = entry.contact
    return {
        "id": entry.pk,
        "position": entry.position,
        "company": {
            "id": company.pk,
            "name": company.name,
            "status": company.status,
            "phone": company.phone,
            "phone_e164": company.phone_e164,
        },
        "contact": None
        if contact is None
        else {
            "id": contact.pk,
            "name": str(contact),
            "phone": contact.phone,
            "mobile": contact.mobile,
            "email": contact.email,
        },
        "state": entry.state,
        "assigned_to": entry.assigned_to.username if entry.assigned_to else None,
        "snoozed_until": entry.snoozed_until,
        "skip_reason": entry.skip_reason,
        "activity": entry.activity_id,
    }


def _entry_get(pk: int) -> CallListEntry:
    return CallListEntry.objects.select_related("company", "contact", "assigned_to").get(pk=pk)


def _users(usernames: list[str], field: str) -> list[User]:
    found = {user.username: user for user in User.objects.filter(username__in=usernames, is_active=True)}
    missing = [name for name in usernames if name not in found]
    if missing:
        raise ValidationError({field: _("No active user named “%(name)s”.") % {"name": missing[0]}})
    return [found[name] for name in usernames]


def _taken() -> Status:
    return Status(
        409,
        {
            "detail": _("This entry is not yours to handle: a colleague has it, or it was dealt with."),
            "errors": [{"field": None, "message": _("ask for the next entry")}],
        },
    )


@router.get("/call-lists", response={200: CallListPage, **ERRORS}, summary="List the call lists you see")
def call_lists_list(
    request: HttpRequest, limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT), cursor: str | None = None
) -> HttpResponse:
    user = reader(request, VIEW)
    page = keyset_paginate(
        call_list_list(user=user), ordering=["-created_at", "-id"], cursor=cursor, limit=limit
    )
    ids = [call_list.pk for call_list in page.items]
    progress = call_list_progress(ids)
    assignees = call_list_assignees(ids)
    return page_response(
        {
            "items": [_call_list_out(item, progress[item.pk], assignees[item.pk]) for item in page.items],
            "next": page.next_cursor,
        }
    )


@router.post(
    "/call-lists",
    response={201: CallListOut, **ERRORS},
    summary="Build a call list from the company filter (the companies you see, in the filter's order)",
)
def call_lists_create(request: HttpRequest, payload: CallListIn) -> Status:
    user = reader(request, "calllists.add_calllist")
    script = None
    if payload.script is not None:
        script = CallScript.objects.filter(pk=payload.script).first()
        if script is None:
            return not_found("script", _("No call script with this id."))
    call_list = call_list_build(
        actor=user,
        name=payload.name,
        company_filter=list_filter(CompanyFilter, payload.filter),
        script=script,
        with_contacts=payload.with_contacts,
        assignees=_users(payload.assignees, "assignees"),
        round_robin=payload.round_robin,
    )
    return Status(201, _call_list_answer(user, call_list.pk))


@router.get("/call-lists/{call_list_id}", response={200: CallListOut, **ERRORS}, summary="Read a call list")
def call_lists_read(request: HttpRequest, call_list_id: int) -> dict[str, Any]:
    return _call_list_answer(reader(request, VIEW), call_list_id)


@router.post(
    "/call-lists/{call_list_id}/assign",
    response={200: CallListOut, **ERRORS},
    summary="Assign a call list to members of your teams (in place of those before)",
)
def call_lists_assign(request: HttpRequest, call_list_id: int, payload: AssignIn) -> dict[str, Any]:
    user = reader(request, "calllists.change_calllist")
    call_list = call_list_get(user=user, pk=call_list_id)
    call_list_assign(
        call_list=call_list, actor=user, users=_users(payload.users, "users"), round_robin=payload.round_robin
    )
    return _call_list_answer(user, call_list_id)


@router.post(
    "/call-lists/{call_list_id}/next",
    response={200: NextOut, **ERRORS},
    summary="Claim the next entry to call (the one you hold, if any); no colleague gets it meanwhile",
)
def call_lists_next(request: HttpRequest, call_list_id: int) -> dict[str, Any]:
    user = reader(request, VIEW)
    call_list = call_list_get(user=user, pk=call_list_id)
    entry = call_list_next(call_list=call_list, actor=user)
    return {
        "entry": None if entry is None else _entry_out(_entry_get(entry.pk)),
        "progress": _progress_out(call_list_progress([call_list.pk])[call_list.pk]),
    }


def _uses(items: list[ObjectionUseIn]) -> list[ObjectionUse]:
    library = {objection.code: objection for objection in objection_library()}
    uses = []
    for index, item in enumerate(items):
        objection = library.get(item.objection)
        if objection is None:
            raise ValidationError(
                {f"objections.{index}.objection": _("No objection “%(code)s”.") % {"code": item.objection}}
            )
        answer = None
        if item.answer is not None:
            answer = next((answer for answer in objection.answers.all() if answer.pk == item.answer), None)
            if answer is None:
                raise ValidationError({f"objections.{index}.answer": _("Not an answer to this objection.")})
        uses.append(ObjectionUse(objection, answer, item.overcome))
    return uses


@router.post(
    "/call-lists/{call_list_id}/entries/{entry_id}",
    response={200: EntryActionOut, 409: Error, **ERRORS},
    summary="Handle the entry you claimed: log the call, skip it or snooze it (409 when it is not yours)",
)
def call_lists_entry(
    request: HttpRequest, call_list_id: int, entry_id: int, payload: EntryActionIn
) -> Status | dict[str, Any]:
    user = reader(request, VIEW)
    call_list = call_list_get(user=user, pk=call_list_id)
    entry = CallListEntry.objects.select_related("company", "contact").get(call_list=call_list, pk=entry_id)
    try:
        if payload.action == "log":
            reader(request, "activities.add_activity")
            if not payload.outcome:
                raise ValidationError({"outcome": _("Give the call's outcome.")})
            outcome = call_outcome_get(payload.outcome)
            call_list_entry_log(
                entry=entry,
                actor=user,
                objections=_uses(payload.objections),
                next_step=payload.next_step.dict() if payload.next_step else None,
                outcome=outcome,
                outcome_reason=payload.outcome_reason,
                # The entry's contact unless the call was with someone else.
                contact=entry.contact
                if payload.contact is None
                else contact_of(entry.company, payload.contact),
                direction=payload.direction,
                subject=payload.subject or outcome.label,
                notes=payload.notes,
                duration=payload.duration,
                done_at=timezone.now(),
            )
        elif payload.action == "skip":
            call_list_entry_skip(entry=entry, actor=user, reason=payload.reason)
        else:
            if payload.until is None:
                raise ValidationError({"until": _("Say until when.")})
            call_list_entry_snooze(entry=entry, actor=user, until=payload.until)
    except EntryTaken:
        return _taken()
    return {
        "entry": _entry_out(_entry_get(entry.pk)),
        "progress": _progress_out(call_list_progress([call_list.pk])[call_list.pk]),
    }


@router.get("/scripts", response={200: ScriptPage, **ERRORS}, summary="List the call scripts in use")
def scripts_list(
    request: HttpRequest, limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT), cursor: str | None = None
) -> HttpResponse:
    reader(request, "calllists.view_callscript")
    page = keyset_paginate(script_list(), ordering=["name", "id"], cursor=cursor, limit=limit)
    items = [
        {
            "id": script.pk,
            "name": script.name,
            "description": script.description,
            "steps": [
                {"position": index, "title": step.title, "prompt": step.prompt}
                for index, step in enumerate(script.steps.all(), start=1)
            ],
        }
        for script in page.items
    ]
    return page_response({"items": items, "next": page.next_cursor})


@router.get(
    "/objections",
    response={200: ObjectionPage, **ERRORS},
    summary="The objection library with recommended answers in your language (or `language`)",
)
def objections_list(request: HttpRequest, language: str | None = None) -> HttpResponse:
    reader(request, "calllists.view_objection")
    language = language or translation.get_language() or "en"
    items = [
        {
            "id": objection.pk,
            "code": objection.code,
            "name": objection.name_in(language),
            "answers": [
                {"id": answer.pk, "text": answer.text_in(language)} for answer in objection.answers.all()
            ],
        }
        for objection in objection_library()
    ]
    return page_response({"items": items, "next": None})


class ReportParams(Schema):
    start: IsoDate | None = Field(
        None, description="First day (your time zone); default: 29 days before `end`"
    )
    end: IsoDate | None = Field(None, description="Last day, included; default: today")
    rep: str | None = Field(None, description="Username: only this rep's calls")
    team: int | None = Field(None, ge=1, le=MAX_ID, description="Team id: only its members' calls")


@router.get(
    "/objections/report",
    response={200: ReportOut, **ERRORS},
    summary="Which answers work: per objection and answer, times used and overcome in a period",
)
def objections_report(request: HttpRequest, query: Query[ReportParams]) -> dict[str, Any]:
    user = reader(request, "calllists.view_objectionmark")
    end = query.end or timezone.now().astimezone(user.tzinfo).date()
    start = query.start or end - datetime.timedelta(days=29)
    if end < start:
        raise ValidationError({"end": _("The period ends before it starts.")})
    rep = None
    if query.rep:
        # The report counts only the reps the caller may see: another rep's name finds nothing.
        rep = User.objects.filter(username=query.rep).first()
        if rep is None:
            return {"start": start, "end": end, "items": []}
    language = translation.get_language() or "en"
    rows = objection_report(user=user, start=start, end=end, rep=rep, team_id=query.team)
    return {
        "start": start,
        "end": end,
        "items": [
            {
                "objection": row.objection.code,
                "objection_name": row.objection.name_in(language),
                "answer": row.answer.pk if row.answer else None,
                "answer_text": row.answer.text_in(language) if row.answer else "",
                "used": row.used,
                "overcome": row.overcome,
                "success_rate": row.success_rate,
            }
            for row in rows
        ],
    }
