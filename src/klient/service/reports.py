"""Service reports, computed on request from the tickets' recorded events (so they can always be
recomputed): first-response and resolution times in business time, SLA compliance, the backlog by age,
volume by channel, category and week, satisfaction, and each agent's workload.

Every figure covers the tickets the user sees (Ticket.objects.visible_to), optionally of one queue, one
agent (the assignee) or one company, over a period [start, end). Weeks start on Monday in the report's
time zone (the user's). How each figure is read:

- first-response time: business time of the ticket's policy calendar from its creation to its
  `first_response` event; counted in the week of that event;
- resolution time: business time from creation to the `resolved` event (or a `closed` event from an
  open status), less the business time the clock was stopped (`sla_paused` … `sla_resumed`, and a pause
  still running at the resolution); a ticket resolved twice in the period counts once, at its last
  resolution;
- SLA compliance: a measured first response or resolution met its target when no `sla_breached` event
  for that target came before it and it came no later than its due time (as the latest `sla_applied` or
  `sla_recomputed` event before it set it); one without a due time is not counted;
- backlog: the tickets open at the period's end (now, for a period not yet over; else as the status
  events left them), by age since creation, per queue (the ticket's queue now);
- volume: the `created` events of the period, by channel, category and week;
- satisfaction: the ratings given in the period, by week and by agent;
- workload: per agent, the open tickets assigned now, the tickets resolved in the period (by who
  resolved them, else the assignee), the replies sent and the minutes of time spent recorded.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import itertools
import math
import statistics
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from klient.core.models import User
from klient.service.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    BusinessCalendar,
    Channel,
    EventKind,
    Queue,
    Satisfaction,
    SlaPolicy,
    Ticket,
    TicketEvent,
)
from klient.service.satisfaction import RATINGS, satisfaction_summary
from klient.service.sla import Schedule, business_seconds_between, schedule_for

if TYPE_CHECKING:
    from klient.customers.models import Company

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
# Ages of the backlog's buckets, in days: [0, 1), [1, 3), [3, 7), [7, 30), [30, …).
AGE_LIMITS = (1, 3, 7, 30)
# Events that say where a ticket's status went, for the backlog at a past instant.
STATUS_KINDS = (EventKind.STATUS, EventKind.RESOLVED, EventKind.CLOSED, EventKind.REOPENED)
# The history a ticket's response and resolution times are read from.
TIME_KINDS = (
    EventKind.FIRST_RESPONSE,
    EventKind.RESOLVED,
    EventKind.CLOSED,
    EventKind.SLA_APPLIED,
    EventKind.SLA_RECOMPUTED,
    EventKind.SLA_PAUSED,
    EventKind.SLA_RESUMED,
    EventKind.SLA_BREACHED,
)


@dataclasses.dataclass(frozen=True)
class ReportScope:
    """Whose tickets, over which period: [start, end), aware; weeks are of `zone`."""

    user: User
    start: datetime.datetime
    end: datetime.datetime
    zone: datetime.tzinfo = datetime.UTC
    queue: Queue | None = None
    agent: User | None = None
    company: Company | None = None

    def tickets(self, *, by_agent: bool = True) -> QuerySet[Ticket]:
        """The tickets the report covers (all periods): visible to the user and of the filters."""
        tickets = Ticket.objects.visible_to(self.user)
        if self.queue is not None:
            tickets = tickets.filter(queue=self.queue)
        if self.company is not None:
            tickets = tickets.filter(company=self.company)
        if by_agent and self.agent is not None:
            tickets = tickets.filter(assignee=self.agent)
        return tickets

    def week(self, moment: datetime.datetime) -> datetime.date:
        """The Monday of the week `moment` falls in, on the report's clock."""
        day = moment.astimezone(self.zone).date()
        return day - datetime.timedelta(days=day.weekday())

    def weeks(self) -> list[datetime.date]:
        """Every week the period touches, oldest first."""
        first = self.week(self.start)
        last = self.week(self.end - datetime.timedelta(microseconds=1))
        return [first + datetime.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def user_zone(user: User) -> datetime.tzinfo:
    """The user's time zone (UTC when it is not known): the report's days and weeks."""
    try:
        return zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


# --- statistics ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Stats:
    """Count, median, average and 90th percentile (nearest rank) of durations in seconds."""

    count: int
    median: float | None
    average: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Iterable[int]) -> Stats:
        ordered = sorted(values)
        if not ordered:
            return cls(0, None, None, None)
        rank = max(math.ceil(0.9 * len(ordered)) - 1, 0)
        return cls(
            len(ordered), float(statistics.median(ordered)), statistics.fmean(ordered), float(ordered[rank])
        )


