"""The client card's timeline: every interaction with a company, newest first, merged from many tables.

Each kind of entry (a note, a change, a file; later calls, deals, tickets, invoices) is a *source*
registered with `register_timeline_source`. A source names the rows of one company in its own table
(which has an index on company, time descending, id descending) and how to fetch the page's objects.

A page is a keyset page over the merged order (time, kind, id), all descending: each source is asked
for at most `limit + 1` rows after the cursor (one query per source), the rows are merged in Python,
and the objects of the page are fetched by id (one query per kind on the page). The cost of a page
does not depend on how many entries the company has, nor on how deep the page is.

Later apps register their sources in their AppConfig.ready():

    register_timeline_source(
        "call",
        rows=lambda company_id: Call.objects.filter(company_id=company_id),
        at_field="started_at",
        fetch=lambda ids, viewer: Call.objects.filter(pk__in=ids).select_related("user"),
        template="activities/timeline_call.html",
    )
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, When
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from klient.core.models import Attachment, AuditEntry, Note, User
from klient.core.pagination import InvalidCursor, decode_cursor, encode_cursor
from klient.customers.models import Company, Contact
from klient.customers.selectors import can_see_commercial_terms

DEFAULT_TIMELINE_LIMIT = 20

RowsFactory = Callable[[int], QuerySet[Any]]
Fetcher = Callable[[list[int], User], Iterable[Any]]


@dataclass(frozen=True)
class TimelineSource:
    """One kind of timeline entry: where its rows are and how its page objects are fetched and shown."""

    kind: str
    rows: RowsFactory  # company id → the source's rows of that company (a queryset of its model)
    at_field: str  # the row's time, indexed with the company id: (company_id, -at, -id)
    fetch: Fetcher  # the page's ids and the viewer → objects ready to render (with what they show)
    template: str  # renders one entry; gets `entry` (kind, at, id) and `item` (the fetched object)
    permission: str | None = None  # the viewer needs it to see this kind at all


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: its kind, time, id in its own table, and the fetched object."""

    kind: str
    at: datetime.datetime
    id: int
    item: Any
    template: str


@dataclass(frozen=True)
class TimelinePage:
    """Entries newest first and the cursor of the next (older) page, None on the last."""

    entries: list[TimelineEntry]
    next_cursor: str | None


_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(
    kind: str,
    *,
    rows: RowsFactory,
    at_field: str,
    fetch: Fetcher,
    template: str,
    permission: str | None = None,
) -> None:
    """Add a kind of entry to every company's timeline (registering a kind again replaces it)."""
    _SOURCES[kind] = TimelineSource(kind, rows, at_field, fetch, template, permission)


def timeline_sources() -> list[TimelineSource]:
    """The registered sources, by kind."""
    return [_SOURCES[kind] for kind in sorted(_SOURCES)]


def _decode(cursor: str) -> tuple[datetime.datetime, str, int]:
    at, kind, row_id = decode_cursor(cursor, 3)
    try:
        moment = datetime.datetime.fromisoformat(at)
    except (TypeError, ValueError) as error:
        raise InvalidCursor(cursor) from error
    if not isinstance(kind, str) or not isinstance(row_id, int) or moment.tzinfo is None:
        raise InvalidCursor(cursor)
    return moment, kind, row_id


def _after(source: TimelineSource, cursor: tuple[datetime.datetime, str, int]) -> Q:
    """Rows of this source that come after the cursor in the order (at, kind, id) descending."""
    at, kind, row_id = cursor
    if source.kind == kind:
        return Q(**{f"{source.at_field}__lt": at}) | Q(**{source.at_field: at, "id__lt": row_id})
    if source.kind < kind:  # same time: this kind sorts after the cursor's kind
        return Q(**{f"{source.at_field}__lte": at})
    return Q(**{f"{source.at_field}__lt": at})


