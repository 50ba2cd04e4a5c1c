"""Reads of call lists, scripts and objections: every list read starts from what the user may see."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from klient.activities.calllists.models import (
    CallList,
    CallListAssignee,
    CallListEntry,
    CallScript,
    CallScriptStep,
    EntryState,
    Objection,
    ObjectionAnswer,
    ObjectionMark,
)
from klient.activities.models import Activity
from klient.core.models import User
from klient.core.visibility import user_team_ids


@dataclass(frozen=True)
class Progress:
    """How far a call list is: entries called, skipped, snoozed (until a time still ahead) and left."""

    total: int = 0
    done: int = 0
    skipped: int = 0
    snoozed: int = 0

    @property
    def left(self) -> int:
        return self.total - self.done - self.skipped - self.snoozed

    @property
    def handled(self) -> int:
        """Entries dealt with: called, skipped or snoozed."""
        return self.done + self.skipped + self.snoozed


def call_list_list(*, user: User) -> QuerySet[CallList]:
    """Call lists the user sees (see CallList.objects.visible_to), newest first."""
    return CallList.objects.visible_to(user).select_related("script", "created_by", "team")


def call_list_get(*, user: User, pk: int) -> CallList:
    """One visible call list; CallList.DoesNotExist when absent or not visible (the same answer)."""
    return call_list_list(user=user).get(pk=pk)


def call_list_progress(
    call_list_ids: Iterable[int], *, now: datetime.datetime | None = None
) -> dict[int, Progress]:
    """The progress of each of these lists, in one query."""
    ids = list(call_list_ids)
    if not ids:
        return {}
    now = now or timezone.now()
    rows = (
        CallListEntry.objects.filter(call_list_id__in=ids)
        .values("call_list_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(state=EntryState.DONE)),
            skipped=Count("id", filter=Q(state=EntryState.SKIPPED)),
            snoozed=Count("id", filter=Q(state=EntryState.SNOOZED, snoozed_until__gt=now)),
        )
        .order_by()
    )
    progress = {pk: Progress() for pk in ids}
    for row in rows:
        progress[row["call_list_id"]] = Progress(row["total"], row["done"], row["skipped"], row["snoozed"])
    return progress


def call_list_assignees(call_list_ids: Iterable[int]) -> dict[int, list[User]]:
    """The users each list is assigned to, by username, in one query."""
    assigned: dict[int, list[User]] = {pk: [] for pk in call_list_ids}
    rows = CallListAssignee.objects.filter(call_list_id__in=list(assigned)).select_related("user")
    for row in rows.order_by("user__username"):
        assigned[row.call_list_id].append(row.user)
    return assigned


def call_list_entries(*, call_list: CallList) -> QuerySet[CallListEntry]:
    """The list's entries with what a row shows, in the list's order."""
    return CallListEntry.objects.filter(call_list=call_list).select_related(
        "company", "contact", "assigned_to", "handled_by", "activity__outcome"
    )


def last_activities(*, user: User, company_id: int, count: int = 3) -> list[Activity]:
    """The company's latest activities the user sees, newest first."""
    return list(
        Activity.objects.visible_to(user)
        .filter(company_id=company_id)
        .select_related("owner", "outcome", "contact")
        .order_by("-at", "-id")[:count]
    )


def script_list(*, active_only: bool = True) -> QuerySet[CallScript]:
    """Call scripts with their steps, by name."""
    scripts = CallScript.objects.prefetch_related(
        Prefetch("steps", queryset=CallScriptStep.objects.order_by("position", "id"))
    )
    return scripts.filter(is_active=True) if active_only else scripts


def objection_library() -> list[Objection]:
    """Active objections with their active answers, in the library's order (two queries)."""
    answers = ObjectionAnswer.objects.filter(is_active=True).order_by("position", "id")
    return list(
        Objection.objects.filter(is_active=True).prefetch_related(Prefetch("answers", queryset=answers))
    )


