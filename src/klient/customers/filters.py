"""The company and contact list filters, shared by the HTML lists, the exports and the API.

Each filter is a plain dataclass of simple values (str, list[str], list[int], bool | None), so the API
can expose its fields as query parameters and the HTML lists can keep them in the URL. `from_query`
reads a query string leniently (a value it does not understand filters nothing), `to_query` writes
the canonical query string a saved view keeps, and `paginate` pages through the result by keyset.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import typing
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from django import forms
from django.conf import settings
from django.db.models import Model, Q, QuerySet, prefetch_related_objects
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from klient.core.pagination import (
    MAX_LIMIT,
    InvalidCursor,
    Page,
    decode_cursor,
    encode_cursor,
    keyset_paginate,
)
from klient.core.search import fold, search_companies, search_contacts
from klient.core.widgets import FastSelect
from klient.customers.forms import any_country_choices
from klient.customers.models import BuyingRole, Company, CompanySource, CompanyStatus, Contact

M = TypeVar("M", bound=Model)

# The client card's freshness mark: reviewed within FRESH_DAYS is fresh, after STALE_DAYS stale.
FRESH_DAYS = 30
STALE_DAYS = 90


class Freshness:
    """Values of the card freshness filter (and of the mark a list row shows)."""

    FRESH = "fresh"
    AGEING = "ageing"
    STALE = "stale"
    NEVER = "never"
    SHORT_LABELS = {FRESH: _("Fresh"), AGEING: _("Ageing"), STALE: _("Stale"), NEVER: _("Not reviewed")}
    CHOICES = [
        (FRESH, _("Fresh (reviewed in the last 30 days)")),
        (AGEING, _("Ageing (30–90 days)")),
        (STALE, _("Stale (over 90 days)")),
        (NEVER, _("Never reviewed")),
    ]


def card_freshness(reviewed_at: datetime.datetime | None, now: datetime.datetime | None = None) -> str:
    """Freshness of a client card: fresh, ageing, stale, or never (reviewed)."""
    if reviewed_at is None:
        return Freshness.NEVER
    age = (now or timezone.now()) - reviewed_at
    if age < datetime.timedelta(days=FRESH_DAYS):
        return Freshness.FRESH
    if age <= datetime.timedelta(days=STALE_DAYS):
        return Freshness.AGEING
    return Freshness.STALE


# Keyset orderings: each ends with the unique id and is served by an index of Company.Meta.indexes.
COMPANY_SORTS: dict[str, list[str]] = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "created": ["created_at", "id"],
    "-created": ["-created_at", "-id"],
    "updated": ["updated_at", "id"],
    "-updated": ["-updated_at", "-id"],
    "country": ["country", "name", "id"],
    "-country": ["-country", "-name", "-id"],
    # Nullable: companies never contacted (never reviewed) come after all others, in id order.
    "last_contact": ["last_contact_at", "id"],
    "-last_contact": ["-last_contact_at", "-id"],
    "card_reviewed": ["card_reviewed_at", "id"],
    "-card_reviewed": ["-card_reviewed_at", "-id"],
}
COMPANY_SORT_LABELS = [
    ("name", _("Name A–Z")),
    ("-name", _("Name Z–A")),
    ("-created", _("Newest first")),
    ("created", _("Oldest first")),
    ("-updated", _("Recently changed")),
    ("updated", _("Longest unchanged")),
    ("country", _("Country A–Z")),
    ("-country", _("Country Z–A")),
    ("last_contact", _("Longest without contact")),
    ("-last_contact", _("Most recently contacted")),
    ("card_reviewed", _("Card reviewed longest ago")),
    ("-card_reviewed", _("Card reviewed most recently")),
]

CONTACT_SORTS: dict[str, list[str]] = {
    "name": ["last_name", "first_name", "id"],
    "-name": ["-last_name", "-first_name", "-id"],
    "updated": ["updated_at", "id"],
    "-updated": ["-updated_at", "-id"],
}
CONTACT_SORT_LABELS = [
    ("name", _("Last name A–Z")),
    ("-name", _("Last name Z–A")),
    ("-updated", _("Recently changed")),
    ("updated", _("Longest unchanged")),
]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse_bool(value: str) -> bool | None:
    value = value.strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


class _QueryFilter:
    """Reading and writing a filter dataclass as a query string."""

    sort: str

    @classmethod
    def from_query(cls, query: QueryDict | Mapping[str, Any]) -> Self:
        """The filter a query string asks for; values that cannot be read are left empty."""
        if not isinstance(query, QueryDict):
            plain = QueryDict(mutable=True)
            for key, value in query.items():
                plain.setlist(key, [str(item) for item in value] if isinstance(value, list) else [str(value)])
            query = plain
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            kind = hints[field.name]
            if kind == list[str]:
                values[field.name] = [item.strip() for item in query.getlist(field.name) if item.strip()]
            elif kind == list[int]:
                values[field.name] = [
                    int(item) for item in query.getlist(field.name) if item.strip().isdigit()
                ]
            elif kind == bool | None:
                values[field.name] = _parse_bool(query.get(field.name, ""))
            elif kind is bool:
                values[field.name] = _parse_bool(query.get(field.name, "")) is True
            elif field.name in query:
                values[field.name] = str(query.get(field.name, "")).strip()
        instance = cls(**values)
        if instance.sort not in instance.sorts():
            instance.sort = cls.default_sort()
        return instance

    @classmethod
    def sorts(cls) -> dict[str, list[str]]:
        raise NotImplementedError

    @classmethod
    def default_sort(cls) -> str:
        return "name"

    def to_query(self, *, without: tuple[str, ...] = ()) -> str:
        """The canonical query string of this filter: only what filters something, and the sort."""
        query = QueryDict(mutable=True)
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            # False filters only where the field can also be None ("no": not key accounts).
            if field.name in without or value is None or value in ("", []) or value is field.default is False:
                continue
            if isinstance(value, list):
                query.setlist(field.name, [str(item) for item in value])
            elif isinstance(value, bool):
                query[field.name] = "true" if value else "false"
            else:
                query[field.name] = str(value)
        return query.urlencode()

    @property
    def is_filtering(self) -> bool:
        """Whether anything but the sort narrows the list."""
        return bool(self.to_query(without=("sort",)))

    @property
    def ordering(self) -> list[str]:
        """Keyset ordering for the chosen sort (unknown sorts fall back to the default)."""
        sorts = self.sorts()
        return sorts.get(self.sort, sorts[self.default_sort()])

    def paginate(self, queryset: QuerySet[M], *, cursor: str | None, limit: int) -> Page[M]:
        """The page after `cursor` in this filter's order; InvalidCursor when the cursor is not ours."""
        return keyset_paginate_nulls_last(queryset, ordering=self.ordering, cursor=cursor, limit=limit)


