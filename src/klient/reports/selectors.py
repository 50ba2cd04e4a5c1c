"""Reads of the reports: the call-result analysis and the monthly figures, counted in the database.

Every read starts from what the user may see: calls through `Activity.objects.visible_to` narrowed to
the reps in the user's sight (their own calls; a sales manager's team's; an administrator's all), and
monthly reports of the user, of their team for a manager, of everyone for an administrator.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Q, QuerySet, When
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils.translation import gettext as _

from klient.activities.models import Activity, ActivityKind, CallOutcome
from klient.activities.targets import metric_counts, targets_progress
from klient.core.models import AuditEntry, User, Visibility, known_timezones
from klient.core.visibility import delegators, local_today, user_scope, user_team_ids
from klient.customers.models import Company, CompanyStatus
from klient.reports.models import MonthlyReport

GROUPS = ("rep", "day", "segment", "hour")
# A call that reached someone who listened: the share of these is what makes an hour good to call.
POSITIVE_OUTCOMES = ("reached", "interested", "offer_made")
OFFER_OUTCOME = "offer_made"
MAX_PERIOD_DAYS = 366
METRICS = ("calls", "phone_offers", "proposal_emails", "meetings", "visits", "new_clients")


# ----------------------------------------------------------------------------------------------------------
# Call-result analysis


@dataclass
class CallGroupRow:
    """Calls of one rep, day or segment: by outcome, and how many companies got an offer."""

    key: str
    label: str
    calls: int
    outcomes: dict[str, int]
    without_outcome: int
    companies: int
    offer_companies: int
    # Contracts the rep marked "later" (to sign later): there are no contracts yet, so always None.
    contracts_later: int | None = None

    @property
    def offer_rate(self) -> float | None:
        """Companies with an offer among the companies called (None when none was called)."""
        return round(self.offer_companies / self.companies, 4) if self.companies else None


@dataclass
class CallHourRow:
    """Calls made in one hour of one weekday (on the rep's clock) and how many reached someone."""

    weekday: int  # ISO: 1 Monday … 7 Sunday
    hour: int
    calls: int
    positive: int

    @property
    def positive_share(self) -> float | None:
        return round(self.positive / self.calls, 4) if self.calls else None


@dataclass
class CallAnalysis:
    """The analysis of a period: the columns (outcomes), the rows of the chosen grouping, the total."""

    start: datetime.date
    end: datetime.date
    group: str
    outcomes: list[CallOutcome]
    total: CallGroupRow
    rows: list[CallGroupRow] = field(default_factory=list)
    hours: list[CallHourRow] = field(default_factory=list)


def rep_scope_q(user: User) -> Q | None:
    """Calls of the reps the user may report on: their own, their team's (team visibility), everyone's
    (all); the same for each user whose delegation to them is in force. None means everyone."""
    combined = Q(pk__in=[])
    for principal in [user, *delegators(user)]:
        scope = user_scope(principal)
        if scope == Visibility.ALL:
            return None
        combined |= Q(owner_id=principal.pk)
        if scope == Visibility.TEAM:
            members = User.objects.filter(team_id__in=user_team_ids(principal)).values("pk")
            combined |= Q(owner_id__in=members)
    return combined


def period_bounds(
    start: datetime.date, end: datetime.date, zone: datetime.tzinfo
) -> tuple[datetime.datetime, datetime.datetime]:
    """From midnight starting `start` to midnight ending `end` in the zone."""
    return (
        datetime.datetime.combine(start, datetime.time(), zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), zone),
    )


def calls_done(*, user: User, start: datetime.date, end: datetime.date) -> QuerySet[Activity]:
    """Done calls of the period (days in the user's time zone) that the user may report on."""
    since, until = period_bounds(start, end, user.tzinfo)
    calls = Activity.objects.visible_to(user).filter(
        kind=ActivityKind.CALL,
        # A done activity's timeline time is when it was done: `at` reaches the (owner, at) index.
        at__gte=since,
        at__lt=until,
        done_at__gte=since,
        done_at__lt=until,
    )
    reps = rep_scope_q(user)
    return (calls if reps is None else calls.filter(reps)).order_by()


