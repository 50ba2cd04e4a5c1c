"""API of the signed-in user: who am I, and my preferences."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import ConfigDict, Field, field_validator

from klient.api.auth import request_user
from klient.api.schemas import ERRORS
from klient.core.models import User, timezone_choices
from klient.core.services import user_update_preferences

router = Router(tags=["me"])
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class MeOut(Schema):
    username: str
    full_name: str
    email: str
    role: str
    team: str | None
    language: str
    timezone: str
    calendar_feed_url: str | None = Field(
        description="The secret address of your iCalendar feed (null without access to the calendar)"
    )


class MePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    language: str | None = None
    timezone: str | None = None

    @field_validator("language")
    @classmethod
    def language_known(cls, value: str | None) -> str | None:
        if value is not None and value not in LANGUAGE_CODES:
            raise ValueError(f"unknown language; one of {', '.join(LANGUAGE_CODES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def timezone_known(cls, value: str | None) -> str | None:
        if value is not None and value not in dict(timezone_choices()):
            raise ValueError("unknown time zone; use an IANA name such as Europe/Warsaw")
        return value


def _me(request: HttpRequest) -> dict[str, object]:
    user = request_user(request)
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "email": user.email,
        "role": user.role,
        "team": user.team.name if user.team else None,
        "language": user.language,
        "timezone": user.timezone,
        "calendar_feed_url": _calendar_feed_url(request, user),
    }


def _calendar_feed_url(request: HttpRequest, user: User) -> str | None:
    # Imported here: core does not depend on the activities apps at import time.
    from klient.activities.calendars.services import calendar_feed_url

    if not user.has_perm("activities.view_activity"):
        return None
    return calendar_feed_url(user=user, request=request)


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The caller's profile")
def me_read(request: HttpRequest) -> dict[str, object]:
    return _me(request)


@router.patch("/me", response={200: MeOut, **ERRORS}, summary="Change the caller's language and time zone")
def me_update(request: HttpRequest, payload: MePatch) -> dict[str, object]:
    user_update_preferences(
        user=request_user(request), language=payload.language, timezone_name=payload.timezone
    )
    return _me(request)
