"""The duplicate finder: likely duplicate companies and contacts, with a score and the reasons.

Candidates come from the indexed normal forms (tax_id_key, name_key + country, website_domain,
phone_e164; contact email, phone_e164, mobile_e164, name_key at one company): one query per reason
finds the members of every group of two or more visible records sharing a key (GROUP BY … HAVING,
or EXISTS for composite keys), so the cost grows with the table and the number of duplicates, never
with the square of the table. Pairs are then built inside each group only, scored, sorted and paged
in Python with a keyset cursor; one more query loads the records on the page.

A pair marked "not a duplicate" is a stored fact (DuplicateDismissal), shared by everyone who sees both
records. The finder asks only for the dismissals among the candidate pairs of the page it builds (one
query in the usual case), never for every dismissal of a large table.
"""

from __future__ import annotations

import bisect
import dataclasses
import fractions
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klient.core.audit import AuditAction, audit_log, diff, removed, snapshot
from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, InvalidCursor, decode_cursor, encode_cursor
from klient.customers.models import Company, Contact, DuplicateDismissal
from klient.customers.selectors import company_on_behalf_of

# Each reason's weight: the chance, in percent, that two records sharing only this key are one.
COMPANY_REASONS: dict[str, tuple[int, Any]] = {
    "tax_id": (90, _("Same tax id")),
    "name_country": (60, _("Same name and country")),
    "website": (50, _("Same website")),
    "phone": (40, _("Same phone")),
    "similar_name": (30, _("Same name in another country")),
}
CONTACT_REASONS: dict[str, tuple[int, Any]] = {
    "email": (80, _("Same email")),
    "name_company": (60, _("Same name at the same company")),
    "phone": (50, _("Same phone")),
}
# In a larger group every member is paired with the oldest one only: merging each into it cleans the
# group, and a key shared by hundreds of records (a switchboard number) cannot flood the list.
ALL_PAIRS_UP_TO = 10
# The most candidate pairs whose dismissals one query asks for: two ids a pair, under SQLite's oldest
# limit of 999 parameters a statement.
DISMISSAL_LOOKUP_MAX = 480
DISMISSAL_AUDIT_FIELDS = ["kind", "first_id", "second_id", "dismissed_by", "dismissed_at"]


def score(reasons: Iterable[str], weights: dict[str, tuple[int, Any]]) -> int:
    """0–100: the chance that at least one reason is right, taking the reasons as independent."""
    unlikely = fractions.Fraction(1)
    for reason in reasons:
        unlikely *= fractions.Fraction(100 - weights[reason][0], 100)
    return math.floor((1 - unlikely) * 100 + fractions.Fraction(1, 2))


@dataclasses.dataclass
class DuplicatePair:
    """Two records that look like one: `first` is the older (the suggested record to keep)."""

    first_id: int
    second_id: int
    score: int
    reasons: list[str]
    labels: list[str]
    first: Any = None
    second: Any = None


@dataclasses.dataclass
class DuplicatePage:
    """One page of pairs, best first, and the cursor of the next page (None on the last)."""

    items: list[DuplicatePair]
    next_cursor: str | None