def timeline_page(
    *, company: Company, viewer: User, cursor: str | None = None, limit: int = DEFAULT_TIMELINE_LIMIT
) -> TimelinePage:
    """One page of a (visible) company's timeline for this viewer; InvalidCursor for a foreign cursor."""
    position = _decode(cursor) if cursor else None
    sources = [
        source
        for source in timeline_sources()
        if source.permission is None or viewer.has_perm(source.permission)
    ]
    keys: list[tuple[datetime.datetime, str, int]] = []
    for source in sources:
        queryset = source.rows(company.pk)
        if position is not None:
            queryset = queryset.filter(_after(source, position))
        rows = queryset.order_by(f"-{source.at_field}", "-id").values_list(source.at_field, "id")
        keys += [(at, source.kind, row_id) for at, row_id in rows[: limit + 1]]
    keys.sort(reverse=True)
    has_more = len(keys) > limit
    keys = keys[:limit]
    by_kind: dict[str, list[int]] = {}
    for _at, kind, row_id in keys:
        by_kind.setdefault(kind, []).append(row_id)
    items: dict[tuple[str, int], Any] = {}
    for kind, ids in by_kind.items():
        for item in _SOURCES[kind].fetch(ids, viewer):
            items[(kind, item.pk)] = item
    entries = [
        TimelineEntry(kind, at, row_id, items[(kind, row_id)], _SOURCES[kind].template)
        for at, kind, row_id in keys
        if (kind, row_id) in items  # a row deleted between the two queries is skipped
    ]
    next_cursor = None
    if has_more and keys:
        at, kind, row_id = keys[-1]
        next_cursor = encode_cursor([at.isoformat(), kind, row_id])
    return TimelinePage(entries=entries, next_cursor=next_cursor)


# ----------------------------------------------------------------------------------------------------------
# The sources of this issue: notes, files, and the change history of the company and its contacts.


def _content_type_id(model: type[Any]) -> int:
    return ContentType.objects.get_for_model(model).pk


def _notes(ids: list[int], viewer: User) -> Iterable[Note]:
    """Notes with their author and, for a note on a contact, the contact's name (one query).

    `contact_id` is set only while the contact is still at the note's company (a link that works for
    whoever sees the card); a deleted contact is named from its last audit entry (`contact_former_name`).
    """
    contact_type = _content_type_id(Contact)
    on_contact = Q(target_type_id=contact_type)
    person = Contact.objects.filter(pk=OuterRef("target_id"))
    history = AuditEntry.objects.filter(content_type_id=contact_type, object_id=OuterRef("target_id"))
    return (
        Note.objects.filter(pk__in=ids)
        .select_related("author", "on_behalf_of")
        .annotate(
            contact_id=Case(
                When(
                    on_contact,
                    then=Subquery(person.filter(company_id=OuterRef("company_id")).values("id")[:1]),
                ),
                output_field=IntegerField(),
            ),
            contact_first_name=Case(When(on_contact, then=Subquery(person.values("first_name")[:1]))),
            contact_last_name=Case(When(on_contact, then=Subquery(person.values("last_name")[:1]))),
            contact_former_name=Case(
                When(on_contact, then=Subquery(history.order_by("-at", "-id").values("object_repr")[:1]))
            ),
        )
    )


def _files(ids: list[int], viewer: User) -> Iterable[Attachment]:
    return Attachment.objects.filter(pk__in=ids).select_related("uploaded_by")


_LABELS: dict[tuple[str, str], dict[str, str]] = {}


def _field_labels(model: type[Any]) -> dict[str, str]:
    """Field names → verbose names in the active language (kept per model and language)."""
    key = (model._meta.label, translation.get_language() or "")
    if key not in _LABELS:
        _LABELS[key] = _build_labels(model)
    return _LABELS[key]


