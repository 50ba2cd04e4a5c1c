"""Keyset (cursor) pagination: constant cost per page however deep, shared by HTML lists and the API."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Field, Model, Q, QuerySet

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
        queryset = queryset.filter(after)
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_cursor_value(getattr(last, name)) for name in fields])
    return Page(items=rows, next_cursor=next_cursor)


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