# ----------------------------------------------------------------------------------------------------------
# Which answers work


@dataclass(frozen=True)
class AnswerResult:
    """How often an answer was used against an objection in the period, and how often it overcame it."""

    objection: Objection
    answer: ObjectionAnswer | None
    used: int
    overcome: int

    @property
    def success_rate(self) -> float:
        """Overcome of used, in per cent with one decimal."""
        return round(100 * self.overcome / self.used, 1) if self.used else 0.0


def report_scope(user: User) -> Q | None:
    """Whose marks the user may count: administrators everyone's (None), managers their teams' and their
    own, everyone else their own."""
    if user.is_superuser:
        return None
    if user.has_perm("calllists.change_calllist"):
        return Q(owner=user) | Q(owner__team_id__in=user_team_ids(user))
    return Q(owner=user)


def objection_report(
    *,
    user: User,
    start: datetime.date,
    end: datetime.date,
    rep: User | None = None,
    team_id: int | None = None,
) -> list[AnswerResult]:
    """Per objection and answer used: times used and overcome on calls from `start` to `end` (both
    included, in the user's time zone), of the reps the user may count, narrowed to one rep or team."""
    zone = user.tzinfo
    marks = ObjectionMark.objects.filter(
        at__gte=datetime.datetime.combine(start, datetime.time(), zone),
        at__lt=datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), zone),
    )
    scope = report_scope(user)
    if scope is not None:
        marks = marks.filter(scope)
    if rep is not None:
        marks = marks.filter(owner=rep)
    if team_id is not None:
        marks = marks.filter(owner__team_id=team_id)
    rows = list(
        marks.values("objection_id", "answer_id")
        .annotate(used=Count("id"), overcome=Count("id", filter=Q(is_overcome=True)))
        .order_by()
    )
    objections = Objection.objects.in_bulk({row["objection_id"] for row in rows})
    answers = ObjectionAnswer.objects.in_bulk({row["answer_id"] for row in rows if row["answer_id"]})
    results = [
        AnswerResult(
            objection=objections[row["objection_id"]],
            answer=answers.get(row["answer_id"]) if row["answer_id"] else None,
            used=row["used"],
            overcome=row["overcome"],
        )
        for row in rows
    ]

    def order(result: AnswerResult) -> tuple[int, str, int, int]:
        answer = result.answer
        return (
            result.objection.position,
            result.objection.code,
            answer is None,
            (answer.position, answer.pk) if answer else (0, 0),
        )  # type: ignore[return-value]

    return sorted(results, key=order)


# ----------------------------------------------------------------------------------------------------------
# My Day


@dataclass(frozen=True)
class ListLeft:
    """A call list assigned to a user, and how many of its entries are left for them to call now."""

    call_list_id: int
    name: str
    user_id: int
    left: int


def lists_left(*, user_ids: list[int], now: datetime.datetime | None = None) -> list[ListLeft]:
    """For each of these users, each list assigned to them with entries they may call now (open, or
    snoozed until a time that has come; theirs or anyone's), in one query."""
    now = now or timezone.now()
    to_call = Q(call_list__entries__state=EntryState.OPEN) | Q(
        call_list__entries__state=EntryState.SNOOZED, call_list__entries__snoozed_until__lte=now
    )
    for_them = Q(call_list__entries__assigned_to__isnull=True) | Q(
        call_list__entries__assigned_to_id=F("user_id")
    )
    rows = (
        CallListAssignee.objects.filter(user_id__in=user_ids)
        .values("call_list_id", "call_list__name", "user_id")
        .annotate(left=Count("call_list__entries", filter=to_call & for_them))
        .filter(left__gt=0)
        .order_by("call_list__name", "call_list_id")
    )
    return [
        ListLeft(row["call_list_id"], row["call_list__name"], row["user_id"], row["left"]) for row in rows
    ]
