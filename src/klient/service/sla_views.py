"""Pages of business calendars and SLA policies under /service/: lists, forms (a calendar's hours one line
per weekday, "09:00-13:00, 14:00-18:00"; a policy's targets as a table per priority), and on a calendar's
page its next opening and a due-time calculator. Service-desk managers and administrators only."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.service.models import BusinessCalendar, Channel, Priority, Queue, SlaPolicy, TicketType
from klient.service.sla import WEEKDAYS, NoBusinessTime, add_business_minutes, schedule_for
from klient.service.sla_services import (
    TARGET_MINUTES,
    calendar_create,
    calendar_update,
    policy_create,
    policy_update,
)

WEEKDAY_LABELS = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
TARGET_LABELS = {
    "first_response_minutes": gettext_lazy("First response"),
    "next_response_minutes": gettext_lazy("Next response"),
    "resolution_minutes": gettext_lazy("Resolution"),
}
PRIORITIES = ["urgent", "high", "normal", "low"]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def hours_text(intervals: list[list[str]]) -> str:
    """A weekday's hours as one line: "09:00-13:00, 14:00-18:00"."""
    return ", ".join(f"{start}-{end}" for start, end in intervals)


def hours_from_text(text: str) -> list[list[str]]:
    """ "09:00-13:00, 14:00-18:00" as [["09:00", "13:00"], ["14:00", "18:00"]]; an empty line is closed."""
    intervals = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        start, dash, end = part.replace("–", "-").partition("-")
        if not dash:
            raise forms.ValidationError(_("Write the hours as 09:00-17:00 (several separated by commas)."))
        intervals.append([start.strip(), end.strip()])
    return intervals


