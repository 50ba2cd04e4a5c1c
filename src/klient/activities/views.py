"""Activity screens: logging a call from the client card, My Day, targets."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from klient.activities.forms import CallLogForm, TargetForm
from klient.activities.models import Metric, Period
from klient.activities.myday import MyDayItem, myday_build
from klient.activities.myday_sources import card_url
from klient.activities.services import activity_create
from klient.activities.targets import (
    people_to_follow,
    target_set,
    targets_history,
    targets_progress,
    targets_set_by_view,
    team_board,
)
from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.core.visibility import local_today
from klient.customers.models import Company
from klient.customers.selectors import company_get
from klient.customers.views import card_context


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@permission_required("activities.add_activity", raise_exception=True)
@require_POST
def call_log_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a call logged from the client card, and its next step; back to the card's timeline."""
    user = _user(request)
    try:
        company = company_get(user=user, pk=pk)
    except Company.DoesNotExist:
        raise Http404 from None
    form = CallLogForm(request.POST, company=company, user=user)
    if form.is_valid():
        try:
            activity_create(actor=user, company=company, **form.values())
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                name = {"next_step.subject": "next_subject", "next_step.due_at": "next_due"}.get(field, field)
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Call logged."))
            return redirect(reverse("customers:company_detail", args=[pk]) + "#timeline")
    # What was typed stays in the form, open.
    context = card_context(request, company, call_form=form, call_form_open=True)
    return render(request, "customers/company_detail.html", context, status=400)


# --- My Day and targets -----------------------------------------------------------------------------

# Headings of My Day's groups, by source name (sources of other apps included).
GROUP_TITLES = {
    "overdue": gettext_lazy("Overdue"),
    "tasks": gettext_lazy("Tasks and follow-ups due today"),
    "calls": gettext_lazy("Calls scheduled"),
    "meetings": gettext_lazy("Meetings and visits"),
    "call_lists": gettext_lazy("Call lists"),
    "negotiate": gettext_lazy("Clients to negotiate with soon"),
    "renewals": gettext_lazy("Contracts to renew"),
    "card_reviews": gettext_lazy("Client cards to review"),
    "greetings": gettext_lazy("Birthdays and holidays"),
}


def _day_from(request: HttpRequest, user: User) -> datetime.date:
    raw = request.GET.get("date", "")
    try:
        return datetime.date.fromisoformat(raw) if raw else local_today(user)
    except ValueError:
        return local_today(user)


def _entry(item: MyDayItem, user: User, day: datetime.date) -> dict[str, str]:
    """What the page shows of one item, formatted here (a page of hundreds of items renders fast): a
    time due on the day shows as a time, another day's with its date; in the user's time zone."""
    due_iso = due_text = ""
    if isinstance(item.due, datetime.datetime):
        local = item.due.astimezone(user.tzinfo)
        due_iso = local.isoformat()
        if local.date() == day:
            due_text = formats.time_format(local, "TIME_FORMAT")
        else:
            due_text = formats.date_format(local, "SHORT_DATETIME_FORMAT")
    elif item.due is not None:
        due_iso = item.due.isoformat()
        due_text = formats.date_format(item.due, "SHORT_DATE_FORMAT")
    # The line under the title: company, contact, due time and detail, each escaped, joined by " · ".
    parts = []
    company = item.company
    if company is not None and company.name != item.title:
        parts.append(format_html('<a href="{}">{}</a>', card_url(company.pk, ""), company.name))
    if item.contact is not None:
        parts.append(conditional_escape(str(item.contact)))
    if due_text:
        parts.append(format_html('<time datetime="{}">{}</time>', due_iso, due_text))
    if item.detail:
        parts.append(format_html('<span data-field="detail">{}</span>', item.detail))
    return {
        "kind": item.kind,
        "title": item.title,
        "url": item.url,
        "for_name": str(item.owner) if item.owner.pk != user.pk else "",
        "meta": mark_safe(" · ".join(parts)),  # noqa: S308 - every part is escaped above
        "action_url": item.action_url,
        "action_label": item.action_label,
    }


@login_required
@permission_required("activities.view_activity", raise_exception=True)
def my_day_view(request: HttpRequest) -> HttpResponse:
    """The user's working day: target progress, then every group of My Day in priority order."""
    user = _user(request)
    day = _day_from(request, user)
    groups = [
        {
            "name": group.name,
            "title": GROUP_TITLES.get(group.name, group.name),
            "entries": [_entry(item, user, day) for item in group.items],
            "more": group.more,
        }
        for group in myday_build(user=user, date=day)
    ]
    today = local_today(user)
    return render(
        request,
        "activities/my_day.html",
        {
            "day": day,
            "is_today": day == today,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "groups": groups,
            "progress": targets_progress(user=user, day=day),
            "here": request.get_full_path(),
        },
    )


@login_required
@permission_required("activities.view_activity", raise_exception=True)
def my_progress_view(request: HttpRequest) -> HttpResponse:
    """The progress bars alone: My Day reloads them every minute."""
    user = _user(request)
    day = _day_from(request, user)
    return render(request, "activities/_progress.html", {"progress": targets_progress(user=user, day=day)})


@login_required
@permission_required("activities.view_activity", raise_exception=True)
def target_board_view(request: HttpRequest) -> HttpResponse:
    """Targets: everyone's progress the user may follow (a team board for managers), and for those who
    set targets, the form to set one."""
    user = _user(request)
    day = _day_from(request, user)
    form = None
    if user.has_perm("activities.add_target"):
        form = TargetForm(request.POST or None, actor=user, initial={"starts_on": local_today(user)})
        if request.method == "POST" and form.is_valid():
            try:
                target_set(actor=user, **form.values())
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            except NotAllowed as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Target saved."))
                return redirect("activities:target_board")
    elif request.method == "POST":
        raise PermissionDenied
    board = team_board(viewer=user, day=day)
    columns = sorted(
        {(item.metric, item.period) for _person, items in board for item in items},
        key=lambda pair: (list(Metric.values).index(pair[0]), list(Period.values).index(pair[1])),
    )
    rows = [
        {
            "person": person,
            "cells": [{(item.metric, item.period): item for item in items}.get(key) for key in columns],
        }
        for person, items in board
    ]
    return render(
        request,
        "activities/target_board.html",
        {
            "day": day,
            "columns": [
                {"metric": Metric(metric).label, "period": Period(period).label} for metric, period in columns
            ],
            "rows": rows,
            "form": form,
            "targets": targets_set_by_view(user),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@permission_required("activities.view_activity", raise_exception=True)
def target_history_view(request: HttpRequest) -> HttpResponse:
    """One user's targets and results over the last days, weeks or months."""
    user = _user(request)
    username = request.GET.get("user") or user.username
    person = people_to_follow(user).filter(username=username).first()
    if person is None:
        raise Http404
    period = request.GET.get("period", Period.DAY)
    if period not in Period.values:
        period = Period.DAY
    rows = targets_history(user=person, period=period, day=_day_from(request, person))
    metrics = [
        metric
        for metric in Metric.values
        if any(row.values[metric][0] or row.values[metric][1] for row in rows)
    ]
    return render(
        request,
        "activities/target_history.html",
        {
            "person": person,
            "period": period,
            "periods": Period.choices,
            "metrics": [{"code": metric, "label": Metric(metric).label} for metric in metrics],
            "rows": [{"row": row, "cells": [row.values[metric] for metric in metrics]} for row in rows],
        },
    )
