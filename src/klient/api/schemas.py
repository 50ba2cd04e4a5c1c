"""Schemas shared by every resource: errors, history entries."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema


class ErrorItem(Schema):
    field: str | None
    message: str


class Error(Schema):
    detail: str
    errors: list[ErrorItem] = []


class ConflictError(Error):
    current_version: int


# The error answers every endpoint may give (design.md §7).
ERRORS: dict[int, Any] = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error}


class HistoryChange(Schema):
    field: str
    before: Any = None
    after: Any = None
    before_label: str | None = None
    after_label: str | None = None


class HistoryEntry(Schema):
    id: int
    at: datetime.datetime
    action: str
    actor: str | None
    on_behalf_of: str | None
    changes: list[HistoryChange]


def history_entry_out(entry: Any) -> dict[str, Any]:
    """An AuditEntry as the API shows it."""
    return {
        "id": entry.id,
        "at": entry.at,
        "action": entry.action,
        "actor": entry.actor.username if entry.actor else None,
        "on_behalf_of": entry.on_behalf_of.username if entry.on_behalf_of else None,
        "changes": [
            {
                "field": name,
                "before": change.get("from"),
                "after": change.get("to"),
                "before_label": change.get("from_label"),
                "after_label": change.get("to_label"),
            }
            for name, change in entry.changes.items()
        ],
    }
