"""Keyset (cursor) pagination: constant cost per page however deep, shared by HTML lists and the API."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Field, Model, Q, QuerySet
from django.db.models.expressions import RawSQL

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
    queryset = first_rows(queryset, limit + 1, after=after)
    rows = list(_by_visibility_branches(queryset, limit + 1)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_cursor_value(getattr(last, name)) for name in fields])
    return Page(items=rows, next_cursor=next_cursor)


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
    for branch in branches:
        probe = queryset.filter(branch).values_list("pk", flat=True)[:count]
        sql, probe_params = probe.query.get_compiler(using=queryset.db).as_sql()
        # Each probe as a subquery of its own: SQLite allows no LIMIT in the parts of a UNION.
        parts.append(f"SELECT * FROM ({sql}) AS branch_{len(parts)}")  # noqa: S608 - the ORM's SQL
        params.extend(probe_params)
    # One query in all: the probes are an uncorrelated subquery of the page's query, which the databases
    # run first (it is small) before looking the rows up by id. Every value is a parameter.
    return queryset.filter(pk__in=RawSQL(" UNION ALL ".join(parts), params))  # noqa: S611


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
