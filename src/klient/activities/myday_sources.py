"""The activities app's part of My Day: overdue and due work, calls and meetings of the day, clients
to negotiate with soon, and client cards due for review."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable

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


def _card_url(company_id: int, anchor: str = "timeline", query: str = "") -> str:
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
    "contact__id",
    "contact__first_name",
    "contact__middle_name",
    "contact__last_name",
    "contact__email",
]


def _open_activities(day: MyDay) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(day.visible("company__"))
        .filter(owner_id__in=day.owner_ids, done_at__isnull=True, due_at__isnull=False)
        .select_related("company", "contact")
        .only(*ITEM_FIELDS)
    )


def _with_owners(day: MyDay, rows: list[Activity]) -> list[Activity]:
    owners = {owner.pk: owner for owner in day.owners}
    for activity in rows:
        activity.owner = owners[activity.owner_id]
    return rows


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
        url=_card_url(activity.company_id, query=query),
        company=activity.company,
        contact=activity.contact,
        detail=detail,
    )


def overdue(day: MyDay) -> Iterable[MyDayItem]:
    """Open activities due before the day began, most overdue first."""
    # An open activity's `at` is its due time: the partial index of open activities serves the range.
    rows = _open_activities(day).filter(at__lt=day.start).order_by("at", "id")
    found = _with_owners(day, list(rows[: LIMIT + 1]))
    total = len(found) if len(found) <= LIMIT else rows.count()
    labels = {kind: str(label) for kind, label in ActivityKind.choices}
    items = []
    for activity in found[:LIMIT]:
        since = _short_date(activity.at.astimezone(day.tz).date())
        detail = _("%(kind)s, due %(date)s") % {"kind": labels[activity.kind], "date": since}
        items.append(_activity_item(activity, "overdue", detail))
    return Truncated(items, total)


def _today(day: MyDay, kinds: list[str]) -> Iterable[MyDayItem]:
    rows = (
        _open_activities(day).filter(at__gte=day.start, at__lt=day.end, kind__in=kinds).order_by("at", "id")
    )
    found = _with_owners(day, list(rows[: LIMIT + 1]))
    total = len(found) if len(found) <= LIMIT else rows.count()
    return Truncated([_activity_item(activity, activity.kind) for activity in found[:LIMIT]], total)


def tasks_due(day: MyDay) -> Iterable[MyDayItem]:
    """Tasks and follow-ups (and emails, notes) due during the day."""
    return _today(day, [ActivityKind.TASK, ActivityKind.EMAIL, ActivityKind.NOTE])


def calls_due(day: MyDay) -> Iterable[MyDayItem]:
    """Calls scheduled for the day."""
    return _today(day, [ActivityKind.CALL])


def meetings_due(day: MyDay) -> Iterable[MyDayItem]:
    """Meetings and visits of the day."""
    return _today(day, [ActivityKind.MEETING, ActivityKind.VISIT])


def negotiate_soon(day: MyDay) -> Iterable[MyDayItem]:
    """Clients whose latest call in the last 30 days showed interest (interested, offer made, call
    back) and with nothing scheduled: the ones to negotiate with soon."""
    since = day.start - datetime.timedelta(days=NEGOTIATE_WITHIN_DAYS)
    latest_call = (
        Activity.objects.filter(company_id=OuterRef("pk"), kind=ActivityKind.CALL, done_at__isnull=False)
        .filter(at__gte=since, at__lt=day.end)
        .order_by("-at", "-id")
    )
    companies = (
        Company.objects.filter(day.visible())
        .filter(owner_id__in=day.owner_ids)
        .annotate(
            last_outcome=Subquery(latest_call.values("outcome__code")[:1]),
            last_call_at=Subquery(latest_call.values("at")[:1]),
            last_call_subject=Subquery(latest_call.values("subject")[:1]),
        )
        .filter(last_outcome__in=NEGOTIATE_OUTCOMES)
        .exclude(
            pk__in=Activity.objects.filter(
                owner_id__in=day.owner_ids, done_at__isnull=True, due_at__gte=day.start
            ).values("company_id")
        )
        .only("id", "name", "owner_id")
        .order_by("-last_call_at", "id")
    )
    found = list(companies[: LIMIT + 1])
    total = len(found) if len(found) <= LIMIT else companies.count()
    owners = {owner.pk: owner for owner in day.owners}
    items = []
    for company in found[:LIMIT]:
        # Annotations of the query above.
        last_call_at: datetime.datetime = company.last_call_at  # type: ignore[attr-defined]
        last_call_subject: str = company.last_call_subject  # type: ignore[attr-defined]
        called = _short_date(last_call_at.astimezone(day.tz).date())
        items.append(
            MyDayItem(
                kind="negotiate",
                title=company.name,
                owner=owners.get(company.owner_id or 0, day.user),
                due=None,
                url=_card_url(company.pk),
                company=company,
                detail=_("Last call %(date)s: %(subject)s") % {"date": called, "subject": last_call_subject},
            )
        )
    return Truncated(items, total)


def cards_to_review(day: MyDay) -> Iterable[MyDayItem]:
    """Client cards (of active clients and prospects) not reviewed in the last 30 days, never-reviewed
    and longest-unreviewed first."""
    before = day.start - datetime.timedelta(days=REVIEW_AFTER_DAYS)
    companies = (
        Company.objects.filter(day.visible())
        .filter(owner_id__in=day.owner_ids, status__in=[CompanyStatus.PROSPECT, CompanyStatus.CUSTOMER])
        .filter(Q(card_reviewed_at__isnull=True) | Q(card_reviewed_at__lt=before))
        .only("id", "name", "owner_id", "card_reviewed_at")
        .order_by("card_reviewed_at", "name", "id")
    )
    # Fewer of these: a long backlog of reviews should not bury the day's calls.
    shown = 10
    found = list(companies[: shown + 1])
    total = len(found) if len(found) <= shown else companies.count()
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
                url=_card_url(company.pk, ""),
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
