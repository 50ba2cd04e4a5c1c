"""Service levels in business time: the arithmetic of business calendars (opening hours in the calendar's
time zone, split shifts, public holidays, extra closed days), the choice of a ticket's SLA policy, its due
times, the clock stopped while the customer is to answer, and the escalation job.

How time is counted (docs/service-desk.md, "Service levels"):

- Opening hours are wall-clock times of the calendar's time zone. Each opening interval of a day runs from
  its start to its end as local times, converted to real instants; business time is the real time elapsed
  inside those intervals. A 09:00–17:00 day is 8 hours on the days the clocks change too; an interval that
  contains the change is as long as the clocks really ran (00:00–24:00 is 23 hours on the spring-forward
  day and 25 on the fall-back day). A wall time that does not exist or exists twice is read as the instant
  before the change (PEP 495, fold=0).
- A day that is a public holiday of the calendar's country (and region) or one of its extra closed days
  has no opening hours.
- A start outside opening hours counts from the next opening.
- Due times: first response = created + target; next response = the customer's latest message (when it is
  newer than our latest public reply) + target; resolution = created + target + the business time the
  clock was stopped. The resolution clock stops while the ticket is pending the customer, and also while
  it is resolved or closed: a reopened ticket continues where it stopped.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import itertools
import math
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import holidays as holidays_package
from django.core.exceptions import ValidationError
from django.db import connection, connections, router, transaction
from django.db.models import Field
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from klient.core.models import User, known_timezones
from klient.customers.models import Company
from klient.service.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    BusinessCalendar,
    EventKind,
    Queue,
    SlaPolicy,
    SlaStatus,
    SlaTarget,
    Ticket,
    TicketEvent,
    TicketStatus,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MICROSECONDS = 1_000_000
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
ONE_DAY = datetime.timedelta(days=1)
# Far enough to find the next opening of any sensible calendar (a year closed is a mistake, not a plan).
MAX_DAYS_AHEAD = 3 * 366
WARNING_SHARE = 0.75
TARGETS = ("first_response", "next_response", "resolution")
# The statuses in which the resolution clock is stopped.
CLOCK_STOPPED = (TicketStatus.PENDING_CUSTOMER, *DONE_STATUSES)
HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class NoBusinessTime(ValueError):
    """The calendar has no opening hours within reach (no hours at all, or years of closed days)."""


# --- business calendars ------------------------------------------------------------------------------------


def _minutes(text: str) -> int:
    match = HHMM.match(text)
    if match is None:
        raise ValueError(text)
    value = int(match.group(1)) * 60 + int(match.group(2))
    if value > MINUTES_PER_DAY:
        raise ValueError(text)
    return value


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clean_hours(value: Any) -> dict[str, list[list[str]]]:
    """Opening hours checked and put in order: {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], …};
    weekdays mon…sun, "HH:MM" pairs with the start before the end, "24:00" only as an end, no overlaps."""
    if not isinstance(value, dict):
        raise ValidationError({"hours": _('Give the hours as {"mon": [["09:00", "17:00"]], …}.')})
    errors: list[str] = []
    cleaned: dict[str, list[list[str]]] = {}
    for day, intervals in value.items():
        if day not in WEEKDAYS:
            errors.append(
                _("“%(day)s” is not a weekday: use mon, tue, wed, thu, fri, sat, sun.") % {"day": day}
            )
            continue
        if not isinstance(intervals, list):
            errors.append(_("%(day)s: give a list of [start, end] pairs.") % {"day": day})
            continue
        pairs: list[tuple[int, int]] = []
        for interval in intervals:
            if (
                not isinstance(interval, list | tuple)
                or len(interval) != 2
                or not all(isinstance(part, str) for part in interval)
            ):
                errors.append(
                    _("%(day)s: “%(value)s” is not a [start, end] pair.") % {"day": day, "value": interval}
                )
                continue
            start_text, end_text = interval
            try:
                start, end = _minutes(start_text), _minutes(end_text)
            except ValueError as error:
                errors.append(_("%(day)s: “%(value)s” is not a time (HH:MM).") % {"day": day, "value": error})
                continue
            if start == MINUTES_PER_DAY:
                errors.append(_("%(day)s: 24:00 is only an end.") % {"day": day})
                continue
            if start >= end:
                errors.append(
                    _("%(day)s: %(start)s–%(end)s ends before it starts.")
                    % {"day": day, "start": start_text, "end": end_text}
                )
                continue
            pairs.append((start, end))
        pairs.sort()
        for (_start, end), (next_start, next_end) in itertools.pairwise(pairs):
            if next_start < end:
                errors.append(
                    _("%(day)s: %(start)s–%(end)s overlaps the hours before it.")
                    % {"day": day, "start": _clock(next_start), "end": _clock(next_end)}
                )
        if pairs:
            cleaned[day] = [[_clock(start), _clock(end)] for start, end in pairs]
    if errors:
        raise ValidationError({"hours": errors})
    return {day: cleaned[day] for day in WEEKDAYS if day in cleaned}


def clean_calendar(
    *,
    timezone_name: str,
    hours: Any,
    holiday_country: str,
    holiday_subdivision: str,
    closed_days: Any,
) -> dict[str, Any]:
    """A calendar's settings checked, each bad one named: the time zone, the hours, the country (and
    region) the `holidays` package knows, the extra closed days as ISO dates. Returns them cleaned."""
    errors: dict[str, list[str]] = {}
    if timezone_name not in known_timezones():
        errors["timezone"] = [_("“%(value)s” is not a known time zone.") % {"value": timezone_name}]
    try:
        cleaned_hours = clean_hours(hours)
    except ValidationError as error:
        errors.update(error.message_dict)
        cleaned_hours = {}
    country = (holiday_country or "").strip().upper()
    subdivision = (holiday_subdivision or "").strip()
    if country:
        supported = holidays_package.list_supported_countries()
        if country not in supported:
            errors["holiday_country"] = [
                _("“%(value)s” is not a country whose public holidays are known.")
                % {"value": holiday_country}
            ]
        elif subdivision and subdivision not in supported[country]:
            errors["holiday_subdivision"] = [
                _("“%(value)s” is not a region of %(country)s.") % {"value": subdivision, "country": country}
            ]
    elif subdivision:
        errors["holiday_subdivision"] = [_("Give the country of the region too.")]
    days: list[str] = []
    if not isinstance(closed_days, list):
        errors["closed_days"] = [_("Give the closed days as a list of dates (YYYY-MM-DD).")]
    else:
        for item in closed_days:
            try:
                days.append(datetime.date.fromisoformat(str(item)).isoformat())
            except ValueError:
                errors.setdefault("closed_days", []).append(
                    _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": item}
                )
    if errors:
        raise ValidationError(errors)
    return {
        "timezone": timezone_name,
        "hours": cleaned_hours,
        "holiday_country": country,
        "holiday_subdivision": subdivision,
        "closed_days": sorted(set(days)),
    }


@functools.lru_cache(maxsize=512)
def public_holidays(country: str, subdivision: str, year: int) -> frozenset[datetime.date]:
    """The public holidays of a country (and region) in a year, from the `holidays` package."""
    found = holidays_package.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(found.keys())


def _to_micro(moment: datetime.datetime) -> int:
    if timezone.is_naive(moment):
        raise ValueError("Business time needs an aware datetime.")
    return (moment - EPOCH) // datetime.timedelta(microseconds=1)


def _from_micro(value: int) -> datetime.datetime:
    return EPOCH + datetime.timedelta(microseconds=value)


class Schedule:
    """A calendar ready for arithmetic: the weekly hours in minutes, the closed days, and each day's opening
    intervals as real instants (microseconds since 1970, UTC), worked out once per day and kept."""

    def __init__(
        self,
        *,
        timezone_name: str,
        hours: dict[str, list[list[str]]],
        holiday_country: str = "",
        holiday_subdivision: str = "",
        closed_days: Iterable[str] = (),
    ) -> None:
        self.zone = zoneinfo.ZoneInfo(timezone_name)
        self.week: tuple[tuple[tuple[int, int], ...], ...] = tuple(
            tuple((_minutes(start), _minutes(end)) for start, end in hours.get(day, [])) for day in WEEKDAYS
        )
        self.country = holiday_country
        self.subdivision = holiday_subdivision
        self.closed = frozenset(datetime.date.fromisoformat(day) for day in closed_days)
        self.has_hours = any(self.week)
        self._days: dict[datetime.date, tuple[tuple[int, int], ...]] = {}

    @classmethod
    def of(cls, calendar: BusinessCalendar) -> Schedule:
        return cls(
            timezone_name=calendar.timezone,
            hours=calendar.hours or {},
            holiday_country=calendar.holiday_country,
            holiday_subdivision=calendar.holiday_subdivision,
            closed_days=calendar.closed_days or (),
        )

    def is_closed(self, day: datetime.date) -> bool:
        """Whether the whole day is closed: an extra closed day or a public holiday."""
        if day in self.closed:
            return True
        return bool(self.country) and day in public_holidays(self.country, self.subdivision, day.year)

    def intervals(self, day: datetime.date) -> tuple[tuple[int, int], ...]:
        """The day's opening intervals as real instants (start, end), in order."""
        found = self._days.get(day)
        if found is not None:
            return found
        result: list[tuple[int, int]] = []
        if not self.is_closed(day):
            midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=self.zone)
            for start, end in self.week[day.weekday()]:
                begins = _to_micro(self._wall(midnight, start))
                ends = _to_micro(self._wall(midnight, end))
                if ends > begins:
                    result.append((begins, ends))
        found = self._days[day] = tuple(result)
        return found

    def _wall(self, midnight: datetime.datetime, minutes: int) -> datetime.datetime:
        if minutes == MINUTES_PER_DAY:
            following = midnight.date() + ONE_DAY
            return datetime.datetime(following.year, following.month, following.day, tzinfo=self.zone)
        return midnight.replace(hour=minutes // 60, minute=minutes % 60)

    def local_date(self, value: int) -> datetime.date:
        return _from_micro(value).astimezone(self.zone).date()

    def add(self, start: int, amount: int) -> int:
        """The instant `amount` business microseconds after `start`."""
        if not self.has_hours:
            raise NoBusinessTime
        day = self.local_date(start)
        remaining = max(amount, 0)
        for _step in range(MAX_DAYS_AHEAD):
            for begins, ends in self.intervals(day):
                if ends <= start:
                    continue
                begins = max(begins, start)
                if remaining <= ends - begins:
                    return begins + remaining
                remaining -= ends - begins
            day += ONE_DAY
        raise NoBusinessTime

    def between(self, first: int, second: int) -> int:
        """Business microseconds from `first` to `second` (0 when `second` is not after `first`)."""
        if second <= first or not self.has_hours:
            return 0
        day, last = self.local_date(first), self.local_date(second)
        total = 0
        while day <= last:
            for begins, ends in self.intervals(day):
                low, high = max(begins, first), min(ends, second)
                if high > low:
                    total += high - low
            day += ONE_DAY
        return total

    def next_opening(self, moment: datetime.datetime) -> datetime.datetime | None:
        """When the desk is next open at or after `moment` (the moment itself when open then)."""
        try:
            return _from_micro(self.add(_to_micro(moment), 0))
        except NoBusinessTime:
            return None


_SCHEDULES: dict[int, tuple[tuple[Any, ...], Schedule]] = {}


def _settings_key(calendar: BusinessCalendar) -> tuple[Any, ...]:
    return (
        calendar.updated_at,
        calendar.timezone,
        repr(calendar.hours),
        calendar.holiday_country,
        calendar.holiday_subdivision,
        repr(calendar.closed_days),
    )


def schedule_for(calendar: BusinessCalendar | Schedule) -> Schedule:
    """The calendar's schedule, kept per calendar (in this process) until the calendar changes, and on the
    calendar instance itself, so a run over many tickets looks it up once."""
    if isinstance(calendar, Schedule):
        return calendar
    attached = getattr(calendar, "_sla_schedule", None)
    if attached is not None and attached[0] == calendar.updated_at:
        return cast(Schedule, attached[1])
    if calendar.pk is None:
        return Schedule.of(calendar)
    key = _settings_key(calendar)
    cached = _SCHEDULES.get(calendar.pk)
    if cached is not None and cached[0] == key:
        schedule = cached[1]
    else:
        schedule = Schedule.of(calendar)
        _SCHEDULES[calendar.pk] = (key, schedule)
    calendar._sla_schedule = (calendar.updated_at, schedule)  # type: ignore[attr-defined]
    return schedule


def add_business_seconds(
    calendar: BusinessCalendar | Schedule, start: datetime.datetime, seconds: int
) -> datetime.datetime:
    """The instant `seconds` of business time after `start` (aware, UTC); raises NoBusinessTime when the
    calendar never opens."""
    schedule = schedule_for(calendar)
    return _from_micro(schedule.add(_to_micro(start), int(seconds) * MICROSECONDS))


def add_business_minutes(
    calendar: BusinessCalendar | Schedule, start: datetime.datetime, minutes: int
) -> datetime.datetime:
    """The instant `minutes` of business time after `start` (aware, UTC). A start outside opening hours
    counts from the next opening."""
    return add_business_seconds(calendar, start, int(minutes) * 60)


def business_seconds_between(
    calendar: BusinessCalendar | Schedule, first: datetime.datetime, second: datetime.datetime
) -> int:
    """Whole seconds of business time from `first` to `second` (0 when `second` is not later)."""
    schedule = schedule_for(calendar)
    return schedule.between(_to_micro(first), _to_micro(second)) // MICROSECONDS


# --- policies --------------------------------------------------------------------------------------------


def _holds(conditions: dict[str, Any], ticket: Ticket, key_accounts: set[int] | None = None) -> bool:
    """Whether a policy's conditions hold for the ticket; a condition left out (or empty) holds for all."""
    checks: list[tuple[str, Any]] = [
        ("queues", ticket.queue_id),
        ("types", ticket.type),
        ("companies", ticket.company_id),
        ("channels", ticket.channel),
        ("priorities", ticket.priority),
    ]
    for name, value in checks:
        wanted = conditions.get(name)
        if wanted and value not in wanted:
            return False
    if conditions.get("key_account"):
        if ticket.company_id is None:
            return False
        if key_accounts is not None:
            return ticket.company_id in key_accounts
        company = ticket.company
        if company is None or not company.is_key_account:
            return False
    return True


# What tells the cached policies are stale: the policies' and calendars' last change and number, checksums
# of what a queryset update (which leaves updated_at alone) may change, and which queues name which policy.
_POLICIES_VERSION_SQL = """
SELECT (SELECT MAX(updated_at) FROM service_slapolicy), (SELECT COUNT(*) FROM service_slapolicy),
       (SELECT SUM(id * (1 + 2 * CAST(is_active AS INTEGER) + 4 * CAST(is_default AS INTEGER)) + "order"
                   + LENGTH(CAST(conditions AS TEXT)) + calendar_id) FROM service_slapolicy),
       (SELECT MAX(updated_at) FROM service_businesscalendar), (SELECT COUNT(*) FROM service_businesscalendar),
       (SELECT COUNT(sla_policy_id) FROM service_queue), (SELECT SUM(id * COALESCE(sla_policy_id, 0)) FROM service_queue),
       (SELECT COUNT(*) FROM service_slatarget),
       (SELECT SUM(id + 3 * COALESCE(first_response_minutes, 0) + 7 * COALESCE(next_response_minutes, 0)
                   + 13 * COALESCE(resolution_minutes, 0)) FROM service_slatarget)
"""
_policies_cache: dict[str, tuple[tuple[Any, ...], Policies]] = {}


@dataclasses.dataclass
class Policies:
    """The SLA policies with their targets and calendars, read once for many tickets."""

    by_id: dict[int, SlaPolicy]
    targets: dict[int, dict[str, SlaTarget]]
    ordered: list[SlaPolicy]
    default: SlaPolicy | None
    queue_policies: Mapping[int, int | None]
    # The key accounts among the tickets at hand, when read for a batch (else each ticket's company).
    key_accounts: set[int] | None = None

    @classmethod
    def load(cls) -> Policies:
        policies = list(SlaPolicy.objects.select_related("calendar").order_by("order", "name", "id"))
        targets: dict[int, dict[str, SlaTarget]] = {policy.pk: {} for policy in policies}
        for target in SlaTarget.objects.filter(policy__in=policies):
            targets[target.policy_id][target.priority] = target
        active = [policy for policy in policies if policy.is_active]
        default = next((policy for policy in active if policy.is_default), None)
        queue_policies = dict(Queue.objects.values_list("pk", "sla_policy_id"))
        return cls({policy.pk: policy for policy in policies}, targets, active, default, queue_policies)

    @classmethod
    def current(cls) -> Policies:
        """The policies as `load` reads them, kept in the process while they have not changed: one small
        query tells whether any policy, calendar or queue's policy changed since they were read (a
        ticket's update then costs one query instead of three and the objects' construction)."""
        with connection.cursor() as cursor:
            cursor.execute(_POLICIES_VERSION_SQL)
            version = tuple(cursor.fetchone())
        cached = _policies_cache.get("current")
        if cached is None or cached[0] != version:
            cached = (version, cls.load())
            _policies_cache["current"] = cached
        policies = cached[1]
        return dataclasses.replace(policies, key_accounts=None)

    @property
    def asks_key_account(self) -> bool:
        return any(policy.conditions.get("key_account") for policy in self.ordered if policy.conditions)

    def choose(self, ticket: Ticket) -> SlaPolicy | None:
        """The ticket's queue's policy if set (and active), else the first active policy by order whose
        conditions hold (the default policy aside), else the default policy."""
        queue_policy_id = self.queue_policies.get(ticket.queue_id) if ticket.queue_id else None
        if queue_policy_id is not None:
            chosen = self.by_id.get(queue_policy_id)
            if chosen is not None and chosen.is_active:
                return chosen
        for policy in self.ordered:
            if (
                not policy.is_default
                and policy.conditions
                and _holds(policy.conditions, ticket, self.key_accounts)
            ):
                return policy
        return self.default

    def target(self, policy: SlaPolicy, priority: str) -> SlaTarget | None:
        return self.targets.get(policy.pk, {}).get(priority)


# --- a ticket's due times ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Running:
    """A target whose clock runs: when it started, when 75 % of it is spent, when it is due."""

    name: str
    started: datetime.datetime
    warn_at: datetime.datetime
    due: datetime.datetime


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _dues(ticket: Ticket) -> dict[str, str | None]:
    return {
        "first_response_due": _iso(ticket.first_response_due),
        "next_response_due": _iso(ticket.next_response_due),
        "resolution_due": _iso(ticket.resolution_due),
    }


def _add(schedule: Schedule, start: datetime.datetime, seconds: int) -> datetime.datetime | None:
    try:
        return add_business_seconds(schedule, start, seconds)
    except NoBusinessTime:
        return None


def _awaits_next_response(ticket: Ticket) -> bool:
    """The customer wrote after our first response and after our latest public reply."""
    message = ticket.last_customer_message_at
    if ticket.first_responded_at is None or message is None:
        return False
    return ticket.last_agent_reply_at is None or message > ticket.last_agent_reply_at


def running_targets(ticket: Ticket, schedule: Schedule, target: SlaTarget | None) -> list[Running]:
    """The targets whose clocks run now: first response until the first public reply, next response while
    a customer's message waits for an answer, resolution unless the clock is stopped."""
    if target is None or ticket.status in DONE_STATUSES:
        return []
    found: list[Running] = []

    def running(
        name: str, started: datetime.datetime, minutes: int, due: datetime.datetime | None, extra: int = 0
    ) -> None:
        if due is None:
            return
        warn_at = _add(schedule, started, math.ceil(minutes * 60 * WARNING_SHARE) + extra) or due
        found.append(Running(name, started, warn_at, due))

    if target.first_response_minutes and ticket.first_responded_at is None:
        running("first_response", ticket.created_at, target.first_response_minutes, ticket.first_response_due)
    if target.next_response_minutes and ticket.next_response_due and ticket.last_customer_message_at:
        running(
            "next_response",
            ticket.last_customer_message_at,
            target.next_response_minutes,
            ticket.next_response_due,
        )
    if target.resolution_minutes and ticket.status not in CLOCK_STOPPED:
        running(
            "resolution",
            ticket.created_at,
            target.resolution_minutes,
            ticket.resolution_due,
            ticket.paused_seconds,
        )
    return found


def _done_status(ticket: Ticket) -> str:
    finished = ticket.resolved_at or ticket.closed_at or timezone.now()
    late = bool(ticket.breached)
    if ticket.resolution_due is not None and finished > ticket.resolution_due:
        late = True
    if (
        ticket.first_response_due is not None
        and (ticket.first_responded_at or finished) > ticket.first_response_due
    ):
        late = True
    if (
        ticket.next_response_due is not None
        and _awaits_next_response(ticket)
        and finished > ticket.next_response_due
    ):
        late = True
    return SlaStatus.BREACHED if late else SlaStatus.MET


def _status_and_check(
    ticket: Ticket, running: Sequence[Running], now: datetime.datetime
) -> tuple[str, datetime.datetime | None]:
    """sla_status and sla_check_at (when the escalation job is next to look) from the running targets."""
    if ticket.status in DONE_STATUSES:
        return _done_status(ticket), None
    checks: list[datetime.datetime] = []
    breached = warning = False
    for item in running:
        if item.name not in ticket.warned and item.name not in ticket.breached:
            checks.append(item.warn_at)
        elif item.name not in ticket.breached:
            checks.append(item.due)
        if now >= item.due:
            breached = True
        elif now >= item.warn_at:
            warning = True
    check_at = min(checks) if checks else None
    if breached or ticket.breached:
        return SlaStatus.BREACHED, check_at
    if ticket.status == TicketStatus.PENDING_CUSTOMER:
        return SlaStatus.PAUSED, check_at
    if warning:
        return SlaStatus.WARNING, check_at
    return SlaStatus.OK, check_at


def _event(ticket: Ticket, kind: str, now: datetime.datetime, actor: User | None, **data: Any) -> TicketEvent:
    return TicketEvent(ticket=ticket, kind=kind, at=now, actor=actor, data=data)


def sla_compute(
    ticket: Ticket,
    *,
    now: datetime.datetime,
    policies: Policies,
    actor: User | None = None,
    reason: str = "",
) -> list[TicketEvent]:
    """Set the ticket's SLA fields in memory from its state and history (created_at, paused_seconds,
    messages' times) under the policy that now applies; returns the SLA events (unsaved) for what changed."""
    events: list[TicketEvent] = []
    before_policy = ticket.sla_policy_id
    before_times = (ticket.first_response_due, ticket.next_response_due, ticket.resolution_due)
    before = _dues(ticket)
    policy = policies.choose(ticket)
    if policy is None:
        if before_policy is not None:
            events.append(
                _event(ticket, EventKind.SLA_RECOMPUTED, now, actor, reason=reason, policy=None, before=before,
                       after=dict.fromkeys(before))
            )  # fmt: skip
        ticket.sla_policy = None
        ticket.first_response_due = ticket.next_response_due = ticket.resolution_due = None
        ticket.paused_at = None
        ticket.sla_status = SlaStatus.NONE
        ticket.sla_check_at = None
        return events
    schedule = schedule_for(policy.calendar)
    # The clock: stopped while pending the customer, resolved or closed; restarted (the stopped business
    # time added to paused_seconds) when the ticket is worked on again.
    stopped = ticket.status in CLOCK_STOPPED
    if stopped and ticket.paused_at is None:
        ticket.paused_at = now
        events.append(_event(ticket, EventKind.SLA_PAUSED, now, actor, status=ticket.status))
    elif not stopped and ticket.paused_at is not None:
        seconds = business_seconds_between(schedule, ticket.paused_at, now) if ticket.paused_at < now else 0
        ticket.paused_seconds += seconds
        ticket.paused_at = None
        events.append(
            _event(ticket, EventKind.SLA_RESUMED, now, actor, seconds=seconds, status=ticket.status)
        )
    target = policies.target(policy, ticket.priority)
    ticket.sla_policy = policy
    ticket.first_response_due = ticket.next_response_due = ticket.resolution_due = None
    if target is not None:
        if target.first_response_minutes:
            ticket.first_response_due = _add(schedule, ticket.created_at, target.first_response_minutes * 60)
        if target.next_response_minutes and _awaits_next_response(ticket):
            assert ticket.last_customer_message_at is not None
            ticket.next_response_due = _add(
                schedule, ticket.last_customer_message_at, target.next_response_minutes * 60
            )
        if target.resolution_minutes:
            ticket.resolution_due = _add(
                schedule, ticket.created_at, target.resolution_minutes * 60 + ticket.paused_seconds
            )
    running = running_targets(ticket, schedule, target)
    # A recomputation that moves a due time into the future takes back its warning or breach, so the
    # escalation job tells again when the new time comes.
    if ticket.status not in DONE_STATUSES:
        for item in running:
            if item.name in ticket.warned and now < item.warn_at:
                ticket.warned = [name for name in ticket.warned if name != item.name]
            if item.name in ticket.breached and now < item.due:
                ticket.breached = [name for name in ticket.breached if name != item.name]
    ticket.sla_status, ticket.sla_check_at = _status_and_check(ticket, running, now)
    if target is None:
        ticket.sla_status = SlaStatus.NONE
    if before_policy == policy.pk and before_times == (
        ticket.first_response_due,
        ticket.next_response_due,
        ticket.resolution_due,
    ):
        return events
    after = _dues(ticket)
    if before_policy is None:
        events.append(
            _event(ticket, EventKind.SLA_APPLIED, now, actor, reason=reason, policy=policy.pk,
                   policy_name=policy.name, **after)
        )  # fmt: skip
    else:
        events.append(
            _event(ticket, EventKind.SLA_RECOMPUTED, now, actor, reason=reason, policy=policy.pk,
                   policy_before=before_policy, before=before, after=after)
        )  # fmt: skip
    return events


def ticket_sla_update(
    ticket: Ticket, *, now: datetime.datetime, actor: User | None = None, reason: str = ""
) -> None:
    """Bring the ticket's SLA fields (policy, due times, pause, sla_status) in line with its current state,
    in memory, recording SLA events for what changed; the caller saves the ticket."""
    events = sla_compute(ticket, now=now, policies=Policies.current(), actor=actor, reason=reason)
    if events:
        TicketEvent.objects.bulk_create(events)


# --- recomputation after a calendar or policy changed -----------------------------------------------------

RECOMPUTED_FIELDS = [
    "sla_policy",
    "first_response_due",
    "next_response_due",
    "resolution_due",
    "paused_at",
    "paused_seconds",
    "sla_status",
    "sla_check_at",
    "warned",
    "breached",
    "next_due_at",
]


def _state(ticket: Ticket) -> tuple[Any, ...]:
    return tuple(
        getattr(ticket, "sla_policy_id" if name == "sla_policy" else name) for name in RECOMPUTED_FIELDS
    )


def sla_recompute(
    *,
    policy: SlaPolicy | None = None,
    calendar: BusinessCalendar | None = None,
    batch: int = 2000,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> int:
    """Recompute the open tickets a change affects: a calendar's change those whose policy uses it; a
    policy's change (its targets, conditions, order or default may move tickets to or from it) every open
    ticket. In batches, with bulk updates; returns how many tickets changed."""
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    if calendar is not None and policy is None:
        tickets = tickets.filter(sla_policy__calendar=calendar)
    reason = reason or ("calendar changed" if calendar is not None and policy is None else "policy changed")
    return _recompute(tickets, batch=batch, reason=reason, now=now or timezone.now())


def sla_recompute_open(*, batch: int = 2000) -> int:
    """Recompute every open ticket's SLA (the benchmark's operation); returns how many changed."""
    return _recompute(
        Ticket.objects.filter(status__in=OPEN_STATUSES), batch=batch, reason="recomputed", now=timezone.now()
    )


def _write(tickets: list[Ticket]) -> None:
    """Save the recomputed fields of many tickets with one prepared UPDATE run for each (executemany):
    bulk_update's CASE expressions took seconds per thousand rows on SQLite."""
    connection = connections[router.db_for_write(Ticket)]
    fields = [field for name in RECOMPUTED_FIELDS if isinstance(field := Ticket._meta.get_field(name), Field)]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Table and column names come from the model, quoted; the values are parameters.
    sql = f"UPDATE {quote(Ticket._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(ticket, field.attname), connection) for field in fields] + [ticket.pk]
        for ticket in tickets
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# What the recomputation reads of a ticket.
LOADED_FIELDS = [
    *RECOMPUTED_FIELDS,
    "status",
    "priority",
    "type",
    "channel",
    "queue",
    "company",
    "created_at",
    "first_responded_at",
    "last_customer_message_at",
    "last_agent_reply_at",
    "resolved_at",
    "closed_at",
]


def _recompute(tickets: Any, *, batch: int, reason: str, now: datetime.datetime) -> int:
    policies = Policies.load()
    changed_count = 0
    # The ids first (one query over an index), then the tickets batch by batch: a keyset over the
    # filtered set made the database scan the open tickets again for every batch.
    ids = list(tickets.order_by("pk").values_list("pk", flat=True))
    for offset in range(0, len(ids), batch):
        with transaction.atomic():
            chunk = list(
                Ticket.objects.filter(pk__in=ids[offset : offset + batch], status__in=OPEN_STATUSES)
                .only(*LOADED_FIELDS)
                .order_by("pk")
            )
            if policies.asks_key_account:
                companies = {ticket.company_id for ticket in chunk if ticket.company_id}
                policies.key_accounts = set(
                    Company.objects.filter(pk__in=companies, is_key_account=True).values_list("pk", flat=True)
                )
            changed: list[Ticket] = []
            events: list[TicketEvent] = []
            for ticket in chunk:
                before = _state(ticket)
                events += sla_compute(ticket, now=now, policies=policies, reason=reason)
                ticket.next_due_at = ticket.earliest_due()
                if _state(ticket) != before:
                    changed.append(ticket)
            if changed:
                _write(changed)
            if events:
                TicketEvent.objects.bulk_create(events, batch_size=1000)
            changed_count += len(changed)
    return changed_count


# --- escalation ------------------------------------------------------------------------------------------


def target_label(name: str) -> str:
    labels = {
        "first_response": _("first response"),
        "next_response": _("next response"),
        "resolution": pgettext("SLA target", "resolution"),
    }
    return labels.get(name, name)


def _local(moment: datetime.datetime, user: User) -> str:
    zone = (
        zoneinfo.ZoneInfo(user.timezone)
        if getattr(user, "timezone", "") in known_timezones()
        else datetime.UTC
    )
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _tell_assignee(ticket: Ticket, item: Running) -> None:
    from klient.mail.services import language_code, mail_to_user
    from klient.service.services import ticket_url

    user = ticket.assignee
    if user is None or not user.email or not user.is_active:
        return
    with translation.override(language_code(user.language)):
        subject = _("%(reference)s: %(target)s due at %(due)s") % {
            "reference": ticket.reference,
            "target": target_label(item.name),
            "due": _local(item.due, user),
        }
        body = _(
            "75 %% of the %(target)s time of %(reference)s (%(subject)s) is spent; it is due at %(due)s.\n\n%(url)s\n"
        ) % {
            "target": target_label(item.name),
            "reference": ticket.reference,
            "subject": ticket.subject,
            "due": _local(item.due, user),
            "url": ticket_url(ticket),
        }
    key = f"sla-warning:{ticket.pk}:{item.name}:{int(item.due.timestamp())}"
    mail_to_user(user=user, subject=subject, body=body, key=key)


def _tell_lead(ticket: Ticket, item: Running, lead: User) -> None:
    from klient.mail.services import language_code, mail_to_user
    from klient.service.services import ticket_url

    if not lead.email or not lead.is_active:
        return
    with translation.override(language_code(lead.language)):
        subject = _("SLA breached: %(reference)s %(target)s was due at %(due)s") % {
            "reference": ticket.reference,
            "target": target_label(item.name),
            "due": _local(item.due, lead),
        }
        body = _(
            "The %(target)s of %(reference)s (%(subject)s) in queue %(queue)s was due at %(due)s.\n"
            "Assignee: %(assignee)s\n\n%(url)s\n"
        ) % {
            "target": target_label(item.name),
            "reference": ticket.reference,
            "subject": ticket.subject,
            "queue": ticket.queue.name,
            "due": _local(item.due, lead),
            "assignee": ticket.assignee or "—",
            "url": ticket_url(ticket),
        }
    key = f"sla-breach:{ticket.pk}:{item.name}:{int(item.due.timestamp())}"
    mail_to_user(user=lead, subject=subject, body=body, key=key)


def _escalate_one(ticket_id: int, *, now: datetime.datetime, policies: Policies) -> dict[str, int]:
    from klient.core.audit import AuditAction, audit_log, diff, snapshot
    from klient.service.services import ticket_payload  # services uses this module: imported on use
    from klient.webhooks.models import WebhookEvent
    from klient.webhooks.services import webhook_emit

    counts = {"warned": 0, "breached": 0, "reassigned": 0}
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue", "queue__lead", "assignee", "company", "sla_policy__calendar")
        .filter(pk=ticket_id, status__in=OPEN_STATUSES)
        .first()
    )
    if ticket is None or ticket.sla_policy is None:
        if ticket is not None:
            Ticket.objects.filter(pk=ticket.pk).update(sla_check_at=None)
        return counts
    schedule = schedule_for(ticket.sla_policy.calendar)
    target = policies.target(ticket.sla_policy, ticket.priority)
    running = running_targets(ticket, schedule, target)
    events: list[TicketEvent] = []
    before = snapshot(ticket, Ticket.AUDITED_FIELDS)
    lead = ticket.queue.lead
    for item in running:
        if now >= item.due and item.name not in ticket.breached:
            ticket.breached = [*ticket.breached, item.name]
            if item.name not in ticket.warned:
                ticket.warned = [*ticket.warned, item.name]
            counts["breached"] += 1
            events.append(
                _event(ticket, EventKind.SLA_BREACHED, now, None, target=item.name, due=item.due.isoformat())
            )
            webhook_emit(
                event=WebhookEvent.TICKET_SLA_BREACHED,
                payload={**ticket_payload(ticket), "target": item.name, "due": item.due.isoformat()},
                key=f"ticket.sla_breached:{ticket.pk}:{item.name}:{int(item.due.timestamp())}",
            )
            if lead is not None:
                _tell_lead(ticket, item, lead)
                reassign = ticket.queue.reassign_on_breach and ticket.assignee_id != lead.pk
                events.append(
                    _event(
                        ticket,
                        EventKind.ESCALATED,
                        now,
                        None,
                        target=item.name,
                        to=lead.pk,
                        reassigned=reassign,
                    )
                )
                if reassign:
                    ticket.assignee = lead
                    counts["reassigned"] += 1
                    events.append(_event(ticket, EventKind.ASSIGNED, now, None, to=lead.pk, by="escalation"))
        elif now >= item.warn_at and item.name not in ticket.warned and item.name not in ticket.breached:
            ticket.warned = [*ticket.warned, item.name]
            counts["warned"] += 1
            events.append(
                _event(ticket, EventKind.SLA_WARNING, now, None, target=item.name, due=item.due.isoformat())
            )
            _tell_assignee(ticket, item)
    ticket.sla_status, ticket.sla_check_at = _status_and_check(ticket, running, now)
    fields = ["warned", "breached", "sla_status", "sla_check_at"]
    changes = diff(before, snapshot(ticket, Ticket.AUDITED_FIELDS))
    if changes:
        ticket.version += 1
        ticket.updated_at = now
        fields += ["assignee", "version", "updated_at"]
    ticket.save(update_fields=fields)
    TicketEvent.objects.bulk_create(events)
    if changes:
        audit_log(instance=ticket, action=AuditAction.UPDATE, actor=None, changes=changes)
    return counts


def sla_escalate(*, now: datetime.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """The escalation job: for the open tickets whose next SLA check has come (an index on sla_check_at
    finds them), warn the assignee once a running target is 75 % spent, and at its due time record the
    breach, tell the queue's lead, send `ticket.sla_breached` and, when the queue says so, hand the ticket
    to the lead. Each ticket in its own transaction; idempotent. Returns the counts."""
    now = now or timezone.now()
    policies = Policies.load()
    totals = {"tickets": 0, "warned": 0, "breached": 0, "reassigned": 0}
    done: set[int] = set()
    while True:
        ids = [
            pk
            for pk in Ticket.objects.filter(sla_check_at__lte=now)
            .order_by("sla_check_at", "pk")
            .values_list("pk", flat=True)[: batch + len(done)]
            if pk not in done
        ]
        if not ids:
            break
        for pk in ids:
            with transaction.atomic():
                counts = _escalate_one(pk, now=now, policies=policies)
            done.add(pk)
            totals["tickets"] += 1
            for name, value in counts.items():
                totals[name] += value
        # A ticket whose check moved past `now` leaves the query; one still due (a check at `now` exactly
        # for a target another check covers) is passed over by `done`.
    # Tickets no longer open keep no check.
    Ticket.objects.filter(sla_check_at__lte=now).exclude(status__in=OPEN_STATUSES).update(sla_check_at=None)
    return totals