def _aggregates(outcomes: list[CallOutcome]) -> dict[str, Any]:
    offer = next((outcome for outcome in outcomes if outcome.code == OFFER_OUTCOME), None)
    aggregates: dict[str, Any] = {
        "calls": Count("id"),
        "companies": Count("company_id", distinct=True),
        "offer_companies": Count(
            "company_id", distinct=True, filter=Q(outcome_id=offer.pk) if offer else Q(pk__in=[])
        ),
    }
    for outcome in outcomes:
        aggregates[f"outcome_{outcome.pk}"] = Count("id", filter=Q(outcome_id=outcome.pk))
    return aggregates


def _row(key: str, label: str, values: dict[str, Any], outcomes: list[CallOutcome]) -> CallGroupRow:
    by_outcome = {outcome.code: values[f"outcome_{outcome.pk}"] or 0 for outcome in outcomes}
    calls = values["calls"] or 0
    return CallGroupRow(
        key=key,
        label=label,
        calls=calls,
        outcomes=by_outcome,
        without_outcome=calls - sum(by_outcome.values()),
        companies=values["companies"] or 0,
        offer_companies=values["offer_companies"] or 0,
    )


def _zoned(
    extract: type[ExtractHour] | type[ExtractIsoWeekDay], zones: list[str]
) -> ExtractHour | ExtractIsoWeekDay | Case:
    """Hour or weekday of `done_at` on each call's owner's clock."""
    if len(zones) == 1:
        return extract("done_at", tzinfo=zoneinfo.ZoneInfo(zones[0]))
    return Case(
        *(
            When(owner__timezone=name, then=extract("done_at", tzinfo=zoneinfo.ZoneInfo(name)))
            for name in zones
        ),
        default=extract("done_at", tzinfo=datetime.UTC),
    )


def _user_label(first_name: str, last_name: str, username: str) -> str:
    return " ".join(part for part in (first_name, last_name) if part) or username


def period_check(start: datetime.date, end: datetime.date) -> None:
    """A ValidationError naming `end` when the period ends before it starts or is longer than a year."""
    if end < start:
        raise ValidationError({"end": _("The period ends before it starts.")})
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationError({"end": _("At most %(count)d days at once.") % {"count": MAX_PERIOD_DAYS}})


def month_to_date(user: User) -> tuple[datetime.date, datetime.date]:
    """The default period: from the 1st of the user's current month to today, on their clock."""
    today = local_today(user)
    return today.replace(day=1), today


def call_analysis(*, user: User, start: datetime.date, end: datetime.date, group: str) -> CallAnalysis:
    """Outcomes and conversion of the done calls in the period by rep, day or segment, or the calls and
    the share that reached someone by weekday and hour of the rep's clock: a fixed number of queries."""
    if group not in GROUPS:
        raise ValueError(group)
    outcomes = list(CallOutcome.objects.all())
    calls = calls_done(user=user, start=start, end=end)
    aggregates = _aggregates(outcomes)
    total = _row("total", "", calls.aggregate(**aggregates), outcomes)
    analysis = CallAnalysis(start=start, end=end, group=group, outcomes=outcomes, total=total)
    if group == "hour":
        zones = sorted(set(User.objects.values_list("timezone", flat=True)) & known_timezones()) or ["UTC"]
        positive_ids = [outcome.pk for outcome in outcomes if outcome.code in POSITIVE_OUTCOMES]
        grid = (
            calls.annotate(weekday=_zoned(ExtractIsoWeekDay, zones), hour=_zoned(ExtractHour, zones))
            .values("weekday", "hour")
            .annotate(calls=Count("id"), positive=Count("id", filter=Q(outcome_id__in=positive_ids)))
        )
        analysis.hours = sorted(
            (CallHourRow(item["weekday"], item["hour"], item["calls"], item["positive"]) for item in grid),
            key=lambda row: (row.weekday, row.hour),
        )
        return analysis
    if group == "rep":
        names = ("owner_id", "owner__username", "owner__first_name", "owner__last_name")
        grouped = calls.values(*names).annotate(**aggregates)
        rows = [
            _row(
                item["owner__username"],
                _user_label(item["owner__first_name"], item["owner__last_name"], item["owner__username"]),
                item,
                outcomes,
            )
            for item in grouped
        ]
        rows.sort(key=lambda row: (-row.calls, row.label.casefold()))
    elif group == "day":
        grouped = (
            calls.annotate(day=TruncDate("done_at", tzinfo=user.tzinfo)).values("day").annotate(**aggregates)
        )
        rows = [_row(item["day"].isoformat(), item["day"].isoformat(), item, outcomes) for item in grouped]
        rows.sort(key=lambda row: row.key)
    else:
        grouped = calls.values("company__segment").annotate(**aggregates)
        rows = [_row(item["company__segment"], item["company__segment"], item, outcomes) for item in grouped]
        rows.sort(key=lambda row: (-row.calls, row.key.casefold()))
    analysis.rows = rows
    return analysis


