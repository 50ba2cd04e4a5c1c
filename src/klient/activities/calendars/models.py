"""Tables of the calendars app: each user's secret address of their iCalendar feed."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_feed_token() -> str:
    """A fresh secret for a feed's address (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's personal iCalendar feed. Whoever knows `token` reads the user's calendar without signing
    in, so the token is secret and revocable: revoking gives the feed a new token and the old address
    answers 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When the token was last replaced (revoked); empty while the first one is in use.
    renewed_at = models.DateTimeField(_("renewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