@dataclasses.dataclass
class CompanyFilter(_QueryFilter):
    """Filters of the company list; empty values filter nothing, several values of one field match any."""

    q: str = ""  # search; the search service decides how words match
    owner: str = ""  # username, or "me"
    team: str = ""  # team id
    status: list[str] = dataclasses.field(default_factory=list)  # CompanyStatus values
    segment: str = ""
    industry: str = ""
    country: str = ""  # ISO 3166 alpha-2
    tag: list[str] = dataclasses.field(default_factory=list)  # tag names, any of them
    is_key_account: bool | None = None
    # "never", or a number of days N: not contacted in the last N days (never contacted included).
    last_contact: str = ""
    freshness: str = ""  # fresh, ageing, stale, never (see Freshness)
    source: str = ""  # CompanySource value
    parent: str = ""  # id of the parent company
    ids: list[int] = dataclasses.field(default_factory=list)  # an explicit selection (bulk export)
    sort: str = "name"

    @classmethod
    def sorts(cls) -> dict[str, list[str]]:
        return COMPANY_SORTS

    def apply(self, queryset: QuerySet[Company], *, username: str) -> QuerySet[Company]:
        """Narrow a visible queryset by these filters."""
        if self.q.strip():
            queryset = search_companies(queryset, self.q)
        if self.owner:
            queryset = queryset.filter(owner__username=username if self.owner == "me" else self.owner)
        if self.team.isdigit():
            queryset = queryset.filter(team_id=int(self.team))
        statuses = [status for status in self.status if status in CompanyStatus.values]
        if statuses:
            queryset = queryset.filter(status__in=statuses)
        if self.segment:
            queryset = queryset.filter(segment__iexact=self.segment)
        if self.industry:
            queryset = queryset.filter(industry__iexact=self.industry)
        if self.country:
            queryset = queryset.filter(country=self.country.upper())
        if self.tag:
            tagged = Company.tags.through.objects.filter(tag__key__in=[fold(name) for name in self.tag])
            queryset = queryset.filter(pk__in=tagged.values("company_id"))
        if self.is_key_account is not None:
            queryset = queryset.filter(is_key_account=self.is_key_account)
        queryset = self._last_contact(queryset)
        queryset = self._freshness(queryset)
        if self.source in CompanySource.values:
            queryset = queryset.filter(source=self.source)
        if self.parent.isdigit():
            queryset = queryset.filter(parent_id=int(self.parent))
        if self.ids:
            queryset = queryset.filter(pk__in=self.ids)
        return queryset

    def _last_contact(self, queryset: QuerySet[Company]) -> QuerySet[Company]:
        if self.last_contact == "never":
            return queryset.filter(last_contact_at__isnull=True)
        if self.last_contact.isdigit():
            since = timezone.now() - datetime.timedelta(days=int(self.last_contact))
            return queryset.filter(Q(last_contact_at__lt=since) | Q(last_contact_at__isnull=True))
        return queryset

    def _freshness(self, queryset: QuerySet[Company]) -> QuerySet[Company]:
        now = timezone.now()
        fresh_after = now - datetime.timedelta(days=FRESH_DAYS)
        stale_before = now - datetime.timedelta(days=STALE_DAYS)
        if self.freshness == Freshness.FRESH:
            return queryset.filter(card_reviewed_at__gt=fresh_after)
        if self.freshness == Freshness.AGEING:
            return queryset.filter(card_reviewed_at__lte=fresh_after, card_reviewed_at__gte=stale_before)
        if self.freshness == Freshness.STALE:
            return queryset.filter(card_reviewed_at__lt=stale_before)
        if self.freshness == Freshness.NEVER:
            return queryset.filter(card_reviewed_at__isnull=True)
        return queryset


