"""Template tags of the calendar: the user's feed address on their settings page."""

from __future__ import annotations

from typing import Any

from django import template

from klient.activities.calendars.services import calendar_feed_url
from klient.core.models import User

register = template.Library()


@register.simple_tag(takes_context=True)
def calendar_feed_address(context: dict[str, Any]) -> str:
    """The signed-in user's feed address (made on first use); empty for a user without the calendar."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.has_perm("activities.view_activity"):
        return ""
    return calendar_feed_url(user=user, request=request)
