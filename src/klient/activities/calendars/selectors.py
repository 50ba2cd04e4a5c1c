"""Reads of the calendar: whose calendar a user may open, and the entries of a period.

Every entry is an activity the viewer may see (`Activity.objects.visible_to`), placed at the time it
was done, else when it is due (the activity's `at`); activities with neither are not in a calendar.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from klient.activities.models import Activity, ActivityKind
from klient.core.models import Role, User, Visibility
from klient.core.roles import MANAGER_ROLES
from klient.core.visibility import delegators, user_scope, user_team_ids

# The kinds of work that have a time in a calendar (emails and notes are on the client card only).
CALENDAR_KINDS = [ActivityKind.MEETING, ActivityKind.VISIT, ActivityKind.CALL, ActivityKind.TASK]
# An activity without a duration fills this much of the calendar.
DEFAULT_DURATION = datetime.timedelta(minutes=30)
# The longest period the API answers for at once (two months).
MAX_PERIOD_DAYS = 62


def entry_start(activity: Activity) -> datetime.datetime:
    """When the entry starts: when the activity was done, else when it is due."""
    start = activity.done_at or activity.due_at
    assert start is not None  # calendar_activities leaves out activities with neither
    return start


def entry_end(activity: Activity) -> datetime.datetime:
    """When the entry ends: its start plus its duration, or plus 30 minutes without one."""
    if activity.duration:
        return entry_start(activity) + datetime.timedelta(seconds=activity.duration)
    return entry_start(activity) + DEFAULT_DURATION


def day_start(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    """Midnight at the start of a day in a time zone (aware)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def calendar_people(*, viewer: User) -> list[User]:
    """Whose calendars the viewer may open: their own first, the users they stand in for today, and
    for a manager the members of the teams they belong to or lead (everyone on the staff for a manager
    or administrator who sees all). The entries shown are still only those the viewer may see."""
    people = [viewer, *delegators(viewer)]
    others = User.objects.none()
    if viewer.is_superuser or viewer.role in MANAGER_ROLES:
        staff = User.objects.filter(is_active=True).exclude(role=Role.PORTAL)
        if viewer.is_superuser or user_scope(viewer) == Visibility.ALL:
            others = staff
        else:
            others = staff.filter(team_id__in=user_team_ids(viewer))
    known = {person.pk for person in people}
    extra = [
        person for person in others.order_by("first_name", "last_name", "username") if person.pk not in known
    ]
    return [*people, *extra]


def calendar_owner(*, viewer: User, username: str) -> User:
    """The user whose calendar the viewer opens by name; User.DoesNotExist when there is no such user or
    the viewer may not open their calendar (the same answer)."""
    for person in calendar_people(viewer=viewer):
        if person.username == username:
            return person
    raise User.DoesNotExist


def calendar_activities(
    *, viewer: User, owners: list[User], start: datetime.datetime, end: datetime.datetime
) -> QuerySet[Activity]:
    """The activities of these owners that the viewer sees and that fall in [start, end), in time order,
    with their company, contact and owner (one query whatever their number)."""
    return (
        Activity.objects.visible_to(viewer)
        .filter(owner__in=owners, kind__in=CALENDAR_KINDS, at__gte=start, at__lt=end)
        .filter(Q(done_at__isnull=False) | Q(due_at__isnull=False))
        .select_related("company", "contact", "owner")
        .order_by("at", "id")
    )


def calendar_activity_get(*, viewer: User, pk: int) -> Activity:
    """One activity of the calendar that the viewer sees; Activity.DoesNotExist otherwise."""
    return Activity.objects.visible_to(viewer).select_related("company", "contact", "owner").get(pk=pk)


@dataclass(frozen=True)
class CalendarDay:
    """One day of a calendar page, with its entries in time order."""

    date: datetime.date
    entries: list[CalendarEntry]
    is_today: bool
    # False for the days of the previous and next month that fill a month view's first and last weeks.
    in_period: bool


@dataclass(frozen=True)
class CalendarEntry:
    """An activity in a calendar, with its times on the viewer's clock."""

    activity: Activity
    start: datetime.datetime
    end: datetime.datetime

    @property
    def is_done(self) -> bool:
        return self.activity.done_at is not None


def calendar_days(
    *,
    viewer: User,
    owners: list[User],
    first: datetime.date,
    last: datetime.date,
    today: datetime.date,
    period: tuple[datetime.date, datetime.date] | None = None,
) -> list[CalendarDay]:
    """The days from `first` to `last` (both included) in the viewer's time zone, each with the entries
    that start on it there. `period` (first, last) marks the days that belong to the page's period."""
    zone = viewer.tzinfo
    by_day: dict[datetime.date, list[CalendarEntry]] = {}
    activities = calendar_activities(
        viewer=viewer,
        owners=owners,
        start=day_start(first, zone),
        end=day_start(last + datetime.timedelta(days=1), zone),
    )
    for activity in activities:
        start = entry_start(activity).astimezone(zone)
        entry = CalendarEntry(activity=activity, start=start, end=entry_end(activity).astimezone(zone))
        by_day.setdefault(start.date(), []).append(entry)
    period_first, period_last = period or (first, last)
    days = []
    day = first
    while day <= last:
        days.append(
            CalendarDay(
                date=day,
                entries=by_day.get(day, []),
                is_today=day == today,
                in_period=period_first <= day <= period_last,
            )
        )
        day += datetime.timedelta(days=1)
    return days


# A feed covers the last 90 days and the coming year.
FEED_DAYS_BACK = 90
FEED_DAYS_AHEAD = 365


def calendar_feed_user(*, token: str) -> User:
    """The owner of the feed with this token; User.DoesNotExist for an unknown (or revoked) token, and
    for a user who has left or may no longer use the calendar."""
    from klient.activities.calendars.models import CalendarFeed

    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None or not feed.user.has_perm("activities.view_activity"):
        raise User.DoesNotExist
    return feed.user


def feed_activities(*, user: User, now: datetime.datetime) -> QuerySet[Activity]:
    """The user's own activities of a feed: from 90 days back to a year ahead, those of companies the
    user still sees (an activity with a company handed over to someone else leaves the feed)."""
    return calendar_activities(
        viewer=user,
        owners=[user],
        start=now - datetime.timedelta(days=FEED_DAYS_BACK),
        end=now + datetime.timedelta(days=FEED_DAYS_AHEAD),
    )