@dataclasses.dataclass
class ContactFilter(_QueryFilter):
    """Filters of the contact list; empty values filter nothing."""

    q: str = ""
    company: str = ""  # company id
    buying_role: str = ""  # BuyingRole value
    language: str = ""  # language code
    has_left: bool | None = None  # left the company
    has_email: bool | None = None
    has_phone: bool | None = None  # phone, mobile or another phone
    birthday_this_month: bool = False  # in the current time zone's month
    consent: bool | None = None  # marketing consent
    sort: str = "name"

    @classmethod
    def sorts(cls) -> dict[str, list[str]]:
        return CONTACT_SORTS

    def apply(self, queryset: QuerySet[Contact], *, username: str) -> QuerySet[Contact]:
        """Narrow a visible queryset by these filters."""
        if self.q.strip():
            queryset = search_contacts(queryset, self.q)
        if self.company.isdigit():
            queryset = queryset.filter(company_id=int(self.company))
        if self.buying_role in BuyingRole.values:
            queryset = queryset.filter(buying_role=self.buying_role)
        if self.language:
            queryset = queryset.filter(language=self.language)
        if self.has_left is not None:
            queryset = queryset.filter(left_on__isnull=not self.has_left)
        if self.has_email is not None:
            with_email = ~Q(email="") | ~Q(other_emails=[])
            queryset = queryset.filter(with_email if self.has_email else ~with_email)
        if self.has_phone is not None:
            with_phone = ~Q(phone="") | ~Q(mobile="") | ~Q(other_phones=[])
            queryset = queryset.filter(with_phone if self.has_phone else ~with_phone)
        if self.birthday_this_month:
            queryset = queryset.filter(birthday__month=timezone.localdate().month)
        if self.consent is not None:
            queryset = queryset.filter(marketing_consent=self.consent)
        return queryset


def keyset_paginate_nulls_last(
    queryset: QuerySet[M], *, ordering: list[str], cursor: str | None, limit: int
) -> Page[M]:
    """Keyset pages over an ordering whose first field may be null: rows with a value first, in order,
    then the rows without one by id. At most two queries a page, whatever its size."""
    first = ordering[0].lstrip("-")
    if not getattr(queryset.model._meta.get_field(first), "null", False):
        return keyset_paginate(queryset, ordering=ordering, cursor=cursor, limit=limit)
    page = _paginate_in_two_parts(
        queryset.prefetch_related(None), first=first, ordering=ordering, cursor=cursor, limit=limit
    )
    # Related rows are fetched once for the whole page, not once for each part.
    lookups = getattr(queryset, "_prefetch_related_lookups", ())
    if lookups and page.items:
        prefetch_related_objects(page.items, *lookups)
    return page


