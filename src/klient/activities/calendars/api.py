"""The calendar in the API: the entries of a period, the personal feed's address, meeting invitations."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from klient.activities.api import IsoDate
from klient.activities.calendars.ical import site_url
from klient.activities.calendars.selectors import (
    MAX_PERIOD_DAYS,
    calendar_activities,
    calendar_activity_get,
    calendar_owner,
    day_start,
    entry_end,
    entry_start,
)
from klient.activities.calendars.services import (
    calendar_feed_revoke,
    calendar_feed_url,
    invitation_key,
    meeting_invitation_send,
)
from klient.activities.models import Activity
from klient.api.auth import request_user
from klient.api.responses import page_response
from klient.api.schemas import ERRORS
from klient.core.models import User
from klient.core.visibility import delegators
from klient.customers.api import not_found, reader

router = Router(tags=["calendar"])

VIEW = "activities.view_activity"


class CalendarParams(Schema):
    start: IsoDate = Field(..., description="First day (YYYY-MM-DD, in your time zone)")
    end: IsoDate = Field(..., description=f"Last day, included; at most {MAX_PERIOD_DAYS} days in all")
    user: str | None = Field(
        None,
        description="Username of a colleague whose calendar you may open; by default yours and those of "
        "the users you stand in for",
    )


class NamedRecord(Schema):
    id: int
    name: str


class CalendarItem(Schema):
    id: int = Field(description="Id of the activity")
    kind: str = Field(description="meeting, visit, call or task")
    subject: str
    start: datetime.datetime = Field(description="When it was done, else when it is due (UTC)")
    end: datetime.datetime = Field(description="Start plus the duration, or plus 30 minutes")
    company: NamedRecord
    contact: NamedRecord | None
    owner: str = Field(description="Username of the activity's owner")
    url: str = Field(description="The company card's address")
    done: bool


class CalendarPage(Schema):
    items: list[CalendarItem]


class FeedOut(Schema):
    calendar_feed_url: str = Field(description="The secret address of your iCalendar feed")


class MeetingInvitationOut(Schema):
    id: int = Field(description="Id of the outbox message")
    to: str = Field(description="The contact's email address")
    key: str = Field(description="Idempotency key: the same meeting version is sent once")


def calendar_item_out(activity: Activity, base_url: str) -> dict[str, Any]:
    """An activity as a calendar entry of the API."""
    contact = activity.contact
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "subject": activity.subject,
        "start": entry_start(activity).astimezone(datetime.UTC),
        "end": entry_end(activity).astimezone(datetime.UTC),
        "company": {"id": activity.company_id, "name": activity.company.name},
        "contact": {"id": contact.pk, "name": str(contact)} if contact is not None else None,
        "owner": activity.owner.username,
        "url": base_url + reverse("customers:company_detail", args=[activity.company_id]),
        "done": activity.done_at is not None,
    }


@router.get(
    "/calendar",
    response={200: CalendarPage, **ERRORS},
    summary=f"Meetings, visits, calls and tasks of a period of up to {MAX_PERIOD_DAYS} days, in time order",
)
def calendar_read(request: HttpRequest, query: Query[CalendarParams]) -> HttpResponse | Status:
    user = reader(request, VIEW)
    if query.end < query.start:
        raise ValidationError({"end": _("The period ends before it starts.")})
    if (query.end - query.start).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError({"end": _("At most %(count)d days at once.") % {"count": MAX_PERIOD_DAYS}})
    if query.user:
        try:
            owners = [calendar_owner(viewer=user, username=query.user)]
        except User.DoesNotExist:
            return not_found("user", _("No user of this name whose calendar you may open."))
    else:
        owners = [user, *delegators(user)]
    zone = user.tzinfo
    activities = calendar_activities(
        viewer=user,
        owners=owners,
        start=day_start(query.start, zone),
        end=day_start(query.end + datetime.timedelta(days=1), zone),
    )
    base_url = site_url(request)
    return page_response({"items": [calendar_item_out(activity, base_url) for activity in activities]})


@router.post(
    "/me/calendar-feed/revoke",
    response={200: FeedOut, **ERRORS},
    summary="Give your calendar feed a new secret address (the old one answers 404)",
)
def calendar_feed_revoke_endpoint(request: HttpRequest) -> dict[str, str]:
    user = reader(request, VIEW)
    calendar_feed_revoke(actor=user)
    return {"calendar_feed_url": calendar_feed_url(user=user, request=request)}


@router.post(
    "/meetings/{activity_id}/invitation",
    response={200: MeetingInvitationOut, **ERRORS},
    summary="Mail the meeting's contact an invitation with an .ics file (once per version of the meeting)",
)
def meeting_invitation_create(request: HttpRequest, activity_id: int) -> dict[str, Any]:
    user = request_user(request)
    activity = calendar_activity_get(viewer=reader(request, VIEW), pk=activity_id)
    message = meeting_invitation_send(actor=user, activity=activity)
    assert activity.contact is not None  # the service refuses a meeting without one
    return {"id": message.pk, "to": activity.contact.email, "key": invitation_key(activity)}
