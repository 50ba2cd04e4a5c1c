"""The activities app's part of My Day: overdue and due work, calls and meetings of the day, clients
to negotiate with soon, and client cards due for review."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from klient.activities.models import Activity, ActivityKind
from klient.activities.myday import LIMIT, MyDay, MyDayItem, Truncated, register_myday_source
from klient.customers.models import Company, CompanyStatus

# A client whose latest call in this many days ended with one of these outcomes, and who has nothing
# scheduled, is a client to negotiate with soon.
NEGOTIATE_WITHIN_DAYS = 30
NEGOTIATE_OUTCOMES = ["interested", "offer_made", "call_back"]
# A client card not reviewed for this many days asks for a review.
REVIEW_AFTER_DAYS = 30


@functools.cache
def _card_prefix() -> str:
    # One reverse() for every item: the card's path is this prefix, the id and a slash.
    return reverse("customers:company_detail", args=[0]).removesuffix("0/")


def card_url(company_id: int, anchor: str = "timeline", query: str = "") -> str:
    url = f"{_card_prefix()}{company_id}/"
    if query:
        url += f"?{query}"
    return url + (f"#{anchor}" if anchor else "")


# What an item shows of an activity, its company and its contact (the owner is one of the day's owners).
ITEM_FIELDS = [
    "kind",
    "subject",
    "due_at",
    "at",
    "owner_id",
    "company__id",
    "company__name",
    "company__owner_id",
    "contact__id",
    "contact__first_name",
    "contact__middle_name",
    "contact__last_name",
    "contact__email",
]


def _open_activities(day: MyDay) -> QuerySet[Activity]:
    """The owners' open activities with a due time (an open activity's `at` is its due time). No
    visibility condition here: it would join every open activity to its company and keep the planner off
    the index of due activities. _shown() checks the few rows read instead."""
    return Activity.objects.filter(owner_id__in=day.owner_ids, done_at__isnull=True, due_at__isnull=False)


# "more" is counted up to this many: a backlog of thousands is not counted to the last one every time.
COUNT_CAP = 1000


def _first(rows: QuerySet[Activity], count: int) -> list[Activity]:
    """The first `count` rows in the queryset's order, with their company and contact (the index of due
    activities gives them in order; each joins its company and contact)."""
    return list(rows.select_related("company", "contact").only(*ITEM_FIELDS)[:count])


def _open_activities_by_id(ids: list[int]) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(pk__in=ids).select_related("company", "contact").only(*ITEM_FIELDS).order_by()
    )


def _count(rows: QuerySet[Any], shown: int) -> int:
    """How many rows there are, when more than were shown (counted up to COUNT_CAP)."""
    if shown <= LIMIT:
        return shown
    return rows.order_by().values("pk")[:COUNT_CAP].count()


def _shown(day: MyDay, rows: list[Activity]) -> list[Activity]:
    """The rows whose company the user sees that day, each with its owner. A company owned by one of the
    day's owners is seen by their rights; the others (an activity left on a company that moved to
    another team) are checked with one query."""
    owners = {owner.pk: owner for owner in day.owners}
    others = {activity.company_id for activity in rows if activity.company.owner_id not in owners}
    hidden = set()
    if others:
        hidden = others - set(
            Company.objects.filter(day.visible(), pk__in=others).values_list("pk", flat=True)
        )
    shown = [activity for activity in rows if activity.company_id not in hidden]
    for activity in shown:
        activity.owner = owners[activity.owner_id]
    return shown


def _short_date(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _activity_item(activity: Activity, kind: str, detail: str = "") -> MyDayItem:
    query = ""
    if activity.kind == ActivityKind.CALL:
        # The card opens with the call form ready for this contact.
        query = "log=call" + (f"&contact={activity.contact_id}" if activity.contact_id else "")
    return MyDayItem(
        kind=kind,
        title=activity.subject,
        owner=activity.owner,
        due=activity.due_at,
        url=card_url(activity.company_id, query=query),
        company=activity.company,
        contact=activity.contact,
        detail=detail,
    )


def overdue(day: MyDay) -> Iterable[MyDayItem]:
    """Open activities due before the day began, most overdue first."""
    # An open activity's `at` is its due time: the partial index of open activities serves the range.
    rows = _open_activities(day).filter(at__lt=day.start).order_by("at", "id")
    found = _shown(day, _first(rows, LIMIT + 1))
    # Counted without the visibility check: "more" may count an activity on a company no longer seen.
    total = _count(rows, len(found))
    labels = {kind: str(label) for kind, label in ActivityKind.choices}
    items = []
    for activity in found[:LIMIT]:
        since = _short_date(activity.at.astimezone(day.tz).date())
        detail = _("%(kind)s, due %(date)s") % {"kind": labels[activity.kind], "date": since}
        items.append(_activity_item(activity, "overdue", detail))
    return Truncated(items, total)


# The groups of the day's open activities, by kind.
TODAY_GROUPS = {
    "tasks": [ActivityKind.TASK, ActivityKind.EMAIL, ActivityKind.NOTE],
    "calls": [ActivityKind.CALL],
    "meetings": [ActivityKind.MEETING, ActivityKind.VISIT],
}


def _due_today(day: MyDay) -> dict[str, list[int]]:
    """Per group of TODAY_GROUPS, the ids of the owners' open activities due during the day, in due
    order: one read of the index of due activities for the three groups (at most COUNT_CAP in all)."""
    if "due_today" not in day.memo:
        group_of = {str(kind): name for name, kinds in TODAY_GROUPS.items() for kind in kinds}
        rows = (
            _open_activities(day)
            .filter(at__gte=day.start, at__lt=day.end)
            .order_by("at", "id")
            .values_list("id", "kind")[:COUNT_CAP]
        )
        groups: dict[str, list[int]] = {name: [] for name in TODAY_GROUPS}
        for pk, kind in rows:
            groups[group_of[kind]].append(pk)
        day.memo["due_today"] = groups
    groups = day.memo["due_today"]
    assert isinstance(groups, dict)
    return groups


def _today(day: MyDay, group: str) -> Iterable[MyDayItem]:
    ids = _due_today(day)[group]
    if "due_today_rows" not in day.memo:
        # The rows the three groups show, read together.
        wanted = [pk for group_ids in _due_today(day).values() for pk in group_ids[: LIMIT + 1]]
        day.memo["due_today_rows"] = {activity.pk: activity for activity in _open_activities_by_id(wanted)}
    rows = day.memo["due_today_rows"]
    found = _shown(day, [rows[pk] for pk in ids[: LIMIT + 1] if pk in rows])
    total = len(ids) if len(found) > LIMIT else len(found)
    return Truncated([_activity_item(activity, activity.kind) for activity in found[:LIMIT]], total)


def tasks_due(day: MyDay) -> Iterable[MyDayItem]:
    """Tasks and follow-ups (and emails, notes) due during the day."""
    return _today(day, "tasks")


def calls_due(day: MyDay) -> Iterable[MyDayItem]:
    """Calls scheduled for the day."""
    return _today(day, "calls")


def meetings_due(day: MyDay) -> Iterable[MyDayItem]:
    """Meetings and visits of the day."""
    return _today(day, "meetings")


def negotiate_soon(day: MyDay) -> Iterable[MyDayItem]:
    """The owners' clients whose latest call (by anyone) in the last 30 days showed interest (interested,
    offer made, call back) and with nothing scheduled by the owners: the ones to negotiate with soon,
    most recently called first. Read from the companies' last call, which the activity services keep."""
    since = day.start - datetime.timedelta(days=NEGOTIATE_WITHIN_DAYS)
    # Companies with something scheduled from today on are left out.
    scheduled = set(
        _open_activities(day)
        .filter(at__gte=day.start)
        .order_by()
        .values_list("company_id", flat=True)
        .distinct()
    )
    candidates = (
        Company.objects.filter(
            owner_id__in=day.owner_ids,
            last_call_at__gte=since,
            last_call_at__lt=day.end,
            last_call_outcome__in=NEGOTIATE_OUTCOMES,
        )
        .exclude(pk__in=scheduled)
        .order_by("-last_call_at", "id")
    )
    # With the subject of each shown company's last call (looked up for the rows shown only).
    last_call = Activity.objects.filter(
        company_id=OuterRef("pk"), at=OuterRef("last_call_at"), kind=ActivityKind.CALL, done_at__isnull=False
    )
    found = list(
        candidates.only("id", "name", "owner_id", "last_call_at").annotate(
            last_call_subject=Subquery(last_call.values("subject")[:1])
        )[: LIMIT + 1]
    )
    total = _count(candidates, len(found))
    owners = {owner.pk: owner for owner in day.owners}
    items = []
    for company in found[:LIMIT]:
        assert company.last_call_at is not None
        items.append(
            MyDayItem(
                kind="negotiate",
                title=company.name,
                owner=owners.get(company.owner_id or 0, day.user),
                due=None,
                url=card_url(company.pk),
                company=company,
                detail=_("Last call %(date)s: %(subject)s")
                % {
                    "date": _short_date(company.last_call_at.astimezone(day.tz).date()),
                    "subject": getattr(company, "last_call_subject", None) or "",
                },
            )
        )
    return Truncated(items, total)