def hours(seconds: float | None) -> Decimal | None:
    """Seconds as hours with two decimals (a Decimal: a number in the spreadsheet)."""
    return None if seconds is None else Decimal(seconds / 3600).quantize(Decimal("0.01"))


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in per cent with one decimal; None of nothing."""
    return None if not whole else Decimal(part * 100 / whole).quantize(Decimal("0.1"))


# --- response and resolution times, SLA compliance ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Measure:
    """One first response or resolution in the period: its business seconds and whether it met its due
    (None when it had none)."""

    ticket_id: int
    target: str
    at: datetime.datetime
    seconds: int
    met: bool | None


def _moment(text: Any) -> datetime.datetime | None:
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(str(text))
    except ValueError:
        return None


class _Calendars:
    """Each policy's calendar schedule (cached by klient.service.sla), read once per report."""

    def __init__(self) -> None:
        calendars = {calendar.pk: calendar for calendar in BusinessCalendar.objects.all()}
        self.by_policy = {
            policy_id: calendars[calendar_id]
            for policy_id, calendar_id in SlaPolicy.objects.values_list("pk", "calendar_id")
        }
        self.default = next((c for c in calendars.values() if c.is_default), None) or next(
            iter(calendars.values()), None
        )

    def schedule(self, policy_id: int | None) -> Schedule | None:
        calendar = self.by_policy.get(policy_id) if policy_id is not None else None
        calendar = calendar or self.default
        return None if calendar is None else schedule_for(calendar)


def _ticket_measures(
    scope: ReportScope,
    created: datetime.datetime,
    policy_id: int | None,
    events: Iterable[tuple[int, str, datetime.datetime, Any]],
    calendars: _Calendars,
) -> list[Measure]:
    dues: dict[str, datetime.datetime | None] = {FIRST_RESPONSE: None, RESOLUTION: None}
    breached: set[str] = set()
    pauses: list[tuple[datetime.datetime, datetime.datetime]] = []
    pause_start: datetime.datetime | None = None
    measures: dict[str, Measure] = {}
    history = list(events)
    # The calendar: of the policy the events name last (else the ticket's).
    for _ticket_id, kind, _at, data in history:
        if (
            kind in (EventKind.SLA_APPLIED, EventKind.SLA_RECOMPUTED)
            and isinstance(data, dict)
            and "policy" in data
        ):
            policy_id = data["policy"]
    schedule = calendars.schedule(policy_id)
    if schedule is None:
        return []

    def between(first: datetime.datetime, second: datetime.datetime) -> int:
        assert schedule is not None
        return business_seconds_between(schedule, first, second)

    for ticket_id, kind, at, data in history:
        data = data if isinstance(data, dict) else {}
        if kind == EventKind.SLA_APPLIED:
            dues = {
                FIRST_RESPONSE: _moment(data.get("first_response_due")),
                RESOLUTION: _moment(data.get("resolution_due")),
            }
        elif kind == EventKind.SLA_RECOMPUTED:
            after = data.get("after") or {}
            dues = {
                FIRST_RESPONSE: _moment(after.get("first_response_due")),
                RESOLUTION: _moment(after.get("resolution_due")),
            }
        elif kind == EventKind.SLA_PAUSED:
            pause_start = pause_start or at
        elif kind == EventKind.SLA_RESUMED:
            if pause_start is not None:
                pauses.append((pause_start, at))
            pause_start = None
        elif kind == EventKind.SLA_BREACHED:
            breached.add(str(data.get("target", "")))
        elif scope.start <= at < scope.end:
            is_resolution = kind == EventKind.RESOLVED or (
                kind == EventKind.CLOSED and data.get("from") not in DONE_STATUSES
            )
            if kind == EventKind.FIRST_RESPONSE:
                target, seconds = FIRST_RESPONSE, between(created, at)
            elif is_resolution:
                stopped = sum(between(max(a, created), min(b, at)) for a, b in pauses if a < at)
                if pause_start is not None and pause_start < at:
                    stopped += between(max(pause_start, created), at)
                target, seconds = RESOLUTION, max(between(created, at) - stopped, 0)
            else:
                continue
            due = dues[target]
            met = None if due is None else target not in breached and at <= due
            measures[target] = Measure(ticket_id, target, at, seconds, met)
    return list(measures.values())


