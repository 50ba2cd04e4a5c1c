"""Call list screens: the lists, building one from the company filter, assigning it, working it one entry
at a time (log & next, skip, snooze), the scripts, the objection library and which answers work."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klient.activities.calllists.forms import (
    AssignForm,
    CallListBuildForm,
    SkipForm,
    SnoozeForm,
    objection_uses,
)
from klient.activities.calllists.models import CallList, CallListEntry, Objection
from klient.activities.calllists.selectors import (
    call_list_assignees,
    call_list_entries,
    call_list_get,
    call_list_list,
    call_list_progress,
    last_activities,
    objection_library,
    objection_report,
    report_scope,
    script_list,
)
from klient.activities.calllists.services import (
    EntryTaken,
    call_list_assign,
    call_list_build,
    call_list_entry_log,
    call_list_entry_skip,
    call_list_entry_snooze,
    call_list_next,
    works_on,
)
from klient.activities.forms import CallLogForm
from klient.core.exceptions import NotAllowed
from klient.core.models import Note, Team, User
from klient.core.pagination import keyset_paginate
from klient.core.visibility import local_today, user_team_ids
from klient.customers.filters import CompanyFilter, CompanyFilterPanel
from klient.customers.models import Company

VIEW = "calllists.view_calllist"
ENTRIES_PER_PAGE = 100
REPORT_DAYS = 30


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _call_list(user: User, pk: int) -> CallList:
    try:
        return call_list_get(user=user, pk=pk)
    except CallList.DoesNotExist:
        raise Http404 from None


def _form_errors(form: Any, error: ValidationError, names: dict[str, str] | None = None) -> None:
    for field, errors in error.message_dict.items():
        name = (names or {}).get(field, field)
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def call_list_list_view(request: HttpRequest) -> HttpResponse:
    """The call lists the user sees, newest first, each with its progress and assignees."""
    user = _user(request)
    page = keyset_paginate(
        call_list_list(user=user), ordering=["-created_at", "-id"], cursor=request.GET.get("cursor"), limit=50
    )
    ids = [call_list.pk for call_list in page.items]
    progress = call_list_progress(ids)
    assignees = call_list_assignees(ids)
    rows = [(call_list, progress[call_list.pk], assignees[call_list.pk]) for call_list in page.items]
    return render(
        request,
        "calllists/call_list_list.html",
        {
            "rows": rows,
            "page": page,
            "can_build": user.has_perm("calllists.add_calllist"),
            "can_report": True,
        },
    )


def _filter_panel(company_filter: CompanyFilter) -> CompanyFilterPanel:
    people = User.objects.filter(is_active=True).exclude(role="portal").order_by("username")
    return CompanyFilterPanel(
        company_filter,
        owners=[(user.username, str(user)) for user in people.only("username", "first_name", "last_name")],
        teams=[(str(pk), name) for pk, name in Team.objects.order_by("name").values_list("pk", "name")],
        tags=[],
    )


@login_required
@permission_required("calllists.add_calllist", raise_exception=True)
def call_list_build_view(request: HttpRequest) -> HttpResponse:
    """Build a call list from the company filter (the company list's query string fills it in)."""
    user = _user(request)
    query = request.POST if request.method == "POST" else request.GET
    company_filter = CompanyFilter.from_query(query)
    form = CallListBuildForm(request.POST or None, actor=user, initial={"with_contacts": True})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                call_list = call_list_build(
                    actor=user,
                    name=data["name"],
                    company_filter=company_filter,
                    script=data["script"],
                    with_contacts=data["with_contacts"],
                    assignees=list(data.get("users") or []),
                    round_robin=data.get("round_robin") or False,
                )
            except ValidationError as error:
                _form_errors(form, error, {"filter": "__all__"})
            else:
                messages.success(request, _("Call list built."))
                return redirect("calllists:detail", call_list.pk)
        status = 400
    matching = company_filter.apply(Company.objects.visible_to(user), username=user.username).count()
    return render(
        request,
        "calllists/call_list_build.html",
        {
            "form": form,
            "filter_form": _filter_panel(company_filter),
            "matching": matching,
            "filter_pairs": [
                (key, value)
                for key, values in QueryDict(company_filter.to_query()).lists()
                for value in values
            ],
        },
        status=status,
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def call_list_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A call list: its progress, who works it, its entries in order, and (for managers) assigning it."""
    user = _user(request)
    call_list = _call_list(user, pk)
    page = keyset_paginate(
        call_list_entries(call_list=call_list),
        ordering=["position", "id"],
        cursor=request.GET.get("cursor"),
        limit=ENTRIES_PER_PAGE,
    )
    assignees = call_list_assignees([call_list.pk])[call_list.pk]
    can_assign = user.has_perm("calllists.change_calllist")
    assign_form = (
        AssignForm(actor=user, initial={"users": [assignee.pk for assignee in assignees]})
        if can_assign
        else None
    )
    return render(
        request,
        "calllists/call_list_detail.html",
        {
            "call_list": call_list,
            "progress": call_list_progress([call_list.pk])[call_list.pk],
            "assignees": assignees,
            "page": page,
            "assign_form": assign_form,
            "can_work": works_on(call_list, user),
        },
    )


@login_required
@permission_required("calllists.change_calllist", raise_exception=True)
@require_POST
def call_list_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the list to members of the manager's team, in turn or shared."""
    user = _user(request)
    call_list = _call_list(user, pk)
    form = AssignForm(request.POST, actor=user)
    if form.is_valid():
        try:
            call_list_assign(
                call_list=call_list,
                actor=user,
                users=list(form.cleaned_data["users"]),
                round_robin=form.cleaned_data["round_robin"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Call list assigned."))
            return redirect("calllists:detail", call_list.pk)
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))
    return redirect("calllists:detail", call_list.pk)


def _work_context(
    request: HttpRequest, call_list: CallList, entry: CallListEntry | None, **forms: Any
) -> dict[str, Any]:
    user = _user(request)
    language = translation.get_language() or "en"
    context: dict[str, Any] = {
        "call_list": call_list,
        "entry": entry,
        "progress": call_list_progress([call_list.pk])[call_list.pk],
        "steps": list(call_list.script.steps.order_by("position", "id")) if call_list.script else [],
        "objections": [
            (
                objection,
                objection.name_in(language),
                [(answer, answer.text_in(language)) for answer in objection.answers.all()],
            )
            for objection in objection_library()
        ],
        "ticked": {int(raw) for raw in request.POST.getlist("objection") if raw.isdigit()},
    }
    if entry is not None:
        company = entry.company
        context |= {
            "company": company,
            "other_phones": [phone.strip() for phone in company.other_phones.split(",") if phone.strip()],
            "activities": last_activities(user=user, company_id=company.pk),
            "notes": list(Note.objects.filter(company_id=company.pk).select_related("author")[:3]),
            "call_form": forms.get("call_form")
            or CallLogForm(
                company=company,
                user=user,
                initial={"contact": str(entry.contact_id) if entry.contact_id else ""},
            ),
            "skip_form": forms.get("skip_form") or SkipForm(),
            "snooze_form": forms.get("snooze_form") or SnoozeForm(user=user),
        }
    return context


@login_required
@permission_required(VIEW, raise_exception=True)
def call_list_work_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Work the list: the next entry (claimed for the user alone) with the company's summary, the
    script, the objection library and the call form."""
    user = _user(request)
    call_list = _call_list(user, pk)
    try:
        entry = call_list_next(call_list=call_list, actor=user)
    except NotAllowed as error:
        messages.error(request, str(error))
        return redirect("calllists:detail", call_list.pk)
    if entry is not None:
        entry = CallListEntry.objects.select_related("company", "contact").get(pk=entry.pk)
    return render(request, "calllists/call_list_work.html", _work_context(request, call_list, entry))


def _entry(user: User, pk: int, entry_pk: int) -> tuple[CallList, CallListEntry]:
    call_list = _call_list(user, pk)
    entry = (
        CallListEntry.objects.filter(call_list=call_list, pk=entry_pk)
        .select_related("company", "contact")
        .first()
    )
    if entry is None:
        raise Http404
    return call_list, entry


def _taken(request: HttpRequest, call_list: CallList) -> HttpResponse:
    messages.warning(
        request, _("A colleague has this entry (or it was dealt with already): here is the next one.")
    )
    return redirect("calllists:work", call_list.pk)


@login_required
@permission_required("activities.add_activity", raise_exception=True)
@require_POST
def entry_log_view(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Log the call of the entry (outcome, notes, next step, objections) and go on to the next one."""
    user = _user(request)
    call_list, entry = _entry(user, pk, entry_pk)
    form = CallLogForm(request.POST, company=entry.company, user=user)
    uses, errors = objection_uses(request.POST, objection_library())
    if form.is_valid() and not errors:
        values = form.values()
        next_step = values.pop("next_step", None)
        try:
            call_list_entry_log(entry=entry, actor=user, objections=uses, next_step=next_step, **values)
        except EntryTaken:
            return _taken(request, call_list)
        except ValidationError as error:
            _form_errors(
                form,
                error,
                {
                    "next_step.subject": "next_subject",
                    "next_step.due_at": "next_due",
                    "objections": "__all__",
                },
            )
        else:
            messages.success(request, _("Call logged."))
            return redirect("calllists:work", call_list.pk)
    for message in errors:
        form.add_error(None, message)
    context = _work_context(request, call_list, entry, call_form=form)
    return render(request, "calllists/call_list_work.html", context, status=400)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def entry_skip_view(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Skip the entry (with an optional reason) and go on to the next one."""
    user = _user(request)
    call_list, entry = _entry(user, pk, entry_pk)
    form = SkipForm(request.POST)
    if form.is_valid():
        try:
            call_list_entry_skip(entry=entry, actor=user, reason=form.cleaned_data["reason"])
        except EntryTaken:
            return _taken(request, call_list)
        messages.success(request, _("Skipped."))
        return redirect("calllists:work", call_list.pk)
    context = _work_context(request, call_list, entry, skip_form=form)
    return render(request, "calllists/call_list_work.html", context, status=400)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def entry_snooze_view(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Put the entry aside until a time on the rep's clock, and go on to the next one."""
    user = _user(request)
    call_list, entry = _entry(user, pk, entry_pk)
    form = SnoozeForm(request.POST, user=user)
    if form.is_valid():
        try:
            call_list_entry_snooze(entry=entry, actor=user, until=form.cleaned_data["until"])
        except EntryTaken:
            return _taken(request, call_list)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Snoozed."))
            return redirect("calllists:work", call_list.pk)
    context = _work_context(request, call_list, entry, snooze_form=form)
    return render(request, "calllists/call_list_work.html", context, status=400)


@login_required
@permission_required("calllists.view_callscript", raise_exception=True)
@require_GET
def script_list_view(request: HttpRequest) -> HttpResponse:
    """The call scripts in use, each with its steps."""
    return render(request, "calllists/script_list.html", {"scripts": list(script_list())})


@login_required
@permission_required("calllists.view_callscript", raise_exception=True)
@require_GET
def script_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One call script with its steps."""
    script = script_list(active_only=False).filter(pk=pk).first()
    if script is None:
        raise Http404
    return render(request, "calllists/script_detail.html", {"script": script})


@login_required
@permission_required("calllists.view_objection", raise_exception=True)
@require_GET
def objection_list_view(request: HttpRequest) -> HttpResponse:
    """The objection library with the recommended answers in the reader's language."""
    language = translation.get_language() or "en"
    library: list[tuple[Objection, str, list[str]]] = [
        (
            objection,
            objection.name_in(language),
            [answer.text_in(language) for answer in objection.answers.all()],
        )
        for objection in objection_library()
    ]
    return render(request, "calllists/objection_list.html", {"library": library})


def _parse_day(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@permission_required("calllists.view_objectionmark", raise_exception=True)
@require_GET
def objection_report_view(request: HttpRequest) -> HttpResponse:
    """Which answers work: per objection and answer, times used, overcome and the success rate in a period,
    for the reps the user may count (a manager's team, else the user), narrowed to a rep or a team."""
    user = _user(request)
    today = local_today(user)
    end = _parse_day(request.GET.get("end")) or today
    start = _parse_day(request.GET.get("start")) or end - datetime.timedelta(days=REPORT_DAYS - 1)
    scope = report_scope(user)
    reps = User.objects.filter(is_active=True).exclude(role="portal").order_by("username")
    teams = Team.objects.order_by("name")
    if scope is not None:
        team_ids = user_team_ids(user) if user.has_perm("calllists.change_calllist") else set()
        reps = reps.filter(pk=user.pk) | reps.filter(team_id__in=team_ids)
        teams = teams.filter(pk__in=team_ids)
    rep_name = request.GET.get("rep", "")
    rep = reps.filter(username=rep_name).first() if rep_name else None
    team_id = int(request.GET["team"]) if request.GET.get("team", "").isdigit() else None
    rows = []
    if start <= end and (not rep_name or rep is not None):
        rows = objection_report(user=user, start=start, end=end, rep=rep, team_id=team_id)
    language = translation.get_language() or "en"
    return render(
        request,
        "calllists/objection_report.html",
        {
            "rows": [
                (
                    result,
                    result.objection.name_in(language),
                    result.answer.text_in(language) if result.answer else "",
                )
                for result in rows
            ],
            "start": start,
            "end": end,
            "reps": list(reps.only("username", "first_name", "last_name")),
            "teams": list(teams),
            "rep_name": rep_name,
            "team_id": team_id,
        },
    )
