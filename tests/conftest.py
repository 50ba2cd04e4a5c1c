"""Shared fixtures: named personas per role, API clients with tokens.

Personas (teams "North" and "South"):
- alice: account manager in North (owns her companies)
- bob: account manager in North (alice's colleague, same team)
- carol: account manager in South (another team: sees nothing of North's)
- mike: sales manager, lead of North (sees North's companies)
- tom: telesales in North
- sam: service agent (reads every basic card, no commercial terms)
- fiona: finance (reads all, with commercial terms)
- rita: read_only
- paula: portal customer
- root: administrator
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from hypothesis import settings as hypothesis_settings

from klient.catalog.models import PriceList
from klient.core.models import Role, Team, User
from klient.core.services import api_token_create, team_get_or_create, user_create
from tests.smtp import Sink, smtp_server

# CI runs the same generated examples every time: a property test fails there only when it fails here
# with CI=1 too. Elsewhere Hypothesis keeps exploring new examples.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Rate-limit and sign-in counters live in the cache; every test starts clean. So do the SLA policies
    # a process keeps (a rolled-back test may leave the same version with other rows behind).
    cache.clear()
    from klient.service.sla import _policies_cache

    _policies_cache.clear()


@pytest.fixture
def north(db: Any) -> Team:
    return team_get_or_create(name="North")


@pytest.fixture
def south(db: Any) -> Team:
    return team_get_or_create(name="South")


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(username: str, role: str, team: Team | None = None, **kwargs: Any) -> User:
        return user_create(
            username=username,
            role=role,
            team=team,
            password=PASSWORD,
            email=f"{username}@example.com",
            **kwargs,
        )

    return make


@pytest.fixture
def alice(make_user: Callable[..., User], north: Team) -> User:
    return make_user("alice", Role.ACCOUNT_MANAGER, north, first_name="Alice", last_name="Archer")


@pytest.fixture
def bob(make_user: Callable[..., User], north: Team) -> User:
    return make_user("bob", Role.ACCOUNT_MANAGER, north, first_name="Bob", last_name="Baker")


@pytest.fixture
def carol(make_user: Callable[..., User], south: Team) -> User:
    return make_user("carol", Role.ACCOUNT_MANAGER, south, first_name="Carol", last_name="Carter")


@pytest.fixture
def mike(make_user: Callable[..., User], north: Team) -> User:
    user = make_user("mike", Role.SALES_MANAGER, north, first_name="Mike", last_name="Miller")
    north.lead = user
    north.save(update_fields=["lead"])
    return user


@pytest.fixture
def tom(make_user: Callable[..., User], north: Team) -> User:
    return make_user("tom", Role.TELESALES, north)


@pytest.fixture
def sam(make_user: Callable[..., User]) -> User:
    return make_user("sam", Role.SERVICE_AGENT)


@pytest.fixture
def fiona(make_user: Callable[..., User]) -> User:
    return make_user("fiona", Role.FINANCE)


@pytest.fixture
def rita(make_user: Callable[..., User]) -> User:
    return make_user("rita", Role.READ_ONLY)


@pytest.fixture
def paula(make_user: Callable[..., User]) -> User:
    return make_user("paula", Role.PORTAL)


@pytest.fixture
def root(make_user: Callable[..., User]) -> User:
    return make_user("root", Role.ADMIN)


@pytest.fixture
def wholesale(db: Any) -> PriceList:
    """A price type in euros."""
    return PriceList.objects.create(name="Wholesale", currency="EUR")


@pytest.fixture
def retail(db: Any) -> PriceList:
    """A price type in złoty."""
    return PriceList.objects.create(name="Retail", currency="PLN")


@pytest.fixture
def login() -> Callable[[User], Client]:
    """A browser-like test client signed in as the user."""

    def sign_in(user: User) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


class ApiClient:
    """Calls /api/v1/ with a bearer token, JSON in and out."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, data: Any = None, **params: Any) -> Any:
        url = "/api/v1" + path
        caller = getattr(self.client, method)
        if method in {"get", "delete"}:
            return caller(url, data=params or data, headers=self.headers)
        return caller(url, data=data, content_type="application/json", headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self._call("get", path, **params)

    def post(self, path: str, data: Any) -> Any:
        return self._call("post", path, data)

    def patch(self, path: str, data: Any) -> Any:
        return self._call("patch", path, data)

    def put(self, path: str, data: Any) -> Any:
        return self._call("put", path, data)

    def delete(self, path: str, **params: Any) -> Any:
        return self._call("delete", path, **params)


@pytest.fixture
def api() -> Callable[..., ApiClient]:
    """An API client for a user: `api(alice)` or `api(alice, read_only=True)`."""

    def for_user(user: User, read_only: bool = False) -> ApiClient:
        _token, raw = api_token_create(user=user, name="test", is_read_only=read_only)
        return ApiClient(raw)

    return for_user


@pytest.fixture(autouse=True)
def _default_language_and_time_zone() -> None:
    # Requests activate the user's language and time zone on the thread and leave them there;
    # every test starts from the defaults, so services called directly answer in English and UTC.
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture
def smtp_sink() -> Iterator[Sink]:
    """A real SMTP server on loopback receiving everything Django sends while the test runs."""
    with smtp_server() as sink:
        yield sink