# ----------------------------------------------------------------------------------------------------------
# Monthly report


def month_bounds(month: datetime.date, zone: datetime.tzinfo) -> tuple[datetime.datetime, datetime.datetime]:
    """Midnight starting the month and midnight starting the next one, in the zone."""
    first = month.replace(day=1)
    return (
        datetime.datetime.combine(first, datetime.time(), zone),
        datetime.datetime.combine(first + relativedelta(months=1), datetime.time(), zone),
    )


def parse_month(text: str) -> datetime.date:
    """The first day of the month written YYYY-MM; a ValidationError naming `month` otherwise."""
    try:
        return datetime.datetime.strptime(text.strip(), "%Y-%m").date()  # noqa: DTZ007 - a date only
    except ValueError:
        raise ValidationError({"month": _("Enter a month as YYYY-MM, e.g. 2026-03.")}) from None


def new_clients_count(*, user: User, month: datetime.date) -> int:
    """Companies the user owns that became customers for the first time in the month (user's clock):
    created as a customer, or changed to one, by the audit trail; a customer won back is not new."""
    since, until = month_bounds(month, user.tzinfo)
    became = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Company), changes__status__to=CompanyStatus.CUSTOMER
    ).order_by()
    return (
        Company.objects.filter(
            owner=user, pk__in=became.filter(at__gte=since, at__lt=until).values("object_id")
        )
        .exclude(pk__in=became.filter(at__lt=since).values("object_id"))
        .count()
    )


def targets_met(*, user: User, month: datetime.date) -> list[dict[str, Any]]:
    """The month's targets of the user (those with a monthly period) and what was done, from
    klient.activities.targets."""
    last_day = month.replace(day=1) + relativedelta(months=1, days=-1)
    items = targets_progress(user=user, day=last_day)
    return [
        {"metric": item.metric, "target": item.target, "done": item.done, "is_met": item.done >= item.target}
        for item in items
        if item.period == "month"
    ]


def monthly_figures(*, user: User, month: datetime.date) -> dict[str, Any]:
    """The user's work in the month (on their clock): done calls, phone offers (calls with the outcome
    `offer_made`), proposal emails (once per company per day), meetings, visits, new clients, targets."""
    zone = user.tzinfo
    since, until = month_bounds(month, zone)
    done = Activity.objects.filter(owner=user, done_at__gte=since, done_at__lt=until).order_by()
    counts = done.aggregate(
        meetings=Count("id", filter=Q(kind=ActivityKind.MEETING)),
        visits=Count("id", filter=Q(kind=ActivityKind.VISIT)),
    )
    # Calls, phone offers and proposal emails as the targets count them.
    first = month.replace(day=1)
    metrics = metric_counts(user=user, start=first, end=first + relativedelta(months=1, days=-1))
    return {
        "calls": metrics["calls"],
        "phone_offers": metrics["phone_offers"],
        "proposal_emails": metrics["proposal_emails"],
        "meetings": counts["meetings"],
        "visits": counts["visits"],
        "new_clients": new_clients_count(user=user, month=month),
        "targets": targets_met(user=user, month=month),
    }


def monthly_report_list(*, user: User) -> QuerySet[MonthlyReport]:
    """Monthly reports the user may read: their own; their team's (and the teams they lead) for team
    visibility; everyone's for all. None without `reports.view_monthlyreport`."""
    reports = MonthlyReport.objects.select_related("user")
    if not user.is_active or not user.has_perm("reports.view_monthlyreport"):
        return reports.none()
    scope = user_scope(user)
    if scope == Visibility.ALL:
        return reports
    condition = Q(user_id=user.pk)
    if scope == Visibility.TEAM:
        condition |= Q(user__team_id__in=user_team_ids(user))
    return reports.filter(condition)


def report_manager(user: User) -> User | None:
    """Who receives the user's final report: the active leader of the user's team, not the user."""
    team = user.team
    lead = team.lead if team is not None else None
    if lead is None or lead.pk == user.pk or not lead.is_active:
        return None
    return lead
