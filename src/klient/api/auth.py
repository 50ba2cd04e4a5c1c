"""API authentication (bearer tokens and the UI's session) and rate limiting."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import UserRateThrottle

from klient.core.models import ApiToken, User
from klient.core.services import api_token_authenticate

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ReadOnlyToken(Exception):
    """A read-only token was used for a write."""


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a personal access token."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        if api_token.is_read_only and request.method not in SAFE_METHODS:
            raise ReadOnlyToken
        request.user = api_token.user
        # Token requests skip the session middleware that applies preferences: answer in the user's language.
        translation.activate(api_token.user.language)
        return api_token


class SessionAuth(APIKeyCookie):
    """The signed-in UI session; writes need the CSRF token, as in the UI."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated and user.is_active:
            return user
        return None


class ConfiguredRateThrottle(UserRateThrottle):
    """Per-user rate limit read from settings.API_RATE_LIMIT at each request (e.g. "1200/m")."""

    def __init__(self) -> None:
        super().__init__(settings.API_RATE_LIMIT)

    def allow_request(self, request: HttpRequest) -> bool:
        if self.rate != settings.API_RATE_LIMIT:
            self.rate = settings.API_RATE_LIMIT
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


def request_user(request: Any) -> User:
    """The authenticated user of an API request."""
    user = request.user
    assert isinstance(user, User)
    return user