def _build_labels(model: type[Any]) -> dict[str, str]:
    labels = {
        field.name: capfirst(str(field.verbose_name))
        for field in model._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    labels["tags"] = capfirst(str(Company._meta.get_field("tags").verbose_name))
    labels["account_team"] = str(_("Account team"))
    labels["merged_from"] = str(_("Merged from"))
    labels["merged_into"] = str(_("Merged into"))
    labels["moved_from"] = str(_("Moved from"))
    labels["moved_to"] = str(_("Moved to"))
    return labels


def _changes(ids: list[int], viewer: User) -> Iterable[AuditEntry]:
    """Audit entries with `rows` [(label, before, after)]; commercial terms only for who may see them.

    A contact's entry links to the contact only while it is still at the card's company
    (`links_to_contact`): a deleted or moved-away person is named by the entry alone.
    """
    hidden = set() if can_see_commercial_terms(viewer) else set(Company.COMMERCIAL_FIELDS)
    labels = {
        _content_type_id(Company): _field_labels(Company),
        _content_type_id(Contact): _field_labels(Contact),
    }
    # The form's field order, whatever order the database kept the JSON keys in (jsonb sorts them).
    orders = {
        content_type: {
            name: index for index, name in enumerate([*model.AUDITED_FIELDS, "tags", "account_team"])
        }
        for content_type, model in (
            (_content_type_id(Company), Company),
            (_content_type_id(Contact), Contact),
        )
    }
    contact_type = _content_type_id(Contact)
    entries = list(
        AuditEntry.objects.filter(pk__in=ids)
        .select_related("actor", "on_behalf_of")
        .annotate(
            contact_company_id=Case(
                When(
                    content_type_id=contact_type,
                    then=Subquery(Contact.objects.filter(pk=OuterRef("object_id")).values("company_id")[:1]),
                ),
                output_field=IntegerField(),
            )
        )
    )
    for entry in entries:
        names = labels.get(entry.content_type_id, {})
        order = orders.get(entry.content_type_id, {})
        entry.is_contact = entry.content_type_id == contact_type  # type: ignore[attr-defined]
        entry.links_to_contact = (  # type: ignore[attr-defined]
            entry.is_contact and entry.contact_company_id == entry.company_id  # type: ignore[attr-defined]
        )
        # A company merged into this one: its own entries name it.
        entry.is_other_company = not entry.is_contact and entry.object_id != entry.company_id  # type: ignore[attr-defined]
        entry.rows = [  # type: ignore[attr-defined]
            (
                names.get(name, name),
                entry.changes[name].get("from_label"),
                entry.changes[name].get("to_label"),
            )
            for name in sorted(entry.changes, key=lambda name: (order.get(name, len(order)), name))
            if name not in hidden
        ]
    return entries


def _company_changes(company_id: int) -> QuerySet[AuditEntry]:
    # By the card the entry belongs to, not by object: a company merged into this one brings its history.
    return AuditEntry.objects.filter(company_id=company_id, content_type_id=_content_type_id(Company))


def _contact_changes(company_id: int) -> QuerySet[AuditEntry]:
    # Every contact that was ever here, deleted and moved-away ones included (audit_log stamps the
    # company). One source per content type: each is one range of the (company_id, content_type, -at,
    # -id) index, where an OR of the two, or stepping over the notes' and files' entries, would not be.
    return AuditEntry.objects.filter(company_id=company_id, content_type_id=_content_type_id(Contact))


register_timeline_source(
    "note",
    rows=lambda company_id: Note.objects.filter(company_id=company_id),
    at_field="created_at",
    fetch=_notes,
    template="customers/card_timeline_note.html",
)
register_timeline_source(
    "file",
    rows=lambda company_id: Attachment.objects.filter(company_id=company_id),
    at_field="uploaded_at",
    fetch=_files,
    template="customers/card_timeline_file.html",
)
register_timeline_source(
    "change",
    rows=_company_changes,
    at_field="at",
    fetch=_changes,
    template="customers/card_timeline_change.html",
)
register_timeline_source(
    "contact_change",
    rows=_contact_changes,
    at_field="at",
    fetch=_changes,
    template="customers/card_timeline_change.html",
)
