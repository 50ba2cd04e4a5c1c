"""Fixtures of the reports tests: files under a temporary media root, and activities made at chosen times."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from klient.activities.models import Activity
from klient.activities.services import activity_create
from klient.core.models import User
from klient.customers.models import Company
from klient.customers.services import company_create


@pytest.fixture(autouse=True)
def _media_and_static(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # WeasyPrint's PDFs and the pages fetch no static files: skip WhiteNoise's scan of them.
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def make_company() -> Callable[..., Company]:
    def make(owner: User, name: str, **data: Any) -> Company:
        return company_create(actor=owner, name=name, **data)

    return make


@pytest.fixture
def make_activity() -> Callable[..., Activity]:
    """A done activity of `owner` with `company` at `done_at` (a call by default)."""

    def make(
        owner: User, company: Company, done_at: datetime.datetime, kind: str = "call", **data: Any
    ) -> Activity:
        data.setdefault("subject", f"{kind} at {done_at.isoformat()}")
        return activity_create(actor=owner, company=company, kind=kind, done_at=done_at, **data)

    return make