def _paginate_in_two_parts(
    queryset: QuerySet[M], *, first: str, ordering: list[str], cursor: str | None, limit: int
) -> Page[M]:
    limit = max(1, min(limit, MAX_LIMIT))
    by_id = ["-id"] if ordering[0].startswith("-") else ["id"]
    with_value = queryset.filter(**{f"{first}__isnull": False})
    without_value = queryset.filter(**{f"{first}__isnull": True})
    values = decode_cursor(cursor, len(ordering)) if cursor else None
    if values is None or values[0] is not None:
        page = keyset_paginate(with_value, ordering=ordering, cursor=cursor, limit=limit)
        if page.next_cursor:
            return page
        remaining = limit - len(page.items)
        if remaining == 0:
            more = without_value.exists()
            return Page(items=page.items, next_cursor=encode_cursor([None, None]) if more else None)
        rest = keyset_paginate(without_value, ordering=by_id, cursor=None, limit=remaining)
        return Page(items=page.items + rest.items, next_cursor=_null_cursor(rest))
    after_id = values[-1]
    if after_id is not None and not isinstance(after_id, int):
        raise InvalidCursor(cursor)
    id_cursor = None if after_id is None else encode_cursor([after_id])
    rest = keyset_paginate(without_value, ordering=by_id, cursor=id_cursor, limit=limit)
    return Page(items=rest.items, next_cursor=_null_cursor(rest))


def _null_cursor(page: Page[M]) -> str | None:
    return encode_cursor([None, page.items[-1].pk]) if page.next_cursor and page.items else None


def _choice_with(choices: list[tuple[str, Any]], value: str, label: Any) -> list[tuple[str, Any]]:
    """The choices, plus the current value when a hand-written URL asked for one not among them."""
    return choices if not value or value in dict(choices) else [*choices, (value, label)]


_YES_NO = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
_LAST_CONTACT_DAYS = (30, 60, 90, 180, 365)


def _bool_initial(value: bool | None) -> str:
    return "" if value is None else "true" if value else "false"


class _FastInput(forms.TextInput):
    """An <input> built in Python (the panel renders on every list page; widget templates cost time)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name, "type": self.input_type})
        if value not in (None, ""):
            final_attrs["value"] = str(value)
        return format_html("<input{}>", flatatt(final_attrs))


class _FastHidden(_FastInput):
    input_type = "hidden"


class _FastSelectMultiple(FastSelect):
    allow_multiple_selected = True


class _FastCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes built in Python, one label around each."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        selected = {str(item) for item in value or []}
        boxes = [
            format_html(
                '<label><input type="checkbox" name="{}" value="{}"{}> {}</label>',
                name,
                key,
                mark_safe(" checked") if str(key) in selected else "",
                label,
            )
            for key, label in self.choices
        ]
        return format_html("<div>{}</div>", mark_safe("".join(boxes)))  # noqa: S308 - each part escaped


class _CountrySelect(FastSelect):
    """The country choice: 250 options, rendered once per language and value, then reused."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        return _country_select(get_language(), name, str(value or ""), tuple(sorted((attrs or {}).items())))


@functools.lru_cache(maxsize=256)
def _country_select(language: str, name: str, value: str, attrs: tuple[tuple[str, Any], ...]) -> SafeString:
    return FastSelect(choices=any_country_choices()).render(name, value, dict(attrs))


class _Panel(forms.Form):
    """A filters panel: its fields laid out for the template in one pass."""

    def layout(self) -> list[tuple[str, Any, SafeString]]:
        """(kind, label, widget HTML) of each visible field; kind is "choices", "check" or "field"."""
        result = []
        for bound in self.visible_fields():
            widget = bound.field.widget
            is_check = getattr(widget, "input_type", "") == "checkbox"
            multiple = getattr(widget, "allow_multiple_selected", False)
            kind = ("choices" if multiple else "check") if is_check else "field"
            result.append((kind, bound.label, bound.as_widget()))
        return result

    def hidden(self) -> SafeString:
        """The hidden fields' inputs."""
        return mark_safe("".join(str(bound) for bound in self.hidden_fields()))  # noqa: S308 - widget output


