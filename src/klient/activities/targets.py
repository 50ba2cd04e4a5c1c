"""Targets and their progress: how much of each metric a user has done in a period.

CONTRACT (other apps call this; keep the signature):

- `targets_progress(*, user, day) -> list[Progress]`: for each metric with a target that applies to
  the user (their own, their team's or their role's), the progress in the day and in the month that
  contain `day` (and the week, where a weekly target is set), counted in the user's time zone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """One metric in one period: the target and what was done."""

    metric: str  # calls, phone_offers, proposal_emails, new_contracts
    period: str  # day, week, month
    start: datetime.date
    end: datetime.date  # inclusive
    target: int
    done: int