def measures(scope: ReportScope) -> list[Measure]:
    """The first responses and resolutions of the period with their business times: three queries and one
    pass over the measured tickets' SLA history."""
    tickets = scope.tickets()
    measured = TicketEvent.objects.filter(
        kind__in=(EventKind.FIRST_RESPONSE, EventKind.RESOLVED, EventKind.CLOSED),
        at__gte=scope.start,
        at__lt=scope.end,
        ticket__in=tickets.values("pk"),
    ).values("ticket_id")
    facts = {
        pk: (created, policy_id)
        for pk, created, policy_id in Ticket.objects.filter(pk__in=measured).values_list(
            "pk", "created_at", "sla_policy_id"
        )
    }
    if not facts:
        return []
    calendars = _Calendars()
    history = (
        TicketEvent.objects.filter(ticket_id__in=measured, kind__in=TIME_KINDS, at__lt=scope.end)
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "kind", "at", "data")
        .iterator(chunk_size=5000)
    )
    found: list[Measure] = []
    for ticket_id, events in itertools.groupby(history, key=lambda row: row[0]):
        created, policy_id = facts[ticket_id]
        found.extend(_ticket_measures(scope, created, policy_id, events, calendars))
    return found


@dataclasses.dataclass(frozen=True)
class TimesRow:
    week: datetime.date | None  # None: the whole period
    first_response: Stats
    resolution: Stats


@dataclasses.dataclass(frozen=True)
class ComplianceRow:
    week: datetime.date | None
    first_measured: int
    first_met: int
    resolution_measured: int
    resolution_met: int


def _by_week(scope: ReportScope, found: list[Measure]) -> dict[datetime.date, list[Measure]]:
    weeks: dict[datetime.date, list[Measure]] = {week: [] for week in scope.weeks()}
    for measure in found:
        weeks.setdefault(scope.week(measure.at), []).append(measure)
    return weeks


def _seconds(found: list[Measure], target: str) -> list[int]:
    return [m.seconds for m in found if m.target == target]


def response_times(scope: ReportScope, found: list[Measure]) -> list[TimesRow]:
    """Per week and for the period: first-response and resolution times."""
    rows = [
        TimesRow(week, Stats.of(_seconds(items, FIRST_RESPONSE)), Stats.of(_seconds(items, RESOLUTION)))
        for week, items in sorted(_by_week(scope, found).items())
    ]
    rows.append(
        TimesRow(None, Stats.of(_seconds(found, FIRST_RESPONSE)), Stats.of(_seconds(found, RESOLUTION)))
    )
    return rows


def sla_compliance(scope: ReportScope, found: list[Measure]) -> list[ComplianceRow]:
    """Per week and for the period: the measured first responses and resolutions that had a due time and
    how many met it."""

    def row(week: datetime.date | None, items: list[Measure]) -> ComplianceRow:
        first = [m for m in items if m.target == FIRST_RESPONSE and m.met is not None]
        resolved = [m for m in items if m.target == RESOLUTION and m.met is not None]
        return ComplianceRow(
            week, len(first), sum(1 for m in first if m.met), len(resolved), sum(1 for m in resolved if m.met)
        )

    rows = [row(week, items) for week, items in sorted(_by_week(scope, found).items())]
    rows.append(row(None, found))
    return rows


# --- backlog ------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class BacklogRow:
    queue: str
    buckets: list[int]

    @property
    def total(self) -> int:
        return sum(self.buckets)


def _bucket(age: datetime.timedelta) -> int:
    days = age.total_seconds() / 86400
    return next((n for n, limit in enumerate(AGE_LIMITS) if days < limit), len(AGE_LIMITS))


def _is_open(kind: str | None, to: str | None) -> bool:
    if kind is None or kind == EventKind.REOPENED:
        return True
    if kind == EventKind.STATUS:
        return to in OPEN_STATUSES
    return False


