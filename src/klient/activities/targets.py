"""Targets and their progress: how much of each metric a user has done in a period.

Metrics (the API's codes), counted for the user as owner, in the user's time zone:
- `calls`: call activities done in the period;
- `phone_offers`: those of them with the outcome `offer_made`;
- `proposal_emails`: emails sent from Klient as commercial proposals (purpose "proposal"), each company
  counted once a day;
- `new_contracts`: contracts signed (on their signature date) with companies that had none signed before.

Which target applies: the user's own, else their team's, else their role's (the latest that started on
or before the day; a value of 0 switches the metric off for that holder).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from klient.activities.models import Activity, CallOutcome, Metric, Period, Purpose, Target
from klient.core.audit import audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed
from klient.core.models import AuditAction, Role, Team, User, Visibility
from klient.core.visibility import delegators, user_scope, user_team_ids

TARGET_AUDITED_FIELDS = ["metric", "period", "value", "user", "team", "role", "starts_on"]
# The roles whose members have targets and appear on the team board.
SALES_ROLES = [
    Role.ACCOUNT_MANAGER,
    Role.TELESALES,
    Role.SALES_CONSULTANT,
    Role.PRESALES,
    Role.SALES_MANAGER,
]
METRIC_ORDER = list(Metric.values)
PERIOD_ORDER = list(Period.values)


@dataclass(frozen=True)
class Progress:
    """One metric in one period: the target and what was done."""

    metric: str  # calls, phone_offers, proposal_emails, new_contracts
    period: str  # day, week, month
    start: datetime.date
    end: datetime.date  # inclusive
    target: int
    done: int

    @property
    def percent(self) -> int:
        """Share of the target done, 0–100 (over 100 shows as 100)."""
        if self.target <= 0:
            return 100
        return min(100, self.done * 100 // self.target)

    @property
    def is_met(self) -> bool:
        return self.done >= self.target


def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day (inclusive) of the day, week (Monday to Sunday) or month containing `day`."""
    if period == Period.DAY:
        return day, day
    if period == Period.WEEK:
        monday = day - datetime.timedelta(days=day.weekday())
        return monday, monday + datetime.timedelta(days=6)
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def _midnight(day: datetime.date, zone: ZoneInfo | datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def _window(
    start: datetime.date, end: datetime.date, zone: ZoneInfo | datetime.tzinfo
) -> tuple[datetime.datetime, datetime.datetime]:
    return _midnight(start, zone), _midnight(end + datetime.timedelta(days=1), zone)


# --- which targets apply ----------------------------------------------------------------------------


def _specificity(target: Target) -> int:
    if target.user_id is not None:
        return 0
    if target.team_id is not None:
        return 1
    return 2


def _targets_of(users: list[User], day: datetime.date) -> dict[int, dict[tuple[str, str], Target]]:
    """For each user, the target in force on `day` for each (metric, period) — one query for all."""
    if not users:
        return {}
    condition = (
        Q(user_id__in=[user.pk for user in users])
        | Q(team_id__in={user.team_id for user in users if user.team_id})
        | Q(role__in={user.role for user in users})
    )
    rows = list(Target.objects.filter(condition, starts_on__lte=day))
    chosen: dict[int, dict[tuple[str, str], Target]] = {}
    for user in users:
        best: dict[tuple[str, str], Target] = {}
        for target in rows:
            applies = (
                target.user_id == user.pk
                or (target.team_id is not None and target.team_id == user.team_id)
                or (target.role != "" and target.role == user.role)
            )
            if not applies:
                continue
            key = (target.metric, target.period)
            current = best.get(key)
            if current is None or (-_specificity(target), target.starts_on, target.pk) > (
                -_specificity(current),
                current.starts_on,
                current.pk,
            ):
                best[key] = target
        chosen[user.pk] = {key: target for key, target in best.items() if target.value > 0}
    return chosen


def targets_in_force(*, user: User, day: datetime.date) -> list[Target]:
    """The targets that apply to the user on `day`, in metric and period order."""
    chosen = _targets_of([user], day).get(user.pk, {})
    return sorted(chosen.values(), key=_target_order)


def _target_order(target: Target) -> tuple[int, int]:
    return (METRIC_ORDER.index(target.metric), PERIOD_ORDER.index(target.period))


# --- counting ----------------------------------------------------------------------------------------


def _offer_outcome_id() -> int | None:
    return CallOutcome.objects.filter(code="offer_made").values_list("pk", flat=True).first()


def _done_by(owner_ids: list[int], since: datetime.datetime, until: datetime.datetime) -> QuerySet[Activity]:
    # A done activity's `at` is its done time: the (owner, -at, -id) index serves the range.
    return Activity.objects.filter(
        owner_id__in=owner_ids, at__gte=since, at__lt=until, done_at__isnull=False
    ).order_by()


def _counts(
    users: list[User],
    windows: dict[str, tuple[datetime.date, datetime.date]],
) -> dict[int, dict[tuple[str, str], int]]:
    """Done counts of every metric in every named window, per user; constant number of queries (two per
    time zone among the users)."""
    result: dict[int, dict[tuple[str, str], int]] = {user.pk: defaultdict(int) for user in users}
    by_zone: dict[str, list[User]] = defaultdict(list)
    for user in users:
        by_zone[str(user.tzinfo)].append(user)
    offer_id = _offer_outcome_id()
    is_offer = Q(outcome_id=offer_id) if offer_id is not None else Q(pk__in=[])
    for zone_users in by_zone.values():
        zone = zone_users[0].tzinfo
        owner_ids = [user.pk for user in zone_users]
        bounds = {name: _window(start, end, zone) for name, (start, end) in windows.items()}
        since = min(lo for lo, _hi in bounds.values())
        until = max(hi for _lo, hi in bounds.values())
        aggregates: dict[str, Any] = {}
        for name, (lo, hi) in bounds.items():
            in_window = Q(at__gte=lo, at__lt=hi, kind="call")
            aggregates[f"calls_{name}"] = Count("id", filter=in_window)
            aggregates[f"phone_offers_{name}"] = Count("id", filter=in_window & is_offer)
        rows = (
            _done_by(owner_ids, since, until)
            .filter(kind="call")
            .values("owner_id")
            .annotate(**aggregates)
            .order_by("owner_id")
        )
        for row in rows:
            counts = result[row["owner_id"]]
            for name in bounds:
                counts[(Metric.CALLS, name)] = row[f"calls_{name}"]
                counts[(Metric.PHONE_OFFERS, name)] = row[f"phone_offers_{name}"]
        # Proposal emails: each company once a day, so the days are needed, not just a count.
        emails = (
            _done_by(owner_ids, since, until)
            .filter(kind="email", purpose=Purpose.PROPOSAL)
            .values_list("owner_id", "company_id", "at")
        )
        seen: set[tuple[int, int, datetime.date]] = set()
        for owner_id, company_id, at in emails:
            local = at.astimezone(zone)
            key = (owner_id, company_id, local.date())
            if key in seen:
                continue
            seen.add(key)
            for name, (lo, hi) in bounds.items():
                if lo <= local < hi:
                    result[owner_id][(Metric.PROPOSAL_EMAILS, name)] += 1
    _count_new_contracts(result, [user.pk for user in users], windows)
    return result


def _count_new_contracts(
    result: dict[int, dict[tuple[str, str], int]],
    owner_ids: list[int],
    windows: dict[str, tuple[datetime.date, datetime.date]],
) -> None:
    """New contracts: signed (on its signature date) by the owner with a company that had no contract
    signed before it. One query for every user and window."""
    from klient.sales.contracts.models import Contract

    since = min(start for start, _end in windows.values())
    until = max(end for _start, end in windows.values())
    earlier = Contract.objects.filter(company_id=OuterRef("company_id"), signed_on__isnull=False).filter(
        Q(signed_on__lt=OuterRef("signed_on")) | Q(signed_on=OuterRef("signed_on"), pk__lt=OuterRef("pk"))
    )
    rows = (
        Contract.objects.filter(owner_id__in=owner_ids, signed_on__gte=since, signed_on__lte=until)
        .exclude(Exists(earlier))
        .order_by()
        .values_list("owner_id", "signed_on")
    )
    for owner_id, signed_on in rows:
        for name, (start, end) in windows.items():
            if signed_on is not None and start <= signed_on <= end:
                result[owner_id][(Metric.NEW_CONTRACTS, name)] += 1


def metric_counts(*, user: User, start: datetime.date, end: datetime.date) -> dict[str, int]:
    """What the user did of each metric from `start` to `end` (both included, their time zone): the one
    definition targets, the monthly report and any other count share."""
    counts = _counts([user], {"period": (start, end)})[user.pk]
    return {metric: counts.get((metric, "period"), 0) for metric in METRIC_ORDER}


def _progress_for(users: list[User], day: datetime.date) -> dict[int, list[Progress]]:
    targets = _targets_of(users, day)
    periods = sorted(
        {period for chosen in targets.values() for _metric, period in chosen}, key=PERIOD_ORDER.index
    )
    windows = {period: period_bounds(period, day) for period in periods}
    counts = _counts(users, windows) if windows else {}
    result: dict[int, list[Progress]] = {}
    for user in users:
        items = []
        for (metric, period), target in sorted(
            targets.get(user.pk, {}).items(), key=lambda pair: _target_order(pair[1])
        ):
            start, end = windows[period]
            done = counts.get(user.pk, {}).get((metric, period), 0)
            items.append(Progress(metric, period, start, end, target.value, done))
        result[user.pk] = items
    return result


def targets_progress(*, user: User, day: datetime.date) -> list[Progress]:
    """For each metric with a target that applies to the user (their own, their team's or their
    role's), the progress in the period of that target (the day, week or month containing `day`),
    counted in the user's time zone."""
    return _progress_for([user], day)[user.pk]


def team_board(*, viewer: User, day: datetime.date) -> list[tuple[User, list[Progress]]]:
    """Progress of every sales user the viewer may follow (their team, or everyone for those who see
    all), each in their own time zone, in name order."""
    people = list(people_to_follow(viewer).filter(role__in=SALES_ROLES))
    progress = _progress_for(people, day)
    return [(person, progress[person.pk]) for person in people]


@dataclass(frozen=True)
class HistoryRow:
    """One past period of one user: each metric's target (0: none) and what was done."""

    start: datetime.date
    end: datetime.date
    values: dict[str, tuple[int, int]]  # metric -> (target, done)


HISTORY_LENGTH = {Period.DAY: 31, Period.WEEK: 13, Period.MONTH: 12}


def targets_history(*, user: User, period: str, day: datetime.date) -> list[HistoryRow]:
    """The last periods up to the one containing `day`, newest first, with the target in force at the
    end of each (a target changed mid-period shows its latest value)."""
    starts: list[datetime.date] = []
    start, _end = period_bounds(period, day)
    for _index in range(HISTORY_LENGTH[Period(period)]):
        starts.append(start)
        start, _end = period_bounds(period, start - datetime.timedelta(days=1))
    windows = {f"p{index}": period_bounds(period, first) for index, first in enumerate(starts)}
    counts = _counts([user], windows)[user.pk]
    holders = Q(user=user) | Q(role=user.role)
    if user.team_id:
        holders |= Q(team_id=user.team_id)
    all_targets = list(Target.objects.filter(holders, period=period))
    rows = []
    for name, (first, last) in windows.items():
        in_force = _choose(all_targets, user, last)
        values = {
            metric: (in_force[metric].value if metric in in_force else 0, counts.get((metric, name), 0))
            for metric in METRIC_ORDER
        }
        rows.append(HistoryRow(first, last, values))
    return rows


def _choose(targets: Iterable[Target], user: User, day: datetime.date) -> dict[str, Target]:
    best: dict[str, Target] = {}
    for target in targets:
        if target.starts_on > day:
            continue
        current = best.get(target.metric)
        if current is None or (-_specificity(target), target.starts_on, target.pk) > (
            -_specificity(current),
            current.starts_on,
            current.pk,
        ):
            best[target.metric] = target
    return {metric: target for metric, target in best.items() if target.value > 0}


# --- who may see and set what --------------------------------------------------------------------------


def people_to_follow(viewer: User) -> QuerySet[User]:
    """Users whose progress the viewer may see: themselves, the absent users they stand in for, their
    teams' members if they see their team, everyone if they see all."""
    users = User.objects.filter(is_active=True).select_related("team").order_by("username")
    if user_scope(viewer) == Visibility.ALL:
        return users
    condition = Q(pk=viewer.pk) | Q(pk__in=[absent.pk for absent in delegators(viewer)])
    if user_scope(viewer) == Visibility.TEAM:
        condition |= Q(team_id__in=user_team_ids(viewer))
    return users.filter(condition)


def can_set_targets(
    actor: User, *, user: User | None = None, team: Team | None = None, role: str = ""
) -> bool:
    """Administrators set any target; a sales manager those of the teams they belong to or lead and of
    their members; role-wide targets are for administrators."""
    if actor.is_superuser:
        return True
    if not actor.has_perm("activities.add_target"):
        return False
    teams = user_team_ids(actor)
    if user is not None:
        return user.team_id in teams
    if team is not None:
        return team.pk in teams
    return False


def targets_set_by_view(viewer: User) -> list[Target]:
    """The latest targets the viewer may see on the board: those of the people they follow and of
    their teams, and the role-wide ones, newest first (at most 100)."""
    people = people_to_follow(viewer).values("pk")
    condition = Q(user_id__in=people) | ~Q(role="")
    if viewer.is_superuser:
        condition |= Q(team__isnull=False)
    else:
        condition |= Q(team_id__in=user_team_ids(viewer))
    return list(
        Target.objects.filter(condition)
        .select_related("user", "team", "created_by")
        .order_by("-starts_on", "-id")[:100]
    )


@transaction.atomic
def target_set(
    *,
    actor: User,
    metric: str,
    period: str,
    value: int,
    starts_on: datetime.date,
    user: User | None = None,
    team: Team | None = None,
    role: str = "",
) -> Target:
    """Set a target for one user, team or role from `starts_on` on (the same day's earlier setting is
    replaced; earlier days keep theirs)."""
    errors: dict[str, str] = {}
    if metric not in Metric.values:
        errors["metric"] = _("Unknown metric “%(value)s”.") % {"value": metric}
    if period not in Period.values:
        errors["period"] = _("Unknown period “%(value)s”.") % {"value": period}
    if value < 0:
        errors["value"] = _("A target cannot be negative.")
    holders = [holder for holder in (user, team, role) if holder]
    if len(holders) != 1:
        errors["user"] = _("Set the target for exactly one user, team or role.")
    elif role and role not in Role.values:
        errors["role"] = _("Unknown role “%(value)s”.") % {"value": role}
    if errors:
        raise ValidationError(errors)
    if not can_set_targets(actor, user=user, team=team, role=role):
        raise NotAllowed(_("You may set targets only for your teams and their members."))
    target = (
        Target.objects.select_for_update()
        .filter(metric=metric, period=period, user=user, team=team, role=role, starts_on=starts_on)
        .first()
    )
    before = snapshot(target, TARGET_AUDITED_FIELDS) if target else {}
    if target is None:
        target = Target.objects.create(
            metric=metric,
            period=period,
            value=value,
            user=user,
            team=team,
            role=role,
            starts_on=starts_on,
            created_by=actor,
        )
        action = AuditAction.CREATE
    else:
        target.value = value
        target.created_by = actor
        target.save(update_fields=["value", "created_by"])
        action = AuditAction.UPDATE
    audit_log(
        instance=target,
        action=action,
        actor=actor,
        changes=diff(before, snapshot(target, TARGET_AUDITED_FIELDS)),
    )
    return target