class CompanyFilterPanel(_Panel):
    """The filters panel of the company list: renders a CompanyFilter (which reads the query itself)."""

    q = forms.CharField(label=_("Search"), required=False, widget=_FastInput(attrs={"type": "search"}))
    owner = forms.ChoiceField(label=_("Owner"), required=False, widget=FastSelect)
    team = forms.ChoiceField(label=_("Team"), required=False, widget=FastSelect)
    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=CompanyStatus.choices, widget=_FastCheckboxes
    )
    tag = forms.MultipleChoiceField(
        label=_("Tags"), required=False, widget=_FastSelectMultiple(attrs={"size": 3, "multiple": True})
    )
    segment = forms.CharField(label=_("Segment"), required=False, widget=_FastInput)
    industry = forms.CharField(label=_("Industry"), required=False, widget=_FastInput)
    country = forms.CharField(label=_("Country"), required=False, widget=_CountrySelect)
    source = forms.ChoiceField(label=_("Source"), required=False, widget=FastSelect)
    is_key_account = forms.ChoiceField(
        label=_("Key account"), required=False, choices=_YES_NO, widget=FastSelect
    )
    last_contact = forms.ChoiceField(label=_("Last contact"), required=False, widget=FastSelect)
    freshness = forms.ChoiceField(label=_("Card freshness"), required=False, widget=FastSelect)
    parent = forms.CharField(required=False, widget=_FastHidden)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=COMPANY_SORT_LABELS, widget=FastSelect)

    def __init__(
        self,
        company_filter: CompanyFilter,
        *,
        owners: list[tuple[str, str]],
        teams: list[tuple[str, str]],
        tags: list[str],
    ) -> None:
        initial = dataclasses.asdict(company_filter)
        initial["is_key_account"] = _bool_initial(company_filter.is_key_account)
        super().__init__(initial=initial)
        self._set_choices("owner", [("", _("Anyone")), ("me", _("Me")), *owners], company_filter.owner)
        self._set_choices("team", [("", _("Any team")), *teams], company_filter.team)
        self._set_choices("tag", [(name, name) for name in tags], "")
        self._set_choices("source", [("", _("Any source")), *CompanySource.choices], "")
        last_contact = [
            ("", _("Any time")),
            ("never", _("Never contacted")),
            *(
                (str(days), _("Not contacted in %(days)s days") % {"days": days})
                for days in _LAST_CONTACT_DAYS
            ),
        ]
        self._set_choices(
            "last_contact",
            last_contact,
            company_filter.last_contact,
            _("Not contacted in %(days)s days") % {"days": company_filter.last_contact},
        )
        self._set_choices("freshness", [("", _("Any")), *Freshness.CHOICES], "")

    def _set_choices(self, name: str, choices: list[tuple[str, Any]], value: str, label: Any = None) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _choice_with(choices, value, label or value)


class ContactFilterPanel(_Panel):
    """The filters panel of the contact list."""

    q = forms.CharField(label=_("Search"), required=False, widget=_FastInput(attrs={"type": "search"}))
    company = forms.CharField(required=False, widget=forms.HiddenInput)
    buying_role = forms.ChoiceField(
        label=_("Buying role"),
        required=False,
        choices=[("", _("Any role")), *BuyingRole.choices],
        widget=FastSelect,
    )
    language = forms.ChoiceField(label=_("Language"), required=False, widget=FastSelect)
    has_email = forms.ChoiceField(label=_("Has an email"), required=False, choices=_YES_NO, widget=FastSelect)
    has_phone = forms.ChoiceField(label=_("Has a phone"), required=False, choices=_YES_NO, widget=FastSelect)
    consent = forms.ChoiceField(
        label=_("Marketing consent"), required=False, choices=_YES_NO, widget=FastSelect
    )
    has_left = forms.ChoiceField(
        label=_("Left the company"), required=False, choices=_YES_NO, widget=FastSelect
    )
    birthday_this_month = forms.BooleanField(label=_("Birthday this month"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=CONTACT_SORT_LABELS, widget=FastSelect)

    def __init__(self, contact_filter: ContactFilter) -> None:
        initial = dataclasses.asdict(contact_filter)
        for name in ("has_email", "has_phone", "consent", "has_left"):
            initial[name] = _bool_initial(getattr(contact_filter, name))
        super().__init__(initial=initial)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("Any language")), *settings.LANGUAGES]
