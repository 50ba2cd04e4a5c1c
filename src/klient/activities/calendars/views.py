"""Calendar screens: the day, week and month views, the personal feed, and meeting invitations."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klient.activities.calendars.ical import feed_calendar, site_url
from klient.activities.calendars.selectors import (
    calendar_activity_get,
    calendar_days,
    calendar_feed_user,
    calendar_owner,
    calendar_people,
    feed_activities,
)
from klient.activities.calendars.services import calendar_feed_revoke, meeting_invitation_send
from klient.activities.models import Activity
from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.core.views import safe_next
from klient.core.visibility import delegators, local_today

VIEWS = ("day", "week", "month")
DEFAULT_VIEW = "week"
WEEK = datetime.timedelta(days=7)
DAY = datetime.timedelta(days=1)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@dataclass(frozen=True)
class Period:
    """The days a calendar page is about (`first`..`last`) and the days it shows (a month view shows
    whole weeks, Monday to Sunday)."""

    view: str
    first: datetime.date
    last: datetime.date
    shown_first: datetime.date
    shown_last: datetime.date
    previous: datetime.date
    next: datetime.date


def _month_start(day: datetime.date, months: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def calendar_period(view: str, day: datetime.date) -> Period:
    """The period of a day, week (from Monday) or month view that holds `day`."""
    if view == "day":
        return Period(view, day, day, day, day, day - DAY, day + DAY)
    if view == "week":
        monday = day - datetime.timedelta(days=day.weekday())
        sunday = monday + datetime.timedelta(days=6)
        return Period(view, monday, sunday, monday, sunday, monday - WEEK, monday + WEEK)
    first = _month_start(day)
    last = _month_start(day, 1) - DAY
    return Period(
        view,
        first,
        last,
        first - datetime.timedelta(days=first.weekday()),
        last + datetime.timedelta(days=6 - last.weekday()),
        _month_start(day, -1),
        _month_start(day, 1),
    )


def _title(period: Period) -> str:
    if period.view == "day":
        return formats.date_format(period.first, "DATE_FORMAT")
    if period.view == "week":
        return _("%(first)s – %(last)s") % {
            "first": formats.date_format(period.first, "DATE_FORMAT"),
            "last": formats.date_format(period.last, "DATE_FORMAT"),
        }
    return formats.date_format(period.first, "YEAR_MONTH_FORMAT")


def _day_param(value: str, today: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else today
    except ValueError:
        return today


def _link(view: str, day: datetime.date, username: str) -> str:
    query = {"view": view, "date": day.isoformat()}
    if username:
        query["user"] = username
    return reverse("calendars:calendar") + "?" + urlencode(query)


@login_required
@permission_required("activities.view_activity", raise_exception=True)
@require_GET
def calendar_view(request: HttpRequest) -> HttpResponse:
    """A day, week or month of meetings, visits, calls and tasks in the user's time zone: their own and
    those of the users they stand in for, or one colleague's (`user`) for a manager."""
    viewer = _user(request)
    requested = request.GET.get("view", "")
    view = requested if requested in VIEWS else DEFAULT_VIEW
    today = local_today(viewer)
    day = _day_param(request.GET.get("date", ""), today)
    people = calendar_people(viewer=viewer)
    username = request.GET.get("user", "")
    if username:
        try:
            owners = [calendar_owner(viewer=viewer, username=username)]
        except User.DoesNotExist:
            raise Http404 from None
    else:
        owners = [viewer, *delegators(viewer)]
    period = calendar_period(view, day)
    days = calendar_days(
        viewer=viewer,
        owners=owners,
        first=period.shown_first,
        last=period.shown_last,
        today=today,
        period=(period.first, period.last),
    )
    current_url = _link(view, day, username)
    context: dict[str, object] = {
        "view": view,
        "period": period,
        "title": _title(period),
        "days": days,
        "weeks": [days[index : index + 7] for index in range(0, len(days), 7)],
        "weekdays": [day.date for day in days[:7]] if view != "day" else [],
        "people": people,
        "selected_user": username,
        "shows_owner": len(owners) > 1 or owners[0].pk != viewer.pk,
        "views": [(code, label, _link(code, day, username)) for code, label in _view_labels()],
        "previous_url": _link(view, period.previous, username),
        "next_url": _link(view, period.next, username),
        "today_url": _link(view, today, username),
        "current_url": current_url,
        "time_zone": viewer.timezone,
        "can_invite": viewer.has_perm("activities.change_activity"),
    }
    template = "calendars/calendar.html"
    if request.headers.get("HX-Request") == "true":
        response = render(request, f"{template}#calendar", context)
        response["HX-Push-Url"] = current_url
        return response
    return render(request, template, context)


def _view_labels() -> list[tuple[str, str]]:
    return [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))]


@require_GET
def feed_view(request: HttpRequest, token: str) -> HttpResponse:
    """The user's iCalendar feed, read without signing in by whoever has its secret address."""
    try:
        user = calendar_feed_user(token=token)
    except User.DoesNotExist:
        raise Http404 from None
    body = feed_calendar(
        user=user,
        activities=feed_activities(user=user, now=timezone.now()).iterator(chunk_size=2000),
        base_url=site_url(request),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="klient.ics"'
    response["Cache-Control"] = "private, max-age=300"
    # The address is the secret: keep it out of other sites' logs.
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@permission_required("activities.view_activity", raise_exception=True)
@require_POST
def feed_revoke_view(request: HttpRequest) -> HttpResponse:
    """Replace the user's feed address: calendars subscribed to the old one stop updating."""
    try:
        calendar_feed_revoke(actor=_user(request))
    except NotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Your calendar feed has a new address. Subscribe to it again where you want your calendar."),
        )
    return redirect(safe_next(request, reverse("core:profile")) + "#calendar-feed")


@login_required
@permission_required("activities.change_activity", raise_exception=True)
@require_POST
def meeting_invitation_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mail the meeting's contact an invitation with the meeting as an .ics file; back to the calendar."""
    user = _user(request)
    try:
        activity = calendar_activity_get(viewer=user, pk=pk)
    except Activity.DoesNotExist:
        raise Http404 from None
    try:
        meeting_invitation_send(actor=user, activity=activity)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Invitation to “%(subject)s” sent to %(contact)s.")
            % {"subject": activity.subject, "contact": str(activity.contact)},
        )
    return redirect(safe_next(request, reverse("calendars:calendar")))
