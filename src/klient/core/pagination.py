"""Keyset (cursor) pagination: constant cost per page however deep, shared by HTML lists and the API."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Field, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest

from klient.core.search import first_rows
from klient.core.visibility import company_visibility_branches

M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class InvalidCursor(ValueError):
    """The cursor was not produced by this list (or was tampered with)."""


@dataclass
class Page(Generic[M]):
    """One page of rows and the cursor of the next page (None on the last)."""

    items: list[M]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    """Opaque, URL-safe cursor from the sort values of the last row."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, expected_length: int) -> list[Any]:
    """The sort values inside a cursor; InvalidCursor when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor(cursor) from error
    if not isinstance(values, list) or len(values) != expected_length:
        raise InvalidCursor(cursor)
    return values


def keyset_paginate(queryset: QuerySet[M], *, ordering: list[str], cursor: str | None, limit: int) -> Page[M]:
    """Order by `ordering` (non-null fields ending with a unique one) and return the page after `cursor`."""
    limit = max(1, min(limit, MAX_LIMIT))
    fields = [name.lstrip("-") for name in ordering]
    queryset = queryset.order_by(*ordering)
    after = None
    if cursor:
        values = decode_cursor(cursor, len(fields))
        model_fields = [_concrete_field(queryset.model, name) for name in fields]
        try:
            typed = [field.to_python(value) for field, value in zip(model_fields, values, strict=True)]
        except Exception as error:  # a value of the wrong type is a bad cursor, not a crash
            raise InvalidCursor(cursor) from error
        after = Q(pk__in=[])
        for index, name in enumerate(ordering):
            lookup = "lt" if name.startswith("-") else "gt"
            step = Q(**{f"{fields[index]}__{lookup}": typed[index]})
            for earlier in range(index):
                step &= Q(**{fields[earlier]: typed[earlier]})
            after |= step
        # The first field's bound once more, on its own: the databases take no index range from the OR
        # above, and a page 10,000 rows deep read (and dropped) the 10,000 rows before it.
        after &= Q(**{f"{fields[0]}__{'lte' if ordering[0].startswith('-') else 'gte'}": typed[0]})
    queryset = first_rows(queryset, limit + 1, after=after)
    rows = list(_by_visibility_branches(queryset, limit + 1)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_cursor_value(getattr(last, name)) for name in fields])
    return Page(items=rows, next_cursor=next_cursor)


def request_page(
    request: HttpRequest, queryset: QuerySet[M], *, ordering: list[str], limit: int
) -> tuple[Page[M], str]:
    """A list page's rows after the request's `cursor`, and the query string of the next page (the
    request's filters with the next cursor; empty on the last page). A forged cursor is a 404."""
    try:
        page = keyset_paginate(queryset, ordering=ordering, cursor=request.GET.get("cursor"), limit=limit)
    except InvalidCursor:
        raise Http404 from None
    if not page.next_cursor:
        return page, ""
    query = request.GET.copy()
    query["cursor"] = page.next_cursor
    return page, query.urlencode()


def _by_visibility_branches(queryset: QuerySet[M], count: int) -> QuerySet[M]:
    """Where the rows a user sees are the union of branches (one owner, one team, …; see
    company_visibility_branches): the queryset narrowed to the ids of the first `count` rows of each
    branch, each read through the branch's own index. The first `count` rows of the whole are among
    them, since each is among the first `count` of its branch. Without this, a list walks its ordering
    index past every row the user does not see: at a million companies on PostgreSQL, 200 ms for a sales
    manager's first page instead of 25 ms.

    The queryset keeps its own conditions, visibility included: the branches only choose where to look.
    """
    user = getattr(queryset, "visibility_user", None)
    branches = company_visibility_branches(user) if user is not None else None
    if not branches:
        return queryset
    parts: list[str] = []
    params: list[Any] = []
    probes = _Probes(queryset, count)
    for branch in branches:
        sql, probe_params = probes.sql(branch)
        # Each probe as a subquery of its own: SQLite allows no LIMIT in the parts of a UNION.
        parts.append(f"SELECT * FROM ({sql}) AS branch_{len(parts)}")  # noqa: S608 - the ORM's SQL
        params.extend(probe_params)
    # One query in all: the probes are an uncorrelated subquery of the page's query, which the databases
    # run first (it is small) before looking the rows up by id. Every value is a parameter.
    return queryset.filter(pk__in=RawSQL(" UNION ALL ".join(parts), params))  # noqa: S611


# A value no id takes: it marks where a branch's own value goes in a probe compiled once.
_PLACEHOLDER = -(2**62) - 7


class _Probes:
    """The SQL of each branch's probe: the first `count` ids of the queryset within the branch.

    Branches that only differ in the value of one column (one per owner, one per team) share one
    compilation: the ORM compiles the probe once with a placeholder value, and each branch takes that
    SQL with its own value in the placeholder's parameter. Compiling a probe per branch through the
    ORM took a sales manager's list 5 ms.
    """

    def __init__(self, queryset: QuerySet[Any], count: int) -> None:
        self.queryset = queryset
        self.count = count
        self.compiled: dict[str, tuple[str, list[Any], int] | None] = {}

    def _compile(self, branch: Q) -> tuple[str, list[Any]]:
        probe = self.queryset.filter(branch).values_list("pk", flat=True)[: self.count]
        sql, params = probe.query.get_compiler(using=self.queryset.db).as_sql()
        return sql, list(params)

    def sql(self, branch: Q) -> tuple[str, list[Any]]:
        column = _single_value_column(branch)
        if column is None:
            return self._compile(branch)
        if column not in self.compiled:
            sql, params = self._compile(Q(**{column: _PLACEHOLDER}))
            places = [index for index, value in enumerate(params) if value == _PLACEHOLDER]
            self.compiled[column] = (sql, params, places[0]) if len(places) == 1 else None
        template = self.compiled[column]
        if template is None:
            return self._compile(branch)
        sql, params, place = template
        params = params.copy()
        child = branch.children[0]
        assert isinstance(child, tuple)
        params[place] = child[1]
        return sql, params


def _single_value_column(branch: Q) -> str | None:
    """The column of a branch that is one equality to an integer (`Q(owner_id=5)`), else None."""
    if branch.negated or len(branch.children) != 1 or not isinstance(branch.children[0], tuple):
        return None
    column, value = branch.children[0]
    if "__" in column or type(value) is not int:
        return None
    return str(column)


def _concrete_field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{name} is not a concrete field"
    return field


def _cursor_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, int | str) or value is None:
        return value
    return str(value)