def backlog(
    scope: ReportScope, *, now: datetime.datetime | None = None
) -> tuple[datetime.datetime, list[BacklogRow]]:
    """The open tickets at the period's end (or now, if sooner) by age and queue, with a total row last."""
    now = now or timezone.now()
    moment = min(scope.end, now)
    tickets = scope.tickets().filter(created_at__lt=moment)
    rows: Iterable[tuple[int, datetime.datetime]]
    if moment >= now:
        rows = tickets.filter(status__in=OPEN_STATUSES).values_list("queue_id", "created_at")
    else:
        last = TicketEvent.objects.filter(
            ticket=OuterRef("pk"), kind__in=STATUS_KINDS, at__lt=moment
        ).order_by("-at", "-id")
        # Done now and last resolved before the moment (a reopening clears resolved_at, so none came
        # since): done at the moment too. Leaving these out keeps the event lookups to the few others.
        candidates = tickets.exclude(status__in=DONE_STATUSES, resolved_at__lt=moment)
        annotated = candidates.annotate(
            last_kind=Subquery(last.values("kind")[:1]),
            last_to=Subquery(last.annotate(to=KT("data__to")).values("to")[:1]),
        ).values_list("queue_id", "created_at", "last_kind", "last_to")
        rows = ((queue_id, created) for queue_id, created, kind, to in annotated if _is_open(kind, to))
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * (len(AGE_LIMITS) + 1))
    for queue_id, created in rows:
        counts[queue_id][_bucket(moment - created)] += 1
    names = dict(Queue.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    result = [BacklogRow(names.get(pk, ""), buckets) for pk, buckets in counts.items()]
    result.sort(key=lambda row: row.queue.casefold())
    total = [sum(row.buckets[n] for row in result) for n in range(len(AGE_LIMITS) + 1)]
    result.append(BacklogRow(_("Total"), total))
    return moment, result


# --- volume -------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Volume:
    channels: list[tuple[str, str]]  # (code, label) of the channels that occur
    weeks: list[tuple[datetime.date, dict[str, int]]]  # per week: tickets created per channel
    categories: list[tuple[str, int]]  # (category, tickets created), most first; "" for none
    total: int


def volume(scope: ReportScope) -> Volume:
    """Tickets created in the period, by week and channel and by category: two grouped queries."""
    created = TicketEvent.objects.filter(
        kind=EventKind.CREATED, at__gte=scope.start, at__lt=scope.end, ticket__in=scope.tickets().values("pk")
    )
    weeks: dict[datetime.date, Counter[str]] = {week: Counter() for week in scope.weeks()}
    used: set[str] = set()
    for row in (
        created.annotate(week=TruncWeek("at", tzinfo=scope.zone))
        .values("week", "ticket__channel")
        .annotate(count=Count("id"))
        .order_by()
    ):
        week = row["week"]
        day = week.astimezone(scope.zone).date() if isinstance(week, datetime.datetime) else week
        weeks.setdefault(day, Counter())[row["ticket__channel"]] += row["count"]
        used.add(row["ticket__channel"])
    channels = [(code, str(label)) for code, label in Channel.choices if code in used]
    categories = [
        (row["ticket__category__name"] or "", row["count"])
        for row in created.values("ticket__category__name")
        .annotate(count=Count("id"))
        .order_by("-count", "ticket__category__name")
    ]
    return Volume(
        channels=channels,
        weeks=[(week, dict(counts)) for week, counts in sorted(weeks.items())],
        categories=categories,
        total=sum(count for _name, count in categories),
    )


# --- satisfaction -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SatisfactionWeek:
    week: datetime.date | None
    ratings: dict[int, int]  # rating → count

    @property
    def count(self) -> int:
        return sum(self.ratings.values())

    @property
    def average(self) -> Decimal | None:
        if not self.count:
            return None
        total = sum(rating * count for rating, count in self.ratings.items())
        return Decimal(total / self.count).quantize(Decimal("0.01"))


def satisfaction(scope: ReportScope) -> tuple[list[SatisfactionWeek], list[dict[str, Any]]]:
    """Ratings given in the period: per week (count, average, 1–5) with the period's row last, and per
    agent (satisfaction_summary)."""
    rated = Satisfaction.objects.filter(
        ticket__in=scope.tickets().values("pk"),
        rated_at__gte=scope.start,
        rated_at__lt=scope.end,
        rating__isnull=False,
    )
    weeks: dict[datetime.date, Counter[int]] = {week: Counter() for week in scope.weeks()}
    for row in (
        rated.annotate(week=TruncWeek("rated_at", tzinfo=scope.zone))
        .values("week", "rating")
        .annotate(count=Count("id"))
        .order_by()
    ):
        week = row["week"]
        day = week.astimezone(scope.zone).date() if isinstance(week, datetime.datetime) else week
        weeks.setdefault(day, Counter())[row["rating"]] += row["count"]
    result = [
        SatisfactionWeek(week, {r: counts[r] for r in RATINGS}) for week, counts in sorted(weeks.items())
    ]
    total: Counter[int] = Counter()
    for item in result:
        total.update(item.ratings)
    result.append(SatisfactionWeek(None, {r: total[r] for r in RATINGS}))
    return result, satisfaction_summary(rated)["by_agent"]


# --- workload -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class WorkloadRow:
    agent: str
    open_assigned: int = 0
    resolved: int = 0
    replies: int = 0
    minutes: int = 0


def workload(scope: ReportScope) -> list[WorkloadRow]:
    """Per agent: open tickets assigned now, tickets resolved in the period, replies sent and minutes of
    time spent recorded in it; four grouped queries and one for the names."""
    tickets = scope.tickets(by_agent=False)
    in_period = TicketEvent.objects.filter(
        at__gte=scope.start, at__lt=scope.end, ticket__in=tickets.values("pk")
    )
    figures: dict[int, dict[str, int]] = defaultdict(dict)
    for agent_id, count in (
        tickets.filter(status__in=OPEN_STATUSES, assignee__isnull=False)
        .values_list("assignee")
        .annotate(count=Count("id"))
        .order_by()
    ):
        figures[agent_id]["open_assigned"] = count
    for agent_id, count in (
        in_period.filter(kind=EventKind.RESOLVED)
        .annotate(agent=Coalesce("actor", "ticket__assignee"))
        .values_list("agent")
        .annotate(count=Count("ticket", distinct=True))
        .order_by()
    ):
        if agent_id is not None:
            figures[agent_id]["resolved"] = count
    for agent_id, count in (
        in_period.filter(kind=EventKind.REPLIED, actor__isnull=False)
        .values_list("actor")
        .annotate(count=Count("id"))
        .order_by()
    ):
        figures[agent_id]["replies"] = count
    for agent_id, minutes in (
        in_period.filter(kind=EventKind.TIME_SPENT, actor__isnull=False)
        .values_list("actor")
        .annotate(minutes=Sum(Cast(KT("data__minutes"), IntegerField())))
        .order_by()
    ):
        figures[agent_id]["minutes"] = int(minutes or 0)
    if scope.agent is not None:
        figures = {scope.agent.pk: figures.get(scope.agent.pk, {})} if scope.agent.pk in figures else {}
    names = {
        user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=list(figures))
    }
    rows = [WorkloadRow(names.get(pk, ""), **values) for pk, values in figures.items()]
    rows.sort(key=lambda row: (-row.open_assigned, row.agent.casefold()))
    return rows


# --- all of it ----------------------------------------------------------------------------------------------


class ServiceReport:
    """The reports of one scope, each computed once when first asked for."""

    def __init__(self, scope: ReportScope, *, now: datetime.datetime | None = None) -> None:
        self.scope = scope
        self.now = now or timezone.now()

    @functools.cached_property
    def measures(self) -> list[Measure]:
        return measures(self.scope)

    @functools.cached_property
    def times(self) -> list[TimesRow]:
        return response_times(self.scope, self.measures)

    @functools.cached_property
    def compliance(self) -> list[ComplianceRow]:
        return sla_compliance(self.scope, self.measures)

    @functools.cached_property
    def backlog(self) -> tuple[datetime.datetime, list[BacklogRow]]:
        return backlog(self.scope, now=self.now)

    @functools.cached_property
    def volume(self) -> Volume:
        return volume(self.scope)

    @functools.cached_property
    def satisfaction(self) -> tuple[list[SatisfactionWeek], list[dict[str, Any]]]:
        return satisfaction(self.scope)

    @functools.cached_property
    def workload(self) -> list[WorkloadRow]:
        return workload(self.scope)
