"""Apply the signed-in user's language and time zone to every request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from klient.core.models import User


class UserPreferencesMiddleware:
    """A signed-in user's saved language and time zone win over cookies and browser headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
            timezone.activate(user.tzinfo)
        else:
            timezone.deactivate()
        return self.get_response(request)