class CalendarForm(forms.Form):
    """A calendar's settings, the hours one line per weekday."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    timezone = forms.CharField(label=gettext_lazy("Time zone"), max_length=64, initial="UTC")
    holiday_country = forms.CharField(
        label=gettext_lazy("Public holidays of (country code)"), max_length=2, required=False
    )
    holiday_subdivision = forms.CharField(label=gettext_lazy("Region"), max_length=10, required=False)
    closed_days = forms.CharField(
        label=gettext_lazy("Extra closed days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One date a line, YYYY-MM-DD."),
    )
    is_default = forms.BooleanField(label=gettext_lazy("Default calendar"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=WEEKDAY_LABELS[day],
                required=False,
                help_text=gettext_lazy("e.g. 09:00-13:00, 14:00-18:00; empty: closed"),
            )

    @staticmethod
    def initial_of(calendar: BusinessCalendar) -> dict[str, Any]:
        return {
            "name": calendar.name,
            "timezone": calendar.timezone,
            "holiday_country": calendar.holiday_country,
            "holiday_subdivision": calendar.holiday_subdivision,
            "closed_days": "\n".join(calendar.closed_days or []),
            "is_default": calendar.is_default,
            **{f"hours_{day}": hours_text((calendar.hours or {}).get(day, [])) for day in WEEKDAYS},
        }

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        hours: dict[str, Any] = {}
        for day in WEEKDAYS:
            try:
                intervals = hours_from_text(data.get(f"hours_{day}") or "")
            except forms.ValidationError as error:
                self.add_error(f"hours_{day}", error)
                continue
            if intervals:
                hours[day] = intervals
        return {
            "name": data["name"],
            "timezone": data["timezone"].strip(),
            "hours": hours,
            "holiday_country": data.get("holiday_country") or "",
            "holiday_subdivision": data.get("holiday_subdivision") or "",
            "closed_days": [day for day in (data.get("closed_days") or "").replace(",", " ").split() if day],
            "is_default": bool(data.get("is_default")),
        }


class PolicyForm(forms.Form):
    """A policy's settings, its conditions and its targets per priority."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    calendar = forms.ModelChoiceField(label=gettext_lazy("Calendar"), queryset=BusinessCalendar.objects.all())
    order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=1_000_000, initial=100)
    is_default = forms.BooleanField(label=gettext_lazy("Default policy"), required=False)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    queues = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Queues"),
        queryset=Queue.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    types = forms.MultipleChoiceField(
        label=gettext_lazy("Types"),
        choices=TicketType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priorities = forms.MultipleChoiceField(
        label=gettext_lazy("Priorities"),
        choices=Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    key_account = forms.BooleanField(label=gettext_lazy("Key accounts only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for priority in PRIORITIES:
            for name in TARGET_MINUTES:
                self.fields[f"{priority}_{name}"] = forms.IntegerField(
                    label=f"{Priority(priority).label}: {TARGET_LABELS[name]}",
                    required=False,
                    min_value=1,
                    max_value=527_040,
                )

    def target_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "label": Priority(priority).label,
                "fields": [self[f"{priority}_{name}"] for name in TARGET_MINUTES],
            }
            for priority in PRIORITIES
        ]

    @staticmethod
    def initial_of(policy: SlaPolicy) -> dict[str, Any]:
        conditions = policy.conditions or {}
        initial: dict[str, Any] = {
            "name": policy.name,
            "calendar": policy.calendar_id,
            "order": policy.order,
            "is_default": policy.is_default,
            "is_active": policy.is_active,
            "queues": conditions.get("queues", []),
            "types": conditions.get("types", []),
            "channels": conditions.get("channels", []),
            "priorities": conditions.get("priorities", []),
            "key_account": bool(conditions.get("key_account")),
        }
        for target in policy.targets.all():
            for name in TARGET_MINUTES:
                initial[f"{target.priority}_{name}"] = getattr(target, name)
        return initial

    def data_for_service(self, keep: dict[str, Any] | None = None) -> dict[str, Any]:
        data = self.cleaned_data
        conditions: dict[str, Any] = {}
        if keep and keep.get("companies"):
            conditions["companies"] = keep["companies"]  # set through the API; kept as it is
        if data.get("queues"):
            conditions["queues"] = [queue.pk for queue in data["queues"]]
        for name in ("types", "channels", "priorities"):
            if data.get(name):
                conditions[name] = list(data[name])
        if data.get("key_account"):
            conditions["key_account"] = True
        targets = []
        for priority in PRIORITIES:
            row = {name: data.get(f"{priority}_{name}") for name in TARGET_MINUTES}
            if any(value is not None for value in row.values()):
                targets.append({"priority": priority, **row})
        return {
            "name": data["name"],
            "calendar": data["calendar"],
            "order": data["order"],
            "is_default": bool(data.get("is_default")),
            "is_active": bool(data.get("is_active")),
            "conditions": conditions,
            "targets": targets,
        }


def _errors_to_form(form: forms.Form, error: ValidationError | NotAllowed) -> None:
    if isinstance(error, NotAllowed) or not hasattr(error, "error_dict"):
        form.add_error(None, str(error) if isinstance(error, NotAllowed) else " ".join(error.messages))
        return
    for field, texts in error.message_dict.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


# --- calendars -------------------------------------------------------------------------------------------


@login_required
@permission_required("service.view_businesscalendar", raise_exception=True)
def calendar_list_view(request: HttpRequest) -> HttpResponse:
    """The business calendars, each with its next opening."""
    now = timezone.now()
    calendars = [
        {"calendar": calendar, "next_opening": schedule_for(calendar).next_opening(now)}
        for calendar in BusinessCalendar.objects.order_by("name")
    ]
    return render(
        request,
        "service/sla/calendar_list.html",
        {"calendars": calendars, "can_add": _user(request).has_perm("service.add_businesscalendar")},
    )


@login_required
@permission_required("service.add_businesscalendar", raise_exception=True)
def calendar_create_view(request: HttpRequest) -> HttpResponse:
    """A new business calendar."""
    status = 200
    if request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid():
            data = form.data_for_service()
            if form.is_valid():
                try:
                    calendar = calendar_create(actor=_user(request), **data)
                except (ValidationError, NotAllowed) as error:
                    _errors_to_form(form, error)
                else:
                    messages.success(request, _("Calendar saved."))
                    return redirect("service:sla_calendar", pk=calendar.pk)
        status = 400
    else:
        form = CalendarForm(initial={"hours_" + day: "09:00-17:00" for day in WEEKDAYS[:5]})
    return render(request, "service/sla/calendar_form.html", {"form": form, "calendar": None}, status=status)


def _calculator(request: HttpRequest, calendar: BusinessCalendar) -> dict[str, Any]:
    """The due-time calculator: a start (in the calendar's time zone) plus business minutes."""
    start_text = request.GET.get("start", "").strip()
    minutes_text = request.GET.get("minutes", "").strip()
    result: dict[str, Any] = {"start": start_text, "minutes": minutes_text, "due": None, "error": ""}
    if not start_text and not minutes_text:
        return result
    zone = zoneinfo.ZoneInfo(calendar.timezone)
    try:
        start = datetime.datetime.fromisoformat(start_text)
        minutes = int(minutes_text)
        if not 0 <= minutes <= 527_040:
            raise ValueError(minutes_text)
    except ValueError:
        result["error"] = _("Give a start (YYYY-MM-DD HH:MM) and whole minutes (0 to 527040).")
        return result
    if timezone.is_naive(start):
        start = start.replace(tzinfo=zone)
    try:
        result["due"] = (
            add_business_minutes(calendar, start, minutes).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        )
    except NoBusinessTime:
        result["error"] = _("The calendar never opens.")
    return result


@login_required
@permission_required("service.view_businesscalendar", raise_exception=True)
def calendar_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A calendar: its settings (a form for those who may change it), its next opening and the due-time
    calculator."""
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    user = _user(request)
    can_change = user.has_perm("service.change_businesscalendar")
    status = 200
    if request.method == "POST":
        if not can_change:
            return HttpResponse(status=403)
        form = CalendarForm(request.POST)
        if form.is_valid():
            data = form.data_for_service()
            if form.is_valid():
                try:
                    calendar_update(calendar=calendar, actor=user, **data)
                except (ValidationError, NotAllowed) as error:
                    _errors_to_form(form, error)
                else:
                    messages.success(request, _("Calendar saved."))
                    return redirect("service:sla_calendar", pk=calendar.pk)
        status = 400
    else:
        form = CalendarForm(initial=CalendarForm.initial_of(calendar))
    zone = zoneinfo.ZoneInfo(calendar.timezone)
    next_opening = schedule_for(calendar).next_opening(timezone.now())
    return render(
        request,
        "service/sla/calendar_form.html",
        {
            "form": form,
            "calendar": calendar,
            "can_change": can_change,
            "next_opening": next_opening.astimezone(zone).strftime("%Y-%m-%d %H:%M") if next_opening else "",
            "calculator": _calculator(request, calendar),
            "policies": calendar.policies.order_by("order", "name"),
        },
        status=status,
    )


# --- policies --------------------------------------------------------------------------------------------


@login_required
@permission_required("service.view_slapolicy", raise_exception=True)
def policy_list_view(request: HttpRequest) -> HttpResponse:
    """The SLA policies in the order they are tried, with their targets."""
    policies = (
        SlaPolicy.objects.select_related("calendar").prefetch_related("targets").order_by("order", "name")
    )
    rows = []
    for policy in policies:
        targets = {target.priority: target for target in policy.targets.all()}
        rows.append({"policy": policy, "targets": [targets.get(priority) for priority in PRIORITIES]})
    return render(
        request,
        "service/sla/policy_list.html",
        {
            "rows": rows,
            "priorities": [Priority(priority).label for priority in PRIORITIES],
            "can_add": _user(request).has_perm("service.add_slapolicy"),
        },
    )


@login_required
@permission_required("service.add_slapolicy", raise_exception=True)
def policy_create_view(request: HttpRequest) -> HttpResponse:
    """A new SLA policy with its targets."""
    status = 200
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                policy = policy_create(actor=_user(request), **form.data_for_service())
            except (ValidationError, NotAllowed) as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("Policy saved."))
                return redirect("service:sla_policy", pk=policy.pk)
        status = 400
    else:
        form = PolicyForm(initial={"calendar": BusinessCalendar.objects.filter(is_default=True).first()})
    return render(request, "service/sla/policy_form.html", {"form": form, "policy": None}, status=status)


@login_required
@permission_required("service.view_slapolicy", raise_exception=True)
def policy_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A policy: its settings, conditions and targets (a form for those who may change it)."""
    policy = get_object_or_404(SlaPolicy.objects.prefetch_related("targets"), pk=pk)
    user = _user(request)
    can_change = user.has_perm("service.change_slapolicy")
    status = 200
    if request.method == "POST":
        if not can_change:
            return HttpResponse(status=403)
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                policy_update(policy=policy, actor=user, **form.data_for_service(keep=policy.conditions))
            except (ValidationError, NotAllowed) as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("Policy saved."))
                return redirect("service:sla_policy", pk=policy.pk)
        status = 400
    else:
        form = PolicyForm(initial=PolicyForm.initial_of(policy))
    return render(
        request,
        "service/sla/policy_form.html",
        {"form": form, "policy": policy, "can_change": can_change},
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("calendars/", calendar_list_view, name="sla_calendar_list"),
    path("calendars/new/", calendar_create_view, name="sla_calendar_create"),
    path("calendars/<int:pk>/", calendar_detail_view, name="sla_calendar"),
    path("sla-policies/", policy_list_view, name="sla_policy_list"),
    path("sla-policies/new/", policy_create_view, name="sla_policy_create"),
    path("sla-policies/<int:pk>/", policy_detail_view, name="sla_policy"),
]