def cards_to_review(day: MyDay) -> Iterable[MyDayItem]:
    """Client cards (of active clients and prospects) not reviewed in the last 30 days, never-reviewed
    and longest-unreviewed first."""
    before = day.start - datetime.timedelta(days=REVIEW_AFTER_DAYS)
    # The owners' own companies: seen by their rights (no visibility condition needed).
    mine = Company.objects.filter(
        owner_id__in=day.owner_ids, status__in=[CompanyStatus.PROSPECT, CompanyStatus.CUSTOMER]
    ).only("id", "name", "owner_id", "card_reviewed_at")
    # Fewer of these: a long backlog of reviews should not bury the day's calls. Never reviewed first
    # (by name, through the owner's name index), then the longest unreviewed.
    shown = 10
    never = mine.filter(card_reviewed_at__isnull=True).order_by("name", "id")
    found = list(never[: shown + 1])
    stale = mine.filter(card_reviewed_at__lt=before).order_by("card_reviewed_at", "name", "id")
    if len(found) <= shown:
        found += list(stale[: shown + 1 - len(found)])
    total = len(found)
    if total > shown:
        unreviewed = mine.filter(Q(card_reviewed_at__isnull=True) | Q(card_reviewed_at__lt=before))
        total = unreviewed.order_by().values("pk")[:COUNT_CAP].count()
    owners = {owner.pk: owner for owner in day.owners}
    items = []
    for company in found[:shown]:
        if company.card_reviewed_at is None:
            detail = _("Never reviewed")
        else:
            reviewed = company.card_reviewed_at.astimezone(day.tz).date()
            detail = _("Last reviewed %(date)s") % {"date": _short_date(reviewed)}
        items.append(
            MyDayItem(
                kind="card_review",
                title=company.name,
                owner=owners.get(company.owner_id or 0, day.user),
                url=card_url(company.pk, ""),
                company=company,
                detail=detail,
            )
        )
    return Truncated(items, total)


def register() -> None:
    """Add the activities app's sources to My Day."""
    register_myday_source("overdue", 10, overdue)
    register_myday_source("tasks", 15, tasks_due)
    register_myday_source("calls", 20, calls_due)
    register_myday_source("meetings", 25, meetings_due)
    register_myday_source("negotiate", 40, negotiate_soon)
    register_myday_source("card_reviews", 50, cards_to_review)