def _pairs_of_groups(groups: Iterable[Iterable[int]]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for group in groups:
        members = sorted(set(group))
        if len(members) <= ALL_PAIRS_UP_TO:
            pairs.update(
                (members[i], members[j]) for i in range(len(members)) for j in range(i + 1, len(members))
            )
        else:
            pairs.update((members[0], other) for other in members[1:])
    return pairs


def _grouped(rows: Iterable[tuple[Any, int]]) -> list[list[int]]:
    groups: dict[Any, list[int]] = defaultdict(list)
    for key, pk in rows:
        groups[key].append(pk)
    return [ids for ids in groups.values() if len(ids) > 1]


def _shared_keys(visible: QuerySet[Any], field: str) -> QuerySet[Any]:
    """The non-blank values of `field` that two or more visible records share (GROUP BY … HAVING)."""
    return (
        visible.exclude(**{field: ""})
        .order_by()
        .values(field)
        .annotate(members=Count("id"))
        .filter(members__gt=1)
        .values(field)
    )


def _members_sharing(visible: QuerySet[Any], field: str) -> QuerySet[Any]:
    """Visible records whose `field` (non-blank) is shared with another visible record."""
    return visible.filter(**{f"{field}__in": _shared_keys(visible, field)}).order_by()


def company_duplicate_pairs(*, user: User) -> dict[tuple[int, int], list[str]]:
    """Every pair of visible companies that look like one, with the reasons (constant query count)."""
    visible = Company.objects.visible_to(user)
    reasons: dict[tuple[int, int], list[str]] = defaultdict(list)

    def add(reason: str, pairs: Iterable[tuple[int, int]]) -> None:
        for pair in pairs:
            reasons[pair].append(reason)

    for reason, field in (("tax_id", "tax_id_key"), ("website", "website_domain"), ("phone", "phone_e164")):
        add(reason, _pairs_of_groups(_grouped(_members_sharing(visible, field).values_list(field, "id"))))
    # One query for both name reasons: the same name in one country is strong, in two countries weak.
    by_name = _members_sharing(visible, "name_key").values_list("name_key", "country", "id")
    rows = list(by_name)
    same_country = _pairs_of_groups(_grouped(((name, country), pk) for name, country, pk in rows))
    add("name_country", same_country)
    add("similar_name", _pairs_of_groups(_grouped((name, pk) for name, _country, pk in rows)) - same_country)
    return reasons


def contact_duplicate_pairs(*, user: User) -> dict[tuple[int, int], list[str]]:
    """Every pair of visible contacts that look like one person, with the reasons."""
    visible = Contact.objects.visible_to(user)
    reasons: dict[tuple[int, int], list[str]] = defaultdict(list)

    def add(reason: str, pairs: Iterable[tuple[int, int]]) -> None:
        for pair in pairs:
            reasons[pair].append(reason)

    add("email", _pairs_of_groups(_grouped(_members_sharing(visible, "email").values_list("email", "id"))))
    # A number is one number whether typed as the phone or as the mobile.
    phones = visible.exclude(phone_e164="").values("phone_e164")
    mobiles = visible.exclude(mobile_e164="").values("mobile_e164")
    numbered = visible.filter(
        Q(phone_e164__in=_shared_keys(visible, "phone_e164"))
        | Q(mobile_e164__in=_shared_keys(visible, "mobile_e164"))
        | Q(phone_e164__in=mobiles)
        | Q(mobile_e164__in=phones)
    ).order_by()
    number_rows: list[tuple[str, int]] = []
    for pk, phone, mobile in numbered.values_list("id", "phone_e164", "mobile_e164"):
        number_rows += [(number, pk) for number in {phone, mobile} if number]
    add("phone", _pairs_of_groups(_grouped(number_rows)))
    namesakes = (
        visible.exclude(name_key="")
        .filter(
            Exists(
                Contact.objects.filter(
                    company_id=OuterRef("company_id"), name_key=OuterRef("name_key")
                ).exclude(pk=OuterRef("pk"))
            )
        )
        .order_by()
        .values_list("company_id", "name_key", "id")
    )
    add("name_company", _pairs_of_groups(_grouped(((company, name), pk) for company, name, pk in namesakes)))
    return reasons


def _dismissed_among(kind: str, pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these pairs (lower id first) are stored as "not a duplicate" (one query)."""
    firsts = {first for first, _second in pairs}
    seconds = {second for _first, second in pairs}
    found = DuplicateDismissal.objects.filter(kind=kind, first_id__in=firsts, second_id__in=seconds)
    # The two IN lists also match first and second ids of different pairs: keep the pairs asked for.
    return set(found.values_list("first_id", "second_id")) & set(pairs)


def _undismissed(kind: str, keys: list[Any], wanted: int) -> list[Any]:
    """The first `wanted` sort keys (score, first, second, reasons) whose pair is not dismissed.

    Dismissals are looked up for a window of candidates twice the page; where most of a window was
    dismissed, the next window is twice as large, so even a long dismissed run costs few queries.
    """
    kept: list[Any] = []
    position = 0
    window = min(2 * wanted, DISMISSAL_LOOKUP_MAX)
    while len(kept) < wanted and position < len(keys):
        chunk = keys[position : position + window]
        position += len(chunk)
        dismissed = _dismissed_among(kind, [(key[1], key[2]) for key in chunk])
        kept += [key for key in chunk if (key[1], key[2]) not in dismissed]
        window = min(2 * window, DISMISSAL_LOOKUP_MAX)
    return kept[:wanted]


def _page(
    pairs: dict[tuple[int, int], list[str]],
    *,
    kind: str,
    weights: dict[str, tuple[int, Any]],
    cursor: str | None,
    limit: int,
) -> DuplicatePage:
    order = list(weights)
    # Pairs share a handful of reason sets: score each set once, label only the page's pairs.
    scores: dict[tuple[str, ...], int] = {}
    keys = []
    for (first, second), found in pairs.items():
        reasons = tuple(sorted(found, key=order.index))
        if reasons not in scores:
            scores[reasons] = score(reasons, weights)
        keys.append((-scores[reasons], first, second, reasons))
    keys.sort()
    if cursor:
        values = decode_cursor(cursor, 3)
        if not all(isinstance(value, int) for value in values):
            raise InvalidCursor(cursor)
        after = (-values[0], values[1], values[2])
        keys = keys[bisect.bisect_right(keys, after, key=lambda key: key[:3]) :]
    limit = max(1, min(limit, MAX_LIMIT))
    # One more than the page tells whether a next page has anything to show.
    keys = _undismissed(kind, keys, limit + 1)
    items = [
        DuplicatePair(
            first_id=first,
            second_id=second,
            score=-negative_score,
            reasons=list(reasons),
            labels=[str(weights[reason][1]) for reason in reasons],
        )
        for negative_score, first, second, reasons in keys[:limit]
    ]
    rest = len(keys) > limit
    next_cursor = encode_cursor([items[-1].score, items[-1].first_id, items[-1].second_id]) if rest else None
    return DuplicatePage(items=items, next_cursor=next_cursor)


def company_duplicates(*, user: User, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> DuplicatePage:
    """A page of likely duplicate companies the user can see, best first, without dismissed pairs."""
    page = _page(
        company_duplicate_pairs(user=user),
        kind=DuplicateDismissal.Kind.COMPANY,
        weights=COMPANY_REASONS,
        cursor=cursor,
        limit=limit,
    )
    ids = {pk for pair in page.items for pk in (pair.first_id, pair.second_id)}
    companies = Company.objects.select_related("owner", "team").in_bulk(ids) if ids else {}
    # A record deleted since the pairs were found leaves its pair out of the page.
    page.items = [pair for pair in page.items if pair.first_id in companies and pair.second_id in companies]
    for pair in page.items:
        pair.first, pair.second = companies[pair.first_id], companies[pair.second_id]
    return page


def contact_duplicates(*, user: User, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> DuplicatePage:
    """A page of likely duplicate contacts the user can see, best first, without dismissed pairs."""
    page = _page(
        contact_duplicate_pairs(user=user),
        kind=DuplicateDismissal.Kind.CONTACT,
        weights=CONTACT_REASONS,
        cursor=cursor,
        limit=limit,
    )
    ids = {pk for pair in page.items for pk in (pair.first_id, pair.second_id)}
    contacts = Contact.objects.select_related("company").in_bulk(ids) if ids else {}
    # A record deleted since the pairs were found leaves its pair out of the page.
    page.items = [pair for pair in page.items if pair.first_id in contacts and pair.second_id in contacts]
    for pair in page.items:
        pair.first, pair.second = contacts[pair.first_id], contacts[pair.second_id]
    return page


# ----------------------------------------------------------------------------------------------------------
# "Not a duplicate": stored, shared, audited.

# The right to mark a pair of each kind, and the refusal of whoever lacks it.
_CHANGE_PERMISSIONS = {
    DuplicateDismissal.Kind.COMPANY: ("customers.change_company", _("You may not change companies.")),
    DuplicateDismissal.Kind.CONTACT: ("customers.change_contact", _("You may not change contacts.")),
}


def duplicate_dismissal_allowed(*, kind: str, user: User) -> bool:
    """Whether the user may mark pairs of this kind "not a duplicate" (or list them again)."""
    return user.has_perm(_CHANGE_PERMISSIONS[DuplicateDismissal.Kind(kind)][0])


def _check_may_change(kind: str, actor: User) -> None:
    if not duplicate_dismissal_allowed(kind=kind, user=actor):
        raise NotAllowed(str(_CHANGE_PERMISSIONS[DuplicateDismissal.Kind(kind)][1]))


def _visible_records(kind: str, user: User) -> QuerySet[Any]:
    if kind == DuplicateDismissal.Kind.COMPANY:
        return Company.objects.visible_to(user)
    return Contact.objects.visible_to(user)


def _dismissals_visible_to(kind: str, user: User) -> QuerySet[DuplicateDismissal]:
    """Dismissals of pairs whose two records the user sees (a merged or deleted record's are left out)."""
    visible = _visible_records(kind, user).order_by().values("pk")
    return DuplicateDismissal.objects.filter(kind=kind, first_id__in=visible, second_id__in=visible)


def duplicate_dismissed_count(*, kind: str, user: User) -> int:
    """How many pairs of this kind, both records visible to the user, are marked "not a duplicate"."""
    return _dismissals_visible_to(kind, user).count()


@transaction.atomic
def duplicate_dismiss(*, kind: str, first_id: int, second_id: int, actor: User) -> DuplicateDismissal:
    """Mark two records "not a duplicate" for everyone; marking a pair again changes nothing.

    The actor needs the right to change that kind of record and must see both records; a record that
    does not exist is refused the same way as one out of sight.
    """
    _check_may_change(kind, actor)
    first_id, second_id = DuplicateDismissal.ordered(first_id, second_id)
    if kind == DuplicateDismissal.Kind.COMPANY:
        companies = list(Company.objects.visible_to(actor).filter(pk__in=[first_id, second_id]))
    else:
        contacts = Contact.objects.visible_to(actor).filter(pk__in=[first_id, second_id])
        companies = [contact.company for contact in contacts.select_related("company")]
    if first_id == second_id or len(companies) != 2:
        raise NotAllowed(gettext("Only two records you can see can be marked “not a duplicate”."))
    dismissal, created = DuplicateDismissal.objects.get_or_create(
        kind=kind, first_id=first_id, second_id=second_id, defaults={"dismissed_by": actor}
    )
    if created:
        permission = _CHANGE_PERMISSIONS[DuplicateDismissal.Kind(kind)][0]
        # A deputy who sees a record only through a delegation marks the pair on the absent user's behalf.
        on_behalf_of = next(
            (
                absent
                for company in companies
                if (absent := company_on_behalf_of(actor=actor, company=company, permission=permission))
            ),
            None,
        )
        audit_log(
            instance=dismissal,
            action=AuditAction.CREATE,
            actor=actor,
            on_behalf_of=on_behalf_of,
            changes=diff({}, snapshot(dismissal, DISMISSAL_AUDIT_FIELDS)),
        )
    return dismissal


@transaction.atomic
def duplicate_dismissals_restore(*, kind: str, actor: User) -> int:
    """List again every pair of this kind marked "not a duplicate" whose two records the actor sees.

    Pairs with a record out of the actor's sight stay dismissed. Answers how many pairs came back.
    """
    _check_may_change(kind, actor)
    dismissals = list(
        _dismissals_visible_to(kind, actor).select_related("dismissed_by").select_for_update(of=("self",))
    )
    for dismissal in dismissals:
        audit_log(
            instance=dismissal,
            action=AuditAction.DELETE,
            actor=actor,
            changes=removed(snapshot(dismissal, DISMISSAL_AUDIT_FIELDS)),
        )
    ids = [dismissal.pk for dismissal in dismissals]
    for start in range(0, len(ids), DISMISSAL_LOOKUP_MAX):
        DuplicateDismissal.objects.filter(pk__in=ids[start : start + DISMISSAL_LOOKUP_MAX]).delete()
    return len(dismissals)


def duplicate_dismissals_forget(*, kind: str, record_ids: Iterable[int] | QuerySet[Any]) -> int:
    """Drop the dismissals that mention records merged away or deleted; call inside that change."""
    ids = record_ids if isinstance(record_ids, QuerySet) else list(record_ids)
    deleted, _by_model = DuplicateDismissal.objects.filter(
        Q(first_id__in=ids) | Q(second_id__in=ids), kind=kind
    ).delete()
    return deleted


__all__ = [
    "COMPANY_REASONS",
    "CONTACT_REASONS",
    "DuplicatePage",
    "DuplicatePair",
    "company_duplicates",
    "contact_duplicates",
    "duplicate_dismiss",
    "duplicate_dismissal_allowed",
    "duplicate_dismissals_forget",
    "duplicate_dismissals_restore",
    "duplicate_dismissed_count",
    "score",
]
