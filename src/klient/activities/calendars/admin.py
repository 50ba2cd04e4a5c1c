"""Operators see who has a calendar feed and can revoke one (the token itself is never shown)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from klient.activities.calendars.models import CalendarFeed
from klient.activities.calendars.services import calendar_feed_revoke
from klient.core.models import User


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "renewed_at"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fields = ["user", "created_at", "renewed_at"]
    readonly_fields = ["user", "created_at", "renewed_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke: give the selected feeds new addresses"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        actor = request.user
        assert isinstance(actor, User)
        for feed in queryset.select_related("user"):
            calendar_feed_revoke(actor=actor, user=feed.user)
        messages.success(request, _("The selected calendar feeds have new addresses."))
