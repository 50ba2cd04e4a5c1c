"""My Day: the items of a user's working day, gathered from sources that apps register.

Each source is a function `source(day: MyDay) -> Iterable[MyDayItem]`. An app registers its sources in
its AppConfig.ready() with `register_myday_source(name, rank, source)`; `rank` orders the groups on the
page (lower first), items in a group are ordered by `due`, then title.

`MyDay.owners` holds the user and every user whose delegation to them is in force on that day; a
source gives the items of all owners, and `MyDayItem.owner` says whose item it is (items of an absent
user are marked as such on the page and in the API).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.functional import cached_property

if TYPE_CHECKING:
    from klient.core.models import User
    from klient.customers.models import Company, Contact


@dataclass(frozen=True)
class MyDayItem:
    """One line of My Day. `kind` is a stable API code (e.g. "task", "call", "birthday"); `due` is a
    time (aware) or a date; `url` is where the user acts on it."""

    kind: str
    title: str
    owner: User
    due: datetime.datetime | datetime.date | None = None
    url: str = ""
    company: Company | None = None
    contact: Contact | None = None
    # A short extra line (e.g. "overdue", "aged 40", "holiday: Teachers' Day").
    detail: str = ""
    # A one-click action shown as a button that POSTs to `action_url` (e.g. send a greeting); the
    # view it posts to redirects back to the page named by the `next` field it receives.
    action_url: str = ""
    action_label: str = ""


@dataclass
class MyDay:
    """The day being built: whose it is, which date, and in which time zone."""

    user: User
    date: datetime.date
    owners: list[User] = field(default_factory=list)
    # What several sources read once per day built (e.g. the open activities due during the day).
    memo: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def tz(self) -> ZoneInfo:
        return self.user.tzinfo

    @cached_property
    def start(self) -> datetime.datetime:
        """Midnight at the start of the day, in the user's time zone."""
        return datetime.datetime.combine(self.date, datetime.time.min, tzinfo=self.tz)

    @cached_property
    def end(self) -> datetime.datetime:
        """Midnight at the end of the day (exclusive), in the user's time zone."""
        return datetime.datetime.combine(
            self.date + datetime.timedelta(days=1), datetime.time.min, tzinfo=self.tz
        )

    @cached_property
    def owner_ids(self) -> list[int]:
        return [owner.pk for owner in self.owners]

    def visible(self, prefix: str = "") -> Q:
        """Records whose company the user sees on this day: by their own rights, or by the rights of an
        absent user they stand in for that day (`prefix` reaches the company, e.g. "company__")."""
        from klient.core.visibility import company_visibility_q

        combined = Q(pk__in=[])
        for owner in self.owners:
            condition = company_visibility_q(owner, prefix, with_delegations=False)
            if condition is None:
                return Q()
            combined |= condition
        return combined


MyDaySource = Callable[[MyDay], Iterable[MyDayItem]]


@dataclass(frozen=True)
class _Registered:
    name: str
    rank: int
    source: MyDaySource


_sources: dict[str, _Registered] = {}


def register_myday_source(name: str, rank: int, source: MyDaySource) -> None:
    """Add (or replace) a source of My Day items; `rank` orders its group on the page."""
    _sources[name] = _Registered(name, rank, source)


def myday_sources() -> list[tuple[str, int, MyDaySource]]:
    """The registered sources in page order."""
    return [(entry.name, entry.rank, entry.source) for entry in sorted(_sources.values(), key=_rank)]


def _rank(entry: _Registered) -> tuple[int, str]:
    return (entry.rank, entry.name)


def _due_sort_key(item: MyDayItem, zone: ZoneInfo) -> tuple[Any, str]:
    """Order inside a group: dated items by their time (a date counts as its midnight in the user's
    zone), undated ones last, then by title."""
    due = item.due
    if due is None:
        return (datetime.datetime.max.replace(tzinfo=datetime.UTC), item.title)
    if not isinstance(due, datetime.datetime):
        due = datetime.datetime.combine(due, datetime.time.min, tzinfo=zone)
    return (due, item.title)


@dataclass(frozen=True)
class MyDayGroup:
    """The items of one source, in order; `more` counts items left out (each source shows at most
    `LIMIT` of them)."""

    name: str
    items: list[MyDayItem]
    more: int = 0


# A source gives at most this many items; the rest are counted in MyDayGroup.more.
LIMIT = 50


def myday_owners(user: User, date: datetime.date) -> list[User]:
    """The user, then every active user whose delegation to them is in force on `date`."""
    from klient.core.models import Delegation, User

    absent_ids = Delegation.objects.active_on(date).filter(deputy=user).values("absent_user_id")
    absent = list(User.objects.filter(pk__in=absent_ids, is_active=True).order_by("username"))
    return [user, *absent]


def myday_build(*, user: User, date: datetime.date) -> list[MyDayGroup]:
    """My Day of `user` on `date`: each registered source's items, groups in rank order, items by due
    time; during a delegation the absent users' items are included (their `owner` says whose)."""
    day = MyDay(user=user, date=date, owners=myday_owners(user, date))
    groups = []
    for name, _rank_value, source in myday_sources():
        found = source(day)
        items = sorted(found, key=lambda item: _due_sort_key(item, day.tz))
        total = getattr(found, "total", len(items))
        if items:
            groups.append(MyDayGroup(name, items[:LIMIT], max(0, total - min(LIMIT, len(items)))))
    return groups


class Truncated(list[MyDayItem]):
    """Items of a source that read only the first LIMIT of them; `total` is how many there are."""

    def __init__(self, items: Iterable[MyDayItem], total: int) -> None:
        super().__init__(items)
        self.total = total
